"""The bulk status check (no sign-in): a list of ODS codes in, one table of statuses out, and the
same table as CSV or XLSX. Also the open data file's download.

Nothing a visitor sends is kept: the download form carries the checked (normalised) codes back in
the page itself, so no list is stored on the server and none can reach another visitor.
"""

from __future__ import annotations

import io

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from dspt_portal.downloads import stored_file_response
from dspt_portal.ratelimit import rate_limited
from organisations.access import Access, requires

from .bulk_input import BULK_ROW_LIMIT
from .exports import EXPORT_HEADER, export_row, write_csv_rows, xlsx_bytes
from .forms import CODES_SEPARATOR, BulkCheckForm, BulkDownloadForm
from .search import StatusesByCode, export_organisation, organisation_statuses_by_code
from .selectors import open_data_file_latest

BULK_HEADER = (*EXPORT_HEADER, "Source Of Status")
NOT_IN_DIRECTORY = "Not in the national directory"
BULK_FILENAME = "dspt-status-check"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Column widths of the XLSX download, in characters.
BULK_XLSX_WIDTHS = (12, 40, 26, 18, 22, 30, 12, 50)


def _form_page(request: HttpRequest, form: BulkCheckForm, *, status: int = 200, **context):
    return render(
        request,
        "register/bulk_check.html",
        {"form": form, "row_limit": BULK_ROW_LIMIT, **context},
        status=status,
    )


@requires(Access.PUBLIC)
@rate_limited("bulk")
@require_http_methods(["GET", "HEAD", "POST"])
def bulk_check(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, BulkCheckForm())
    form = BulkCheckForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_page(request, form, status=400, parsed=form.cleaned_data.get("parsed"))
    parsed = form.cleaned_data["parsed"]
    statuses = organisation_statuses_by_code(codes=parsed.codes)
    return _form_page(
        request,
        BulkCheckForm(),
        parsed=parsed,
        statuses=statuses,
        checked_codes=CODES_SEPARATOR.join(parsed.codes),
    )


def _bulk_rows(statuses: StatusesByCode) -> list[list[str]]:
    rows = [list(BULK_HEADER)]
    for result in statuses.results:
        rows.append(
            [
                *export_row(export_organisation(result.organisation), result.status),
                result.status.source_text,
            ]
        )
    blank = [""] * (len(BULK_HEADER) - 2)
    rows.extend([code, *blank, NOT_IN_DIRECTORY] for code in statuses.unknown)
    return rows


@requires(Access.PUBLIC)
@rate_limited("bulk")
@require_http_methods(["GET", "HEAD", "POST"])
def bulk_check_download(request: HttpRequest) -> HttpResponse:
    """The checked list as CSV or XLSX, worked out again from the codes the page sends back."""
    if request.method != "POST":
        return redirect("bulk-check")
    form = BulkDownloadForm(request.POST)
    if not form.is_valid():
        return _form_page(
            request,
            BulkCheckForm(),
            status=400,
            error_message="Check your list again, then download the result",
        )
    rows = _bulk_rows(organisation_statuses_by_code(codes=form.cleaned_data["codes"]))
    stamp = timezone.localdate().isoformat()
    if form.cleaned_data["format"] == "xlsx":
        content = xlsx_bytes(title="Statuses", rows=rows, widths=BULK_XLSX_WIDTHS)
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        filename = f"{BULK_FILENAME}-{stamp}.xlsx"
    else:
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so spreadsheet software reads the file as UTF-8
        write_csv_rows(buffer, rows)
        response = HttpResponse(
            buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
        filename = f"{BULK_FILENAME}-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@requires(Access.PUBLIC)
@rate_limited("search")
@require_safe
def open_data_download(request: HttpRequest) -> HttpResponse:
    """The latest open data file as it was stored (the web worker builds nothing)."""
    record = open_data_file_latest()
    if record is None:
        raise Http404("The open data file has not been made yet")
    try:
        stream = record.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The open data file is missing") from error
    # From object storage, a redirect to a signed address: the bytes never pass through the web
    # worker (dspt_portal/downloads.py).
    return stored_file_response(
        stream,
        filename=record.download_name,
        content_type="application/gzip",
        cache_control="public, max-age=3600",
    )
