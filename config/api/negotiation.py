"""Content negotiation with a shortcut for the common API request."""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation

_PLAIN = {"", "*/*", "application/json"}


class FastContentNegotiation(DefaultContentNegotiation):
    """A client that sends no Accept header, `*/*` or `application/json` (no `?format=`) gets the
    first renderer, as DRF would pick, without parsing media types; everything else (the browsable
    API's `text/html`, quality values, format suffixes) goes through DRF's own negotiation."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            not format_suffix
            and request.META.get("HTTP_ACCEPT", "").strip() in _PLAIN
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
            and renderers[0].media_type == "application/json"
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
