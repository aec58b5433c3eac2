"""The browsable API as a place a person can work in (docs/architecture.md §3), from the views' own
declarations, with no per-view code:

- an action URL whose methods lack GET (`/device/{id}/update`, `.../validate`, config update) answers
  a browser's GET with 200 and the action's form, without running it (a JSON GET stays 405);
- a form's serializer may prefill it (`form_initial()`: the current version of a lock, a real order
  example), in the HTML form and in the raw-data template alike;
- a view without a serializer gets its form from its `extend_schema(request=...)`; a declared
  `request=None` is a button without fields;
- a GET view without a filter form offers its declared query parameters as a form;
- the filter dialog names every filter (a filter no model field names was "[invalid name]");
- lists show previous/next links from the `Link` header.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import Http404
from django.template import loader
from django.utils.text import capfirst
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import renderers, serializers
from rest_framework.exceptions import APIException
from rest_framework.request import is_form_media_type, override_method
from rest_framework.response import Response

from config.errors import DomainError

if TYPE_CHECKING:
    from rest_framework.views import APIView


_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]+)"?')
_UNDECLARED = object()
_MODEL_ACTIONS = {"list", "retrieve", "create", "update", "partial_update", "destroy", None}


def _declared_schema(view: APIView, method: str) -> Any:
    """The drf-spectacular schema of `view`'s handler for `method` (its `extend_schema`), or None."""
    handler = getattr(view, method.lower(), None)
    schema_class = getattr(handler, "kwargs", {}).get("schema")
    if schema_class is None:
        return None
    schema = schema_class()
    schema.view = view
    schema.method = method
    schema.path = view.request.path if getattr(view, "request", None) is not None else ""
    return schema


def declared_request(view: APIView, method: str) -> Any:
    """The request body `extend_schema` declares for `method` on `view`: a serializer (class or
    instance), None for "no body", or `_UNDECLARED`."""
    schema = _declared_schema(view, method)
    if schema is None:
        return _UNDECLARED
    with GENERATOR_STATS.silence():
        try:
            declared = schema.get_request_serializer()
        except Exception:  # a schema that needs the generator's context: no declaration to use
            return _UNDECLARED
    if isinstance(declared, dict):  # {media type: serializer}
        declared = next(iter(declared.values()), None)
    if declared is None:
        return None
    if isinstance(declared, serializers.BaseSerializer) or (
        isinstance(declared, type) and issubclass(declared, serializers.BaseSerializer)
    ):
        return declared
    return _UNDECLARED


def declared_query_parameters(view: APIView) -> list[OpenApiParameter]:
    """The query parameters `extend_schema(parameters=...)` declares for the view's GET."""
    schema = _declared_schema(view, "GET")
    declared: list = []
    if schema is not None:
        with GENERATOR_STATS.silence():
            try:
                declared = list(schema.get_override_parameters())
            except Exception:  # as in declared_request
                declared = []
    parameters: list[OpenApiParameter] = []
    for item in declared:
        if isinstance(item, OpenApiParameter):
            if item.location == OpenApiParameter.QUERY:
                parameters.append(item)
        elif isinstance(item, serializers.BaseSerializer) or (
            isinstance(item, type) and issubclass(item, serializers.BaseSerializer)
        ):
            parameters.extend(_serializer_parameters(item() if isinstance(item, type) else item))
    query_serializer = getattr(view, "query_serializer_class", None)
    if query_serializer is not None:
        parameters.extend(_serializer_parameters(query_serializer()))
    return parameters


def _serializer_parameters(serializer: serializers.BaseSerializer) -> list[OpenApiParameter]:
    """A query serializer's fields as query parameters (what `extend_schema` makes of them)."""
    parameters = []
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.ChoiceField):
            kind: Any = str
        elif isinstance(field, serializers.IntegerField):
            kind = int
        elif isinstance(field, serializers.DateTimeField):
            kind = OpenApiTypes.DATETIME
        else:
            kind = str
        parameters.append(
            OpenApiParameter(
                name,
                kind,
                OpenApiParameter.QUERY,
                required=field.required,
                description=str(field.help_text or ""),
                enum=list(field.choices) if isinstance(field, serializers.ChoiceField) else None,
            )
        )
    return parameters


def _query_field(parameter: OpenApiParameter) -> forms.Field:
    """A form field for one declared query parameter (text unless it names its choices or is a number)."""
    label = capfirst(parameter.name.replace("_", " "))
    help_text = str(parameter.description or "")
    if parameter.required:
        help_text = f"Required. {help_text}".strip()
    attrs = {"class": "form-control"}
    common = {"label": label, "required": False, "help_text": help_text}
    kind = str(getattr(parameter.type, "name", None) or getattr(parameter.type, "__name__", "")).lower()
    if parameter.enum:
        choices = [("", "---------"), *((str(v), str(v)) for v in parameter.enum)]
        return forms.ChoiceField(choices=choices, widget=forms.Select(attrs=attrs), **common)
    if kind in ("int", "integer"):
        return forms.IntegerField(widget=forms.NumberInput(attrs=attrs), **common)
    if "date" in kind:
        attrs["placeholder"] = "2026-01-01T00:00:00Z"
    return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)


def query_form(view: APIView, request: Any) -> forms.Form | None:
    """The view's declared query parameters as a GET form, filled from the request's query string."""
    parameters = declared_query_parameters(view)
    if not parameters:
        return None
    form_class = type("QueryForm", (forms.Form,), {p.name: _query_field(p) for p in parameters})
    return form_class(initial={name: value for name, value in request.query_params.items()})


def page_links(response: Response) -> dict[str, str]:
    """The `Link` header's links by relation (`next`, `prev`)."""
    return {rel: url for url, rel in _LINK.findall(response.get("Link", ""))}


def apply_form_initial(serializer: serializers.BaseSerializer) -> dict[str, Any]:
    """The serializer's `form_initial()` (what a blank form starts with), set as its fields' initial."""
    hook = getattr(serializer, "form_initial", None)
    if hook is None or hasattr(serializer, "initial_data") or getattr(serializer, "instance", None):
        return {}
    try:
        initial = hook() or {}
    except (APIException, DomainError, Http404):  # the item is gone (a 404 page): a blank form
        return {}
    for name, value in initial.items():
        if name in serializer.fields:
            serializer.fields[name].initial = value
    return initial


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's browsable API with forms for actions, prefilled forms, query forms and page links."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None) -> Any:
        context = renderer_context or {}
        response, request, view = context.get("response"), context.get("request"), context.get("view")
        if (
            response is not None
            and view is not None
            and response.status_code == 405
            and request.method in ("GET", "HEAD")
        ):
            methods = [m for m in _WRITE_METHODS if m in view.allowed_methods]
            if methods:
                # The action's page: its form below, nothing run (a JSON GET is still a 405). On an
                # item's action, an item that is not there answers its 404 instead.
                error = self._missing_object(view, request, methods[0])
                if error is not None:
                    response.status_code, data = error.status_code, error.data
                else:
                    response.status_code = 200
                    data = {"detail": f"Fill in the form below and send it ({', '.join(methods)})."}
        return super().render(data, accepted_media_type, renderer_context)

    @staticmethod
    def _missing_object(view: APIView, request: Any, method: str) -> Response | None:
        """The view's own error answer when the URL names an item that cannot be read, else None."""
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
        if not lookup or lookup not in getattr(view, "kwargs", {}) or not hasattr(view, "get_object"):
            return None
        try:
            with override_method(view, request, method):
                view.get_object()
        except Exception as exc:  # handle_exception answers API errors and re-raises anything else
            return view.handle_exception(exc)
        return None

    def _serializer_for(self, view: APIView, method: str, request: Any, instance: Any) -> Any:
        """The form's serializer: an `extend_schema` body of `None` is a form without fields; a view
        without a serializer uses its declared body; else DRF's choice (None)."""
        declared = declared_request(view, method)
        has_own = getattr(view, "get_serializer", None) or getattr(view, "serializer_class", None)
        context = {"request": request, "format": self.format, "view": view}
        if declared is None and (has_own or method != "POST"):
            return serializers.Serializer(context=context)
        if declared is _UNDECLARED or declared is None:
            return None
        # A model action's form is the view's own (bound to the item for PUT/PATCH); an extra
        # action's is the body it declares (the view's serializer is often its answer's).
        if has_own and getattr(view, "action", None) in _MODEL_ACTIONS:
            return None
        if isinstance(declared, serializers.BaseSerializer):
            return type(declared)(context=context)
        return declared(context=context)

    def get_rendered_html_form(self, data: Any, view: APIView, method: str, request: Any) -> Any:
        if method in ("DELETE", "OPTIONS") or request.method == method:
            return super().get_rendered_html_form(data, view, method, request)
        with override_method(view, request, method) as overridden:
            if not self.show_form_for_method(view, method, overridden, None):
                return None
            if not any(is_form_media_type(parser.media_type) for parser in view.parser_classes):
                return None
            serializer = self._serializer_for(view, method, overridden, None)
        if serializer is None:
            return super().get_rendered_html_form(data, view, method, request)
        with override_method(view, request, method):
            return self.render_form_for_serializer(serializer)

    def render_form_for_serializer(self, serializer: serializers.BaseSerializer) -> Any:
        """The HTML form, or None (the raw-data form alone) when the body needs a list of objects,
        which an HTML form cannot send (an order's `items`)."""
        if any(
            isinstance(field, serializers.ListSerializer) and field.required and not field.read_only
            for field in getattr(serializer, "fields", {}).values()
        ):
            return None
        apply_form_initial(serializer)
        return super().render_form_for_serializer(serializer)

    def get_raw_data_form(self, data: Any, view: APIView, method: str, request: Any) -> Any:
        form = super().get_raw_data_form(data, view, method, request)
        if form is None or method == request.method:
            return form
        parser_renderer = getattr(view.parser_classes[0], "renderer_class", None)
        if parser_renderer is None:
            return form
        with override_method(view, request, method) as overridden:
            serializer = self._serializer_for(view, method, overridden, None)
            if serializer is None:
                if not getattr(view, "get_serializer", None):
                    return form
                serializer = view.get_serializer()
                if not hasattr(serializer, "form_initial"):
                    return form
            if isinstance(serializer, serializers.ListSerializer):
                return form
            initial = apply_form_initial(serializer)
            body = {
                name: value
                for name, value in serializer.data.items()
                if not isinstance(serializer.fields.get(name), serializers.HiddenField)
            }
            body.update(initial)
            context = dict(self.renderer_context, indent=4)
            content = parser_renderer().render(body, self.accepted_media_type, context)
        form.fields["_content"].initial = content.decode() if isinstance(content, bytes) else content
        return form

    def get_filter_form(self, data: Any, view: APIView, request: Any) -> Any:
        """DRF's filter dialog, with every filter named: django-filter labels a filter from its model
        field and answers "[invalid name]" for one no field names (`search`, a `method=` filter)."""
        if not hasattr(view, "get_queryset") or not hasattr(view, "filter_backends"):
            return None
        if not isinstance(data, list):
            return None
        queryset = view.get_queryset()
        elements = []
        for backend_class in view.filter_backends:
            backend = backend_class()
            if not hasattr(backend, "to_html"):
                continue
            if hasattr(backend, "get_filterset"):
                # A parameter another backend has its own box for (`search`) is not asked twice.
                others = {getattr(b, "search_param", None) for b in view.filter_backends} - {None}
                html = self._filterset_html(backend, request, queryset, view, skip=others)
            else:
                html = backend.to_html(request, queryset, view)
            if html:
                elements.append(html)
        if not elements:
            return None
        return loader.get_template(self.filter_template).render({"elements": elements})

    @staticmethod
    def _filterset_html(backend: Any, request: Any, queryset: Any, view: APIView, skip: set) -> str:
        filterset = backend.get_filterset(request, queryset, view)
        if filterset is None:
            return ""
        for name in skip & filterset.filters.keys():
            del filterset.filters[name]
        for name, filter_ in filterset.filters.items():
            if "[invalid name]" in str(filter_.label):
                filter_.label = capfirst(name.replace("_", " "))
        return loader.get_template(backend.template).render({"filter": filterset}, request)

    def get_context(self, data: Any, accepted_media_type: str | None, renderer_context: dict) -> dict:
        context = super().get_context(data, accepted_media_type, renderer_context)
        view, request = renderer_context["view"], renderer_context["request"]
        context["page_links"] = page_links(renderer_context["response"])
        context["query_form"] = None
        if not context.get("filter_form") and "GET" in view.allowed_methods:
            context["query_form"] = query_form(view, request)
        return context
