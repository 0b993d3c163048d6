"""The static files' storage in production: whitenoise's compressed, hashed files, with each
file's address worked out once per process.

Every page names seven static files (the stylesheets, icons and scripts). Working out a hashed
file's address from the manifest took about 15 µs each time (a third of the drawing of a
signed-out page's head). The manifest is read when the process starts and never changes while it
runs (`collectstatic` is followed by a restart), so neither do the addresses.
"""

from __future__ import annotations

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class KeptUrlsStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._kept_urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force or settings.DEBUG:  # with DEBUG the files are named as they are
            return super().url(name, force)
        found = self._kept_urls.get(name)
        if found is None:
            # A file missing from the manifest raises here, and nothing is kept.
            found = self._kept_urls[name] = super().url(name)
        return found
