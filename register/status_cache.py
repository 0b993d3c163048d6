"""The register's hottest answers kept in the shared cache: status badges, the API's
organisation by code, organisation pages' data and search result pages (ADR 13).

Every provider's website fetches its badge for every visitor, systems poll the API by code and
popular names are searched again and again; the answer changes only when a status (or a name)
does. An entry is kept as (generation, day, value):

- the **generation** is a random token in the cache that every change which may alter a public
  status replaces — saving or deleting an organisation, a publication (publishing, withdrawing),
  a publication's site list or a question bank (its deadline), and the directory import's bulk
  writes (`register_changed`). It is replaced at once and again when the transaction commits, so
  a reader that read the old rows between the two cannot keep them under the new token;
- the **day**: a status can lapse at midnight (the deadline passes) with nothing saved;
- entries also expire after ENTRY_SECONDS whatever happens, so even a change made outside the
  portal (an SQL script by hand) shows within a minute.

With Redis away every read is a miss and every write is dropped (dspt_portal/cache.py): the answer
is worked out from the database as before, one read to the cache later. A read costs one round
trip (the generation and the entry together).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

GENERATION_KEY = "register:generation"
# Only canonical codes are kept (upper-case letters and digits): anything else takes the long way,
# to a redirect or a "not found".
CACHEABLE_CODE = re.compile(r"[A-Z0-9]{1,20}")
ENTRY_SECONDS = 60

V = TypeVar("V")


def cached(kind: str, key: str, make: Callable[[], V | None], *, keep: bool = True) -> V | None:
    """The value of `make()` for (`kind`, `key`), from the cache when still valid. None (an
    organisation not found) is never kept. `keep=False`: `make()`, neither read nor kept (the
    whole response is being kept instead: `kept_responses.response_to_be_kept`)."""
    if not keep:
        return make()
    entry_key = f"register:{kind}:{key}"
    today = timezone.localdate().isoformat()
    found = cache.get_many([GENERATION_KEY, entry_key])
    generation = found.get(GENERATION_KEY)
    entry = found.get(entry_key)
    if entry is not None and entry[0] == generation and entry[1] == today:
        return entry[2]
    value = make()
    if value is not None:
        cache.set(entry_key, (generation, today, value), ENTRY_SECONDS)
    return value


def cached_for_code(
    kind: str, ods_code: str, make: Callable[[], V | None], *, scope: str = "", keep: bool = True
) -> V | None:
    """`cached` for an organisation's code as an address gives it, only when it is a canonical
    code; otherwise None without calling `make` (the caller takes the long way, to a redirect or
    a "not found"). `scope`: what else the answer depends on (the site's address in links)."""
    if not CACHEABLE_CODE.fullmatch(ods_code):
        return None
    return cached(kind, f"{ods_code}:{scope}" if scope else ods_code, make, keep=keep)


def _new_generation() -> None:
    cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)


def register_changed() -> None:
    """Something a public status is made from changed: every kept answer is out of date, now and
    once the transaction commits."""
    _new_generation()
    transaction.on_commit(_new_generation)
