"""Test helpers for the admin imports (config/imports.py): upload a file, confirm its preview, read
the refused rows, so every app's import tests drive the admin the same way."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse

IMPORT_FORMATS = {"csv": "0", "xlsx": "1"}  # the import form's choices (ServiceImportMixin.formats)


def admin_import(client: Any, model: type[models.Model], content: bytes, *, fmt: str = "csv") -> Any:
    """Upload `content` to the model's admin import: the dry-run preview page."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    opts = model._meta
    upload = SimpleUploadedFile(f"rows.{fmt}", content)
    return client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_import"),
        {"resource": "0", "format": IMPORT_FORMATS[fmt], "import_file": upload},
    )


def admin_import_confirm(client: Any, model: type[models.Model], preview: Any) -> Any:
    """Post the preview's "Confirm import" form (it must have offered one)."""
    opts = model._meta
    form = preview.context["confirm_form"]
    assert form is not None, "the preview offered no confirmation"
    return client.post(reverse(f"admin:{opts.app_label}_{opts.model_name}_process_import"), form.initial)


def import_row_errors(preview: Any) -> dict[int, list[str]]:
    """The preview's refused rows: row number -> `column: message` texts (non-field ones bare)."""
    from config.imports import error_texts

    result = preview.context["result"]
    errors = {row.number: error_texts(row.error) for row in result.invalid_rows}
    for number, row_errors in result.row_errors():
        errors.setdefault(number, []).extend(str(error.error) for error in row_errors)
    return errors


def csv_bytes(*rows: list[Any]) -> bytes:
    """A CSV file of `rows` (the first is the header)."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()
