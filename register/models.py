"""The register's open data: the daily file of the whole register."""

from __future__ import annotations

from django.db import models


def _open_data_path(instance: OpenDataFile, filename: str) -> str:
    return f"open-data/{filename}"


class OpenDataFile(models.Model):
    """One complete open data file in storage. A row is written only once its file is whole, so
    the newest row is always a finished file; older rows and their files are removed after it."""

    file = models.FileField(upload_to=_open_data_path, max_length=255)
    built_on = models.DateField()
    built_at = models.DateTimeField()
    size_bytes = models.PositiveBigIntegerField()
    organisations = models.PositiveIntegerField()

    class Meta:
        ordering = ("-built_at", "-pk")
        get_latest_by = ("built_at", "pk")

    def __str__(self) -> str:
        return f"Open data file of {self.built_on}"

    @property
    def download_name(self) -> str:
        return f"dspt-register-{self.built_on.isoformat()}.csv.gz"
