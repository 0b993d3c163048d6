"""The status badge a provider puts on its website: what it says, drawn as SVG or PNG (no Django,
no database).

A badge says exactly what the public organisation page says: it is built from the same
`PublicStatus` (register/status.py), so its words and dates come from the toolkit's vocabulary
and nowhere else. Four looks: current (green), out of date (yellow), not published (grey), and
the small "not found" badge an unknown code gets with its 404.
"""

from __future__ import annotations

import enum
import hashlib
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw, ImageFont

from assessments.vocabulary import NOT_PUBLISHED, OUT_OF_DATE, format_date

from .status import PublicStatus, StatusKind

# Changed whenever the drawing changes, so browsers holding an old picture fetch the new one.
DRAWING_VERSION = "1"

WIDTH = 340
HEIGHT = 64
LABEL_WIDTH = 72
LABEL = "DSPT"
FONT_FAMILY = "Frutiger W01, Arial, Helvetica, sans-serif"
NHS_BLUE = "#005eb8"
PNG_SCALE = 2  # drawn at twice the size, so it stays sharp on high-density screens


class BadgeLook(enum.Enum):
    CURRENT = "current"
    OUT_OF_DATE = "out_of_date"
    NOT_PUBLISHED = "not_published"
    NOT_FOUND = "not_found"


# Background and text colours (NHS.UK palette), each pair at least 4.5:1 contrast.
COLOURS: dict[BadgeLook, tuple[str, str]] = {
    BadgeLook.CURRENT: ("#007f3b", "#ffffff"),
    BadgeLook.OUT_OF_DATE: ("#ffeb3b", "#212b32"),
    BadgeLook.NOT_PUBLISHED: ("#4c6272", "#ffffff"),
    BadgeLook.NOT_FOUND: ("#d5281b", "#ffffff"),
}


@dataclass(frozen=True)
class Badge:
    look: BadgeLook
    headline: str  # "25/26 Standards Met"
    detail: str  # "Published 10 May 2026"
    description: str  # the whole statement: the picture's title and the alt text to copy

    @property
    def colours(self) -> tuple[str, str]:
        return COLOURS[self.look]

    def etag(self, file_format: str) -> str:
        """A strong ETag: the same words, look and drawing give the same picture."""
        parts = (DRAWING_VERSION, file_format, self.look.value, self.headline, self.detail)
        key = "\n".join((*parts, self.description))
        return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _who(name: str, ods_code: str) -> str:
    return f"{name} ({ods_code})" if name else ods_code


def badge_for(status: PublicStatus, *, name: str, ods_code: str) -> Badge:
    """What the badge of an organisation with this public status says."""
    who = _who(name, ods_code)
    if status.kind is StatusKind.CURRENT and status.published_on is not None:
        published = format_date(status.published_on)
        return Badge(
            look=BadgeLook.CURRENT,
            headline=status.text,
            detail=f"Published {published}",
            description=(
                f"Data Security and Protection Toolkit status of {who}: {status.text}, "
                f"published {published}"
            ),
        )
    if status.kind is StatusKind.OUT_OF_DATE and status.published_on is not None:
        return Badge(
            look=BadgeLook.OUT_OF_DATE,
            headline=OUT_OF_DATE,
            detail=f"Last published {format_date(status.published_on)}",
            description=f"Data Security and Protection Toolkit status of {who}: {status.text}",
        )
    return Badge(
        look=BadgeLook.NOT_PUBLISHED,
        headline=NOT_PUBLISHED,
        detail=status.text,
        description=f"Data Security and Protection Toolkit status of {who}: {status.text}",
    )


def badge_not_found(ods_code: str) -> Badge:
    return Badge(
        look=BadgeLook.NOT_FOUND,
        headline="Not found",
        detail="No organisation has this code",
        description=(
            f"Data Security and Protection Toolkit: no organisation has the code {ods_code}"
        ),
    )


# SVG ---------------------------------------------------------------------------------------------


def badge_svg(badge: Badge) -> str:
    """The badge as an SVG document. Every word is escaped; the picture is one image to
    assistive technology (role="img"), named by its title."""
    background, ink = badge.colours
    text_x = LABEL_WIDTH + 12
    title = escape(badge.description)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="badge-title">'
        f'<title id="badge-title">{title}</title>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" rx="4" fill={quoteattr(background)}/>'
        f'<path d="M4 0H{LABEL_WIDTH}V{HEIGHT}H4A4 4 0 0 1 0 {HEIGHT - 4}V4A4 4 0 0 1 4 0Z" '
        f'fill="{NHS_BLUE}"/>'
        f'<g font-family={quoteattr(FONT_FAMILY)} aria-hidden="true">'
        f'<text x="{LABEL_WIDTH // 2}" y="{HEIGHT // 2 + 7}" fill="#ffffff" font-size="20" '
        f'font-weight="700" text-anchor="middle">{LABEL}</text>'
        f'<text x="{text_x}" y="28" fill={quoteattr(ink)} font-size="16" '
        f'font-weight="700">{escape(badge.headline)}</text>'
        f'<text x="{text_x}" y="48" fill={quoteattr(ink)} font-size="13">'
        f"{escape(badge.detail)}</text>"
        "</g></svg>"
    )


# PNG ---------------------------------------------------------------------------------------------


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's own default font, at a size (Pillow ships it: nothing is bundled here).
    return ImageFont.load_default(size=size * PNG_SCALE)


def _fitted(draw: ImageDraw.ImageDraw, text: str, size: int, room: int):
    """The largest font, from `size` down, that fits `text` in `room` pixels (badge units)."""
    while size > 8:
        font = _font(size)
        if draw.textlength(text, font=font) <= room * PNG_SCALE:
            return font
        size -= 1
    return _font(size)


def badge_png(badge: Badge) -> bytes:
    """The badge as a PNG, twice the SVG's size."""
    background, ink = badge.colours
    scale = PNG_SCALE
    image = Image.new("RGBA", (WIDTH * scale, HEIGHT * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, WIDTH * scale - 1, HEIGHT * scale - 1), 4 * scale, background)
    draw.rounded_rectangle(
        (0, 0, LABEL_WIDTH * scale - 1, HEIGHT * scale - 1),
        4 * scale,
        NHS_BLUE,
        corners=(True, False, False, True),
    )
    draw.text(
        (LABEL_WIDTH * scale // 2, HEIGHT * scale // 2),
        LABEL,
        fill="#ffffff",
        font=_font(20),
        anchor="mm",
    )
    text_x = (LABEL_WIDTH + 12) * scale
    room = WIDTH - LABEL_WIDTH - 20
    draw.text(
        (text_x, 28 * scale),
        badge.headline,
        fill=ink,
        font=_fitted(draw, badge.headline, 16, room),
        anchor="ls",
    )
    draw.text(
        (text_x, 48 * scale),
        badge.detail,
        fill=ink,
        font=_fitted(draw, badge.detail, 13, room),
        anchor="ls",
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
