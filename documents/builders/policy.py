"""A policy (or form) from the policy builder, as an editable Word document and as a PDF.

Pure (no Django imports, a test checks): `PolicyDocumentData` in, the file's bytes out. The Word
document is made with python-docx (real heading styles, a details table, a table of the named
roles, numbered sections) so a care manager can edit it; the PDF is made by WeasyPrint from HTML
written here and `policy.css` beside this file, tagged for screen readers like the certificate.
Gaps the organisation still has to fill ("[Add your Caldicott Guardian's name]") are
highlighted in both. Every value is HTML-escaped in the PDF, and its fetcher reads nothing but
files in this folder.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass

from .certificate import PACKAGE_DIR, package_only_fetcher

STYLESHEET = "policy.css"


@dataclass(frozen=True)
class Run:
    text: str
    gap: bool = False  # a value still to be filled in: highlighted


@dataclass(frozen=True)
class PolicyParagraph:
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class PolicySection:
    heading: str
    paragraphs: tuple[PolicyParagraph, ...] = ()
    bullets: tuple[PolicyParagraph, ...] = ()
    fields: tuple[str, ...] = ()  # labels of boxes to fill in by hand


@dataclass(frozen=True)
class PolicyRole:
    role: str  # "Caldicott Guardian"
    name: str  # the person's name, or the gap text
    gap: bool = False


@dataclass(frozen=True)
class PolicyDocumentData:
    title: str
    purpose: str
    organisation_name: str
    ods_code: str
    address_lines: tuple[str, ...]
    version: str
    review_date: str  # "1 June 2027"
    made_on: str  # "1 June 2026"
    roles: tuple[PolicyRole, ...]
    sections: tuple[PolicySection, ...]
    is_form: bool = False

    def details(self) -> list[tuple[str, str]]:
        return [
            ("Organisation", self.organisation_name),
            ("Address", ", ".join(self.address_lines) or "[Add your organisation's address]"),
            ("ODS code", self.ods_code),
            ("Version", self.version),
            ("Made on", self.made_on),
            ("Next review due by", self.review_date),
        ]


# --- Word ---------------------------------------------------------------------------------------


def build_policy_docx(data: PolicyDocumentData) -> bytes:
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt

    document = Document()
    properties = document.core_properties
    properties.title = f"{data.title}: {data.organisation_name}"
    properties.author = data.organisation_name
    properties.subject = data.title
    properties.comments = "Made with the DSPT self-assessment portal's policy builder"
    document.styles["Normal"].font.size = Pt(11)

    document.add_heading(data.title, level=0)
    subtitle = document.add_paragraph(style="Subtitle")
    subtitle.add_run(data.organisation_name)
    document.add_paragraph(data.purpose)

    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in data.details():
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = value

    document.add_heading("Who is responsible", level=1)
    roles = document.add_table(rows=1, cols=2)
    roles.style = "Table Grid"
    header = roles.rows[0].cells
    header[0].paragraphs[0].add_run("Role").bold = True
    header[1].paragraphs[0].add_run("Name").bold = True
    for role in data.roles:
        cells = roles.add_row().cells
        cells[0].text = role.role
        run = cells[1].paragraphs[0].add_run(role.name)
        if role.gap:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    def add_runs(paragraph, runs: tuple[Run, ...]) -> None:
        for piece in runs:
            run = paragraph.add_run(piece.text)
            if piece.gap:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
                run.bold = True

    for number, section in enumerate(data.sections, start=1):
        document.add_heading(f"{number}. {section.heading}", level=1)
        for paragraph in section.paragraphs:
            add_runs(document.add_paragraph(), paragraph.runs)
        for bullet in section.bullets:
            add_runs(document.add_paragraph(style="List Bullet"), bullet.runs)
        if section.fields:
            fields = document.add_table(rows=0, cols=2)
            fields.style = "Table Grid"
            for label in section.fields:
                cells = fields.add_row().cells
                cells[0].paragraphs[0].add_run(label).bold = True
                cells[1].text = ""
            document.add_paragraph()

    footer = document.sections[0].footer.paragraphs[0]
    footer.text = (
        f"{data.title} · {data.organisation_name} ({data.ods_code}) · version {data.version} · "
        f"review by {data.review_date}"
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF ----------------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _runs_html(runs: tuple[Run, ...]) -> str:
    return "".join(
        f'<mark class="gap">{_e(run.text)}</mark>' if run.gap else _e(run.text) for run in runs
    )


def policy_html(data: PolicyDocumentData) -> str:
    parts = [
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{_e(data.title)}: {_e(data.organisation_name)}</title>",
        f'<meta name="author" content="{_e(data.organisation_name)}">',
        f'<link rel="stylesheet" href="{STYLESHEET}"></head><body>',
        f'<p class="caption">{_e(data.organisation_name)} ({_e(data.ods_code)})</p>',
        f'<h1 data-footer="{_e(data.title)} · version {_e(data.version)} · review by '
        f'{_e(data.review_date)}">{_e(data.title)}</h1>',
        f'<p class="purpose">{_e(data.purpose)}</p>',
        '<table class="details"><tbody>',
    ]
    parts += [
        f'<tr><th scope="row">{_e(label)}</th><td>{_e(value)}</td></tr>'
        for label, value in data.details()
    ]
    parts.append(
        '</tbody></table><h2>Who is responsible</h2><table class="roles"><thead><tr>'
        '<th scope="col">Role</th><th scope="col">Name</th></tr></thead><tbody>'
    )
    for role in data.roles:
        name = f'<mark class="gap">{_e(role.name)}</mark>' if role.gap else _e(role.name)
        parts.append(f"<tr><td>{_e(role.role)}</td><td>{name}</td></tr>")
    parts.append("</tbody></table>")
    for number, section in enumerate(data.sections, start=1):
        parts.append(f"<h2>{number}. {_e(section.heading)}</h2>")
        parts += [f"<p>{_runs_html(paragraph.runs)}</p>" for paragraph in section.paragraphs]
        if section.bullets:
            parts.append("<ul>")
            parts += [f"<li>{_runs_html(bullet.runs)}</li>" for bullet in section.bullets]
            parts.append("</ul>")
        if section.fields:
            parts.append('<table class="fields"><tbody>')
            parts += [
                f'<tr><th scope="row">{_e(label)}</th><td></td></tr>' for label in section.fields
            ]
            parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "".join(parts)


def build_policy_pdf(data: PolicyDocumentData) -> bytes:
    from weasyprint import HTML

    document = HTML(
        string=policy_html(data),
        base_url=PACKAGE_DIR.as_uri() + "/",
        url_fetcher=package_only_fetcher(),
    )
    return document.write_pdf(pdf_tags=True)
