"""The certificate (PDF) for a Standards Met or Standards Exceeded publication.

Pure (no Django imports, a test checks): `CertificateData` in, the PDF's bytes out, made by
WeasyPrint from `certificate.html` and `certificate.css` beside this file. Every value is
HTML-escaped before it goes into the page; WeasyPrint may read nothing but the files in this
folder and data: URLs (the QR code), so a document can never make the server fetch a URL.

The first page is the certificate itself and is always one page. A multi-site publication lists
a few sites on it; more than fit go on the following (portrait) pages, one line each.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from string import Template
from urllib.parse import urlsplit
from urllib.request import url2pathname

import segno

from assessments.vocabulary import format_date

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE_FILE = "certificate.html"

# A multi-site publication lists its sites on the certificate page itself only when they surely
# fit (checked by eye with the longest names an organisation can have); else on following pages.
FIRST_PAGE_MAX_SITES = 6
FIRST_PAGE_MAX_SITE_CHARS = 48  # name and ODS code: one line in a half-width column
FIRST_PAGE_MAX_PUBLISHER_CHARS = 150  # the organisation's name and address


@dataclass(frozen=True)
class CertificateData:
    organisation_name: str
    ods_code: str
    address_lines: tuple[str, ...]
    level_label: str  # "Standards Met" or "Standards Exceeded"
    year: str  # "2025-26"
    published_on: date
    verification_code: str  # "XXXXX-XXXXX-XXXXX-XXXXX"
    verification_url: str
    # (name, ODS code) of each site a multi-site publication covers; empty for one organisation.
    sites: tuple[tuple[str, str], ...] = ()


def check_url(url: str) -> None:
    """Raises ValueError unless `url` is a data: URL or a file in this folder."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "file":
        path = Path(url2pathname(urlsplit(url).path)).resolve()
        if not path.is_relative_to(PACKAGE_DIR):
            raise ValueError(f"Refusing to read {url}: only the certificate's own files")
    elif scheme != "data":
        raise ValueError(f"Refusing to fetch {url}: certificates fetch nothing")


@lru_cache(maxsize=1)
def _fetcher_class() -> type:
    # WeasyPrint is imported only when a certificate is made: it takes most of a second and
    # needs the Pango libraries, which a web process that merely imports this module need not.
    from weasyprint.urls import URLFetcher

    class PackageOnlyFetcher(URLFetcher):
        """Reads data: URLs and files in this folder, nothing else. A refusal stops the
        rendering (fail_on_errors) rather than leaving a certificate without its stylesheet."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data", "file"), fail_on_errors=True)

        def fetch(self, url, headers=None):
            check_url(url)
            return super().fetch(url, headers)

    return PackageOnlyFetcher


def package_only_fetcher():
    """A WeasyPrint URL fetcher that lets it read data: URLs and files in this folder only."""
    return _fetcher_class()()


@lru_cache(maxsize=1)
def _template() -> Template:
    return Template((PACKAGE_DIR / TEMPLATE_FILE).read_text(encoding="utf-8"))


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _name_size(name: str) -> str:
    length = len(name)
    if length <= 34:
        return "name-l"
    if length <= 70:
        return "name-m"
    if length <= 140:
        return "name-s"
    return "name-xs"


def _address(lines: tuple[str, ...]) -> str:
    return ", ".join(line.strip() for line in lines if line and line.strip())


def _site_text(name: str, ods_code: str) -> str:
    return f'{_e(name)} <span class="site-ods">({_e(ods_code)})</span>'


def _sites_fit_on_first_page(data: CertificateData) -> bool:
    publisher = len(data.organisation_name) + len(_address(data.address_lines))
    return (
        len(data.sites) <= FIRST_PAGE_MAX_SITES
        and publisher <= FIRST_PAGE_MAX_PUBLISHER_CHARS
        and all(len(name) + len(ods) <= FIRST_PAGE_MAX_SITE_CHARS for name, ods in data.sites)
    )


def _publisher(data: CertificateData) -> str:
    address = _address(data.address_lines)
    return f"<strong>{_e(data.organisation_name)}</strong> ({_e(data.ods_code)})" + (
        f", {_e(address)}" if address else ""
    )


def _sites_block(data: CertificateData) -> str:
    if not data.sites:
        return ""
    count = len(data.sites)
    if _sites_fit_on_first_page(data):
        items = "".join(f"<li>{_site_text(name, ods)}</li>" for name, ods in data.sites)
        return (
            f'      <div class="sites"><p>Published by {_publisher(data)} — valid for the '
            f"following {'site' if count == 1 else 'sites'}:</p>"
            f'<ul class="sites-on-page">{items}</ul></div>'
        )
    return (
        f'      <div class="sites"><p>Published by {_publisher(data)} — valid for '
        + ("the site" if count == 1 else f"the {count:,} sites")
        + " listed on the following pages.</p></div>"
    )


# The list of sites is lines of plain text in blocks of ten (a gap between blocks helps a reader
# keep their place). WeasyPrint lays out one block of lines several times faster than one element
# per site, and much faster than CSS columns or list markers: measured by `make bench`, the whole
# certificate for 500 sites took 0.85 s rather than 4.6 s. Each site is one line on a portrait
# page (an organisation's name is at most 255 characters, so a few wrap).
SITES_PER_BLOCK = 10


def _site_line(number: int, name: str, ods_code: str) -> str:
    # Whitespace inside a name would show as typed in a pre-wrap block: folded to single spaces.
    return f"{number}. {_e(' '.join(name.split()))} ({_e(ods_code.strip())})"


def _sites_pages(data: CertificateData) -> str:
    if not data.sites or _sites_fit_on_first_page(data):
        return ""
    count = len(data.sites)
    lines = [
        _site_line(number, name, ods) for number, (name, ods) in enumerate(data.sites, start=1)
    ]
    blocks = "".join(
        '<p class="site-lines">' + "\n".join(lines[start : start + SITES_PER_BLOCK]) + "</p>"
        for start in range(0, count, SITES_PER_BLOCK)
    )
    return (
        '<section class="sites-pages">'
        # The heading above each page names the certificate; the footer says where to check it.
        f'<div class="sites-footer">Check this certificate at {_e(data.verification_url)}</div>'
        f'<h2 class="sites-heading">Sites covered by certificate {_e(data.verification_code)}'
        "</h2>"
        f'<p class="sites-intro">Published by {_publisher(data)} at the level '
        f"<strong>{_e(data.level_label)}</strong> for {_e(data.year)} on "
        f"{_e(format_date(data.published_on))} — valid for the following "
        + ("site" if count == 1 else f"{count:,} sites")
        + ":</p>"
        f'<div class="site-list">{blocks}</div>'
        "</section>"
    )


def qr_data_uri(url: str) -> str:
    """The QR code of `url` as an SVG data: URI (vector, so it prints sharply at any size)."""
    code = segno.make(url, error="m", micro=False)
    return code.svg_data_uri(dark="#212b32", border=0, omitsize=True)


def certificate_html(data: CertificateData) -> str:
    """The certificate's HTML, every value escaped; base it on PACKAGE_DIR to render it."""
    address = _address(data.address_lines)
    published_on = format_date(data.published_on)
    return _template().substitute(
        title=_e(f"DSPT {data.year} certificate: {data.organisation_name} ({data.ods_code})"),
        description=_e(
            f"{data.organisation_name} ({data.ods_code}) published its DSPT assessment for "
            f"{data.year} at the level {data.level_label} on {published_on}. "
            f"Verification code {data.verification_code}."
        ),
        name_size=_name_size(data.organisation_name),
        organisation_name=_e(data.organisation_name),
        ods_code=_e(data.ods_code),
        # A multi-site certificate gives the address with the list of sites instead.
        identity_address=f" · {_e(address)}" if address and not data.sites else "",
        year=_e(data.year),
        level_label=_e(data.level_label),
        published_on=_e(published_on),
        sites_block=_sites_block(data),
        verification_code=_e(data.verification_code),
        verification_url=_e(data.verification_url),
        qr_uri=_e(qr_data_uri(data.verification_url)),
        sites_pages=_sites_pages(data),
    )


def build_certificate_pdf(data: CertificateData) -> bytes:
    from weasyprint import HTML

    document = HTML(
        string=certificate_html(data),
        base_url=PACKAGE_DIR.as_uri() + "/",
        url_fetcher=package_only_fetcher(),
    )
    # Tagged, so screen readers can read it (about 20 ms more for a single-site certificate).
    return document.write_pdf(pdf_tags=True)
