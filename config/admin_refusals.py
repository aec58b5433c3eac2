"""A service's refusal shown on the admin form that caused it, with what the editor typed.

The admin saves inside one transaction; when a service refuses (a domain error, or Django's
`ValidationError` from its `full_clean`), the transaction has rolled back and the page is built
again from the same POST, this time with the refusal added to the forms: the message sits next to
the field it concerns (`refusal_fields` maps an error class to a form field, or to an inline's
formset prefix such as "items"), or above the form when it concerns none. Refusals that mean "the
row changed or is not yours" (`refusal_reloads`, unless mapped to a field) reload the page with the
current values and the message instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.formsets import BaseFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from config.errors import ConflictError, DomainError, ForbiddenError

REFUSAL_ATTR = "_admin_service_refusal"
Refusal = DomainError | ValidationError


def refusal_of(request: HttpRequest) -> Refusal | None:
    """The refusal the page is being rebuilt for, if any."""
    return getattr(request, REFUSAL_ATTR, None)


def refusal_messages(exc: Refusal, target: str | None) -> list[tuple[str | None, str]]:
    """(field or None, message) pairs: a ValidationError's own fields, else the mapped target."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [
                (None if field == NON_FIELD_ERRORS else field, message)
                for field, errors in exc.message_dict.items()
                for message in errors
            ]
        return [(target, message) for message in exc.messages]
    return [(target, str(exc.detail))]


class RefusalMixin:
    """For a ModelAdmin whose saves call services (`config.admin.ServiceAdmin`)."""

    refusal_fields: Mapping[type[Exception], str] = {}
    refusal_reloads: tuple[type[Exception], ...] = (ConflictError, ForbiddenError)

    def refusal_target(self, exc: Exception) -> str | None:
        """The form field (or inline formset prefix) an error concerns, by its class or a base's."""
        for klass in type(exc).__mro__:
            if klass in self.refusal_fields:
                return self.refusal_fields[klass]
        return None

    def refused_changeform(
        self, request: HttpRequest, exc: Refusal, rebuild: Any, reload_url: str
    ) -> HttpResponse:
        """The page for a refused save: the same POST rebuilt with the refusal on its forms, or a
        reload with a message for a stale or forbidden change (or a refusal outside a form)."""
        detail = exc.detail if isinstance(exc, DomainError) else "; ".join(exc.messages)
        stale = isinstance(exc, self.refusal_reloads) and self.refusal_target(exc) is None
        if request.method != "POST" or stale or refusal_of(request) is not None:
            self.message_user(request, f"Not saved: {detail}", messages.ERROR)
            return HttpResponseRedirect(reload_url)
        setattr(request, REFUSAL_ATTR, exc)
        return rebuild()

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        exc = refusal_of(request)
        if exc is None:
            return form
        target = self.refusal_target(exc)
        prefixes = {formset.get_default_prefix() for formset, _ in self._plain_formsets(request, obj)}

        def full_clean(bound: forms.BaseForm) -> None:
            form.full_clean(bound)
            for field, message in refusal_messages(exc, target):
                if field in prefixes:
                    continue
                bound.add_error(field if field in bound.fields else None, message)

        return type(form.__name__, (form,), {"full_clean": full_clean})

    def _plain_formsets(self, request: HttpRequest, obj: Any) -> Iterator[tuple[type[BaseFormSet], Any]]:
        return super().get_formsets_with_inlines(request, obj)

    def get_formsets_with_inlines(self, request: HttpRequest, obj: Any = None):
        exc = refusal_of(request)
        target = self.refusal_target(exc) if exc is not None else None
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if target is not None and formset.get_default_prefix() == target:
                formset = _formset_refused(formset, str(getattr(exc, "detail", exc)))
            yield formset, inline


def _formset_refused(formset: type[BaseFormSet], message: str) -> type[BaseFormSet]:
    """`formset` whose validation ends with `message` above its rows (so it is not valid)."""

    def full_clean(bound: BaseFormSet) -> None:
        formset.full_clean(bound)
        bound._non_form_errors.append(message)

    return type(formset.__name__, (formset,), {"full_clean": full_clean})
