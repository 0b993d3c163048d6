"""Commissioner areas: the figures an area page shows and its chart, from plain data (no Django,
no database).

An area is a commissioner the national directory names for its organisations (a CCG in the 2019
export, an integrated care board in later ones). Its page counts the organisations at each public
status now (the register's own status, register/status.py) and, for each of the last five DSPT
years, how many published at each level for that year (register/history.py decides which
publication speaks for an organisation in a year). `area_figures` does the counting;
`area_chart_svg` draws the years as bars, with the same figures the page's table shows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from assessments.vocabulary import (
    APPROACHING_STANDARDS,
    LEVEL_LABELS,
    NOT_PUBLISHED,
    NOT_REGISTERED,
    OUT_OF_DATE,
    REGISTERED_NOT_PUBLISHED,
    STANDARDS_EXCEEDED,
    STANDARDS_MET,
)
from publishing.coverage import PublicationFact

from .history import publication_by_year
from .status import PublicStatus, StatusKind

# Highest level first: how the table's columns and the chart's bars are ordered.
LEVELS_SHOWN = (STANDARDS_EXCEEDED, STANDARDS_MET, APPROACHING_STANDARDS)
_LEVEL_BY_LABEL = {label: level for level, label in LEVEL_LABELS.items()}

# The statuses "now", in the order the page lists them; the key is what rows are counted under.
NOW_ROWS: tuple[tuple[str, str], ...] = (
    *((level, LEVEL_LABELS[level]) for level in LEVELS_SHOWN),
    (StatusKind.OUT_OF_DATE.value, OUT_OF_DATE),
    (StatusKind.REGISTERED_NOT_PUBLISHED.value, REGISTERED_NOT_PUBLISHED),
    (StatusKind.NOT_REGISTERED.value, NOT_REGISTERED),
)


def area_slug(name: str) -> str:
    """The address of an area: "NHS West Yorkshire ICB" → "nhs-west-yorkshire-icb". Names
    differing only in case, accents or punctuation are one area. "" for a name with no letters
    or digits."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


@dataclass(frozen=True)
class AreaMember:
    """One organisation of an area, as plain facts."""

    status: PublicStatus  # its public status now
    publications: tuple[PublicationFact, ...]  # every publication covering it (any year)
    registered: bool


@dataclass(frozen=True)
class YearFigures:
    year: str
    by_level: dict[str, int]  # level → organisations that published at it for this year
    not_published: int

    @property
    def published(self) -> int:
        return sum(self.by_level.values())

    @property
    def total(self) -> int:
        return self.published + self.not_published


@dataclass(frozen=True)
class AreaFigures:
    total: int
    now: list[tuple[str, str, int]]  # key, label, count
    years: list[YearFigures]  # oldest first


def status_key(status: PublicStatus) -> str:
    """Which row of NOW_ROWS a public status is counted under."""
    if status.kind is StatusKind.CURRENT:
        return _LEVEL_BY_LABEL[status.level]
    return status.kind.value


def area_figures(members: Iterable[AreaMember], *, years: Sequence[str]) -> AreaFigures:
    """Counts for an area page: each status now, and each year's levels."""
    now = dict.fromkeys((key for key, _ in NOW_ROWS), 0)
    per_year = {year: dict.fromkeys(LEVELS_SHOWN, 0) for year in years}
    total = 0
    for member in members:
        total += 1
        now[status_key(member.status)] += 1
        decided = publication_by_year(member.publications, registered=member.registered)
        for year in years:
            fact = decided.get(year)
            if fact is not None:
                per_year[year][fact.level] += 1
    return AreaFigures(
        total=total,
        now=[(key, label, now[key]) for key, label in NOW_ROWS],
        years=[
            YearFigures(
                year=year,
                by_level=per_year[year],
                not_published=total - sum(per_year[year].values()),
            )
            for year in years
        ],
    )


# The chart ---------------------------------------------------------------------------------------

CHART_WIDTH = 640
ROW_HEIGHT = 40
BAR_HEIGHT = 26
AXIS_X = 80  # bars start here; years are written to the left
LEGEND_HEIGHT = 56
# NHS.UK colours, darkest for the highest level; "not published" pale, with a border.
SEGMENT_COLOURS = {
    STANDARDS_EXCEEDED: "#005eb8",
    STANDARDS_MET: "#007f3b",
    APPROACHING_STANDARDS: "#ffb81c",
    "not_published": "#d8dde0",
}
SEGMENT_LABELS = {**{level: LEVEL_LABELS[level] for level in LEVELS_SHOWN}}
SEGMENT_LABELS["not_published"] = NOT_PUBLISHED


def _segments(figures: YearFigures) -> list[tuple[str, int]]:
    return [(level, figures.by_level[level]) for level in LEVELS_SHOWN] + [
        ("not_published", figures.not_published)
    ]


def chart_description(area_name: str, figures: AreaFigures) -> str:
    """The chart in words: every figure it draws."""
    parts = []
    for year in figures.years:
        counts = ", ".join(f"{SEGMENT_LABELS[key]} {count}" for key, count in _segments(year))
        parts.append(f"{year.year}: {counts}")
    return (
        f"For each of the last {len(figures.years)} DSPT years, how many of the "
        f"{figures.total} organisations in {area_name} published at each level. "
        + "; ".join(parts)
        + "."
    )


def area_chart_svg(area_name: str, figures: AreaFigures, *, id_prefix: str = "area-chart") -> str:
    """A horizontal bar per year, split by level, scaled to the area's size; its title and
    description name every figure. Every word is escaped."""
    bar_room = CHART_WIDTH - AXIS_X - 16
    height = ROW_HEIGHT * len(figures.years) + LEGEND_HEIGHT + 8
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'class="app-chart" role="img" aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">'
        f"{escape(f'DSPT publications in {area_name}, last {len(figures.years)} years')}</title>",
        f'<desc id="{desc_id}">{escape(chart_description(area_name, figures))}</desc>',
        '<g font-family="Frutiger W01, Arial, Helvetica, sans-serif" font-size="14" '
        'fill="#212b32">',
    ]
    for row, year in enumerate(figures.years):
        top = row * ROW_HEIGHT + 8
        out.append(
            f'<text x="{AXIS_X - 8}" y="{top + BAR_HEIGHT // 2 + 5}" text-anchor="end">'
            f"{escape(year.year)}</text>"
        )
        x = float(AXIS_X)
        for key, count in _segments(year):
            if not count or not year.total:
                continue
            width = bar_room * count / year.total
            stroke = ' stroke="#768692"' if key == "not_published" else ""
            out.append(
                f'<rect x="{x:.1f}" y="{top}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f"fill={quoteattr(SEGMENT_COLOURS[key])}{stroke}/>"
            )
            x += width
    legend_top = ROW_HEIGHT * len(figures.years) + 16
    for index, key in enumerate(SEGMENT_COLOURS):
        left = AXIS_X + (index % 2) * 240
        top = legend_top + (index // 2) * 24
        out.append(
            f'<rect x="{left}" y="{top}" width="16" height="16" '
            f'fill={quoteattr(SEGMENT_COLOURS[key])} stroke="#768692"/>'
            f'<text x="{left + 24}" y="{top + 13}">{escape(SEGMENT_LABELS[key])}</text>'
        )
    out.append("</g></svg>")
    return "".join(out)
