"""Certificate codes as people type them: `abcde fghij-…` is the code ABCDE-FGHIJ-…."""

from __future__ import annotations

import re

from publishing.models import CODE_ALPHABET, CODE_LENGTH

_CODE_CHARACTERS = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
# People copy codes by hand: the letters the alphabet leaves out stand for digits they look like.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def normalise_code(raw: str) -> str | None:
    """`abcde fghij-…` → `ABCDE-FGHIJ-…`, or None when it cannot be a certificate code."""
    compact = re.sub(r"[\s\-]", "", raw or "").upper().translate(_LOOKALIKES)
    if not _CODE_CHARACTERS.fullmatch(compact):
        return None
    return "-".join(compact[i : i + 5] for i in range(0, CODE_LENGTH, 5))
