"""The one export path of the admin: rows of (header, getter) columns written as CSV or XLSX.

Both the "Export selected as CSV" action and the change list's "Export CSV / XLSX" links (the list
as filtered, every page) come here, so formula cells are neutralised and secrets left out once.
A model admin names its columns with `csv_columns`/`get_csv_columns` (config.admin.CSVExportMixin);
any other change list exports its model's concrete fields minus the sensitive ones.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

Column = tuple[str, Callable[[Any], Any]]

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Never exported, whatever the admin shows: password hashes, tokens, secrets, session data.
SENSITIVE_FIELD_RE = re.compile(r"password|secret|token|session|otp|api_key|^key$", re.IGNORECASE)

_NUMBER_RE = re.compile(r"^[+-]?[0-9][0-9.]*$")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """Neutralise spreadsheet formulas (CSV injection); plain numbers such as +62... stay as they are."""
    text = "" if value is None else str(value)
    if text[:1] in _FORMULA_STARTS and not _NUMBER_RE.match(text):
        return "'" + text
    return text


def xlsx_cell(value: Any) -> Any:
    """A value openpyxl stores as data: numbers, booleans and dates typed (aware times in the
    site's zone, Excel has none), everything else as neutralised text (never a formula)."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date | datetime.time):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", csv_cell(value))


def export_response(
    name: str, header: Sequence[str], rows: Iterable[Iterable[Any]], fmt: str = "csv"
) -> HttpResponse:
    """A download of `rows` (iterables of cells) under `header`, as CSV or XLSX."""
    if fmt not in FORMATS:
        raise Http404(f"No export format {fmt!r}")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    if fmt == "csv":
        writer = csv.writer(response)
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_cell(cell) for cell in row])
        return response
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=name[:31] or "export")
    sheet.append(list(header))
    for row in rows:
        sheet.append([xlsx_cell(cell) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response.write(buffer.getvalue())
    return response


def default_columns(model: type[models.Model]) -> list[Column]:
    """A model's concrete fields (foreign keys as their id), the sensitive ones left out."""
    return [
        (field.attname, _field_getter(field.attname))
        for field in model._meta.concrete_fields
        if not SENSITIVE_FIELD_RE.search(field.name)
    ]


def _field_getter(attname: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, attname)


def columns_of(model_admin: admin.ModelAdmin, request: HttpRequest) -> list[Column]:
    """The admin's declared export columns, or the model's safe fields; sensitive names dropped."""
    declared = getattr(model_admin, "get_csv_columns", None)
    columns = list(declared(request)) if declared is not None else []
    if not columns:
        columns = default_columns(model_admin.model)
    return [(name, get) for name, get in columns if not SENSITIVE_FIELD_RE.search(name)]


def export_queryset(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: models.QuerySet, fmt: str = "csv"
) -> HttpResponse:
    """Export `queryset` (already filtered and ordered) with the admin's columns."""
    columns = columns_of(model_admin, request)
    name = getattr(model_admin, "csv_name", "") or model_admin.model._meta.model_name
    rows = ([get(obj) for _, get in columns] for obj in queryset.iterator(chunk_size=2000))
    return export_response(name, [header for header, _ in columns], rows, fmt)


def export_changelist(request: HttpRequest, app_label: str, model_name: str, fmt: str) -> HttpResponse:
    """The change list as the user filtered, searched and ordered it, every page, as a file.

    Registered for every model admin (config.urls); the query string is the change list's own.
    More rows than ADMIN_EXPORT_MAX_ROWS are refused with a message asking for a narrower filter.
    """
    if fmt not in FORMATS:
        raise Http404(f"No export format {fmt!r}")
    model_admin = next(
        (
            found
            for model, found in admin.site._registry.items()
            if (model._meta.app_label, model._meta.model_name) == (app_label, model_name)
        ),
        None,
    )
    if model_admin is None:
        raise Http404("No such change list")
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    changelist_url = reverse(f"admin:{app_label}_{model_name}_changelist")
    try:
        changelist = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters:
        messages.error(request, "Not exported: the list's filters are not valid.")
        return HttpResponseRedirect(changelist_url)
    queryset = changelist.queryset
    limit = settings.ADMIN_EXPORT_MAX_ROWS
    # A bounded count: a list of millions (telemetry) costs LIMIT rows here, never a full COUNT.
    if queryset.order_by()[: limit + 1].count() > limit:
        messages.error(
            request, f"Not exported: more than {limit} rows; narrow the list with its filters first."
        )
        query = request.GET.urlencode()
        return HttpResponseRedirect(changelist_url + (f"?{query}" if query else ""))
    return export_queryset(model_admin, request, queryset, fmt)
