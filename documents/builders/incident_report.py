"""One incident as a printable PDF: the report as submitted, every update since and what was
sent to the regulator.

Pure (no Django imports, a test checks): `IncidentReportData` in, the PDF's bytes out, made by
WeasyPrint from HTML written here and `incident_report.css` beside this file. Every value is
HTML-escaped; the fetcher reads nothing but files in this folder (certificate.py's), so a
report's text can never make the server fetch a URL.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from .certificate import PACKAGE_DIR, package_only_fetcher

STYLESHEET = "incident_report.css"


@dataclass(frozen=True)
class ReportAnswer:
    question: str
    lines: tuple[str, ...]  # empty when not answered


@dataclass(frozen=True)
class ReportUpdate:
    heading: str  # "Follow-up – 3 June 2026 at 10:00 by Sam Patel"
    lines: tuple[tuple[str, str], ...]  # (label, text)


@dataclass(frozen=True)
class ReportNotification:
    what: str  # "The report", "A follow-up of 3 June 2026 at 10:00"
    state: str  # "Sent on 3 June 2026 at 10:05", "Failed"


@dataclass(frozen=True)
class IncidentReportData:
    organisation_name: str
    ods_code: str
    title: str  # "Incident INC-2026-000123" or "Draft incident report"
    reference: str  # "" for a draft
    state: str  # "Submitted", "Closed", ...
    summary_lines: tuple[str, ...]  # started / submitted by / late reason
    verdict_label: str
    verdict_reason: str
    reportable: bool
    answers: Sequence[ReportAnswer]
    updates: Sequence[ReportUpdate] = ()
    notifications: Sequence[ReportNotification] = ()
    generated_on: str = ""  # "4 June 2026 at 09:00"
    notes: tuple[str, ...] = field(default_factory=tuple)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def incident_report_html(data: IncidentReportData) -> str:
    parts = [
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{_e(data.title)}: {_e(data.organisation_name)}</title>",
        '<meta name="author" content="DSPT self-assessment portal">',
        f'<link rel="stylesheet" href="{STYLESHEET}"></head><body>',
        f'<p class="caption">{_e(data.organisation_name)} ({_e(data.ods_code)})</p>',
        f'<h1 data-reference="{_e(data.reference or data.title)}">{_e(data.title)}</h1>',
        f'<p><span class="state">{_e(data.state)}</span></p>',
        '<p class="confidential">Confidential: this report may describe people\'s personal '
        "data. Keep it as securely as the records it is about.</p>",
    ]
    parts += [f"<p>{_e(line)}</p>" for line in data.summary_lines]
    if data.verdict_label:
        kind = "verdict" if data.reportable else "verdict none"
        parts.append(
            f'<div class="{kind}"><p><strong>{_e(data.verdict_label)}</strong></p>'
            f"<p>{_e(data.verdict_reason)}</p></div>"
        )
    parts.append("<h2>The report</h2><dl>")
    for answer in data.answers:
        lines = "\n".join(answer.lines) if answer.lines else "Not answered"
        parts.append(f"<dt>{_e(answer.question)}</dt><dd>{_e(lines)}</dd>")
    parts.append("</dl>")
    if data.updates:
        parts.append("<h2>Since it was submitted</h2>")
        for update in data.updates:
            parts.append(f'<div class="update"><h3>{_e(update.heading)}</h3><dl>')
            parts += [f"<dt>{_e(label)}</dt><dd>{_e(text)}</dd>" for label, text in update.lines]
            parts.append("</dl></div>")
    if data.notifications:
        parts.append(
            "<h2>Sent to the regulator</h2><table><thead><tr><th>What</th><th>State</th></tr>"
            "</thead><tbody>"
        )
        parts += [
            f"<tr><td>{_e(item.what)}</td><td>{_e(item.state)}</td></tr>"
            for item in data.notifications
        ]
        parts.append("</tbody></table>")
    parts += [f"<p>{_e(note)}</p>" for note in data.notes]
    if data.generated_on:
        parts.append(f'<p class="caption">Printed from the portal on {_e(data.generated_on)}.</p>')
    parts.append("</body></html>")
    return "".join(parts)


def build_incident_report_pdf(data: IncidentReportData) -> bytes:
    from weasyprint import HTML

    document = HTML(
        string=incident_report_html(data),
        base_url=PACKAGE_DIR.as_uri() + "/",
        url_fetcher=package_only_fetcher(),
    )
    return document.write_pdf(pdf_tags=True)
