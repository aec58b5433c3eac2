"""Response envelopes a view switches on by declaration, and its error-shape hook.

`envelope = "status"` (the machines clients' contract, docs/architecture.md §3): a successful dict
answer starts with `"status": "success"` unless the view set its own `status` (a 207's
`"partial_success"`); an error answer is `{"status": "error", "message", "detail", ...}`
(config.api.exceptions.error_envelope), the same as under API_ERROR_ENVELOPE_PREFIXES.

`shape_error(exc, data, request)`: a view may declare this hook to reshape the body of an error the
one platform handler (config.api.exceptions.exception_handler) mapped, before the envelope.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

ENVELOPES = frozenset({"status"})


def success_envelope(data: Any) -> Any:
    """`data` led by `"status": "success"` (a dict that names its own `status` is left as it is)."""
    if isinstance(data, dict) and "status" not in data:
        return {"status": "success", **data}
    return data


class EnvelopeMixin:
    """Declares `envelope` (None, or one of ENVELOPES) and wraps the successful answers of the view's
    actions in it."""

    envelope: str | None = None

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # OPTIONS answers DRF's metadata document, which no client envelope covers.
        if (
            self.envelope == "status"
            and not getattr(response, "exception", False)
            and getattr(self, "action", None) != "metadata"
        ):
            response.data = success_envelope(response.data)
        return response
