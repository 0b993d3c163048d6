"""Area pages: every commissioner area in the directory, and for one area the statuses of its
organisations now, the last five DSPT years as a chart and a table, and the list as CSV."""

from __future__ import annotations

import io

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from dspt_portal.ratelimit import rate_limited
from organisations.access import Access, requires

from .area_selectors import Area, area_get, area_list, area_page
from .areas import LEVELS_SHOWN, SEGMENT_LABELS, area_chart_svg, area_slug
from .exports import EXPORT_HEADER, write_csv_rows
from .paging import pagination
from .views import csv_row


def _area_or_404(slug: str) -> Area:
    area = area_get(slug=slug)
    if area is None:
        raise Http404("No area has this name")
    return area


@requires(Access.PUBLIC)
@rate_limited("search")
@require_safe
def area_index(request: HttpRequest) -> HttpResponse:
    return render(request, "register/area_list.html", {"areas": area_list()})


@requires(Access.PUBLIC)
@rate_limited("search")
@require_safe
def area_detail(request: HttpRequest, slug: str) -> HttpResponse:
    wanted = area_slug(slug)
    if not wanted:
        raise Http404("No area has this name")
    if wanted != slug:
        # One address per area, whatever case or punctuation was typed.
        return redirect("area-detail", slug=wanted, permanent=True)
    area = _area_or_404(slug)
    page = area_page(area=area, page=request.GET.get("page"))
    return render(
        request,
        "register/area_detail.html",
        {
            "area": area,
            "page": page,
            "figures": page.figures,
            "level_labels": [SEGMENT_LABELS[level] for level in LEVELS_SHOWN],
            # Each year with its (level label, count) cells, in the column order.
            "year_rows": [
                (year, [(SEGMENT_LABELS[level], year.by_level[level]) for level in LEVELS_SHOWN])
                for year in page.figures.years
            ],
            # Drawn by area_chart_svg, which escapes every word it writes.
            "chart": mark_safe(area_chart_svg(area.name, page.figures)),
            "pagination": pagination(page.listed),
        },
    )


@requires(Access.PUBLIC)
@rate_limited("search")
@require_safe
def area_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """Every organisation of the area (never just a page) in the register's CSV layout (the
    search download's own rows)."""
    area = _area_or_404(slug)
    page = area_page(area=area)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheet software reads UTF-8
    write_csv_rows(buffer, [EXPORT_HEADER, *(csv_row(result) for result in page.results)])
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="dspt-area-{area.slug}.csv"'
    return response
