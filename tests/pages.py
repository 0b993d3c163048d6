"""Reading what the portal answers, for tests: tables, CSV downloads, ticked boxes; and the steps
of the publish flow a test walks through on the way to what it checks."""

from __future__ import annotations

import csv
import io

from bs4 import BeautifulSoup
from django.urls import reverse


def search(client, query, **params):
    """The public organisation search, signed out or in, for `query`."""
    return client.get(reverse("organisation-search"), {"q": query, **params})


def table_rows(response, caption: str = "") -> list[list[str]]:
    """The cells of the (first, or first whose caption holds `caption`) table, without the
    responsive headings that repeat the column names on phones."""
    soup = BeautifulSoup(response.content, "html.parser")
    tables = [table for table in soup.find_all("table") if caption in table.caption.get_text()]
    if not tables:
        return []
    rows = []
    for row in tables[0].find("tbody").find_all("tr"):
        cells = []
        for cell in row.find_all("td"):
            for heading in cell.select(".nhsuk-table-responsive__heading"):
                heading.decompose()
            cells.append(" ".join(cell.get_text(" ").split()))
        rows.append(cells)
    return rows


def result_rows(response) -> list[list[str]]:
    """The rows of the search results table."""
    return table_rows(response, "Organisations matching")


def csv_rows(response) -> list[list[str]]:
    """A CSV download's rows (it must start with the byte order mark spreadsheets look for)."""
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def ticked_sites(page: str) -> set[str]:
    """The values of the ticked site checkboxes on the publish page."""
    soup = BeautifulSoup(page, "html.parser")
    return {box["value"] for box in soup.select('input[name="sites"]') if box.has_attr("checked")}


def walk_to_summary(client):
    """Confirms the profile on the publish flow and opens the summary (Check and publish)."""
    assert client.post(reverse("publish-profile"), {"confirm": "on"}).status_code == 302
    return client.get(reverse("publish-summary"))
