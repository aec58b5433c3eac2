"""orjson rendering: several times faster than the stdlib encoder on the hot endpoints."""

from __future__ import annotations

from typing import Any

import orjson
from django.utils.encoding import force_str
from django.utils.functional import Promise
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_drf_encoder = JSONEncoder()
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z


def _orjson_default(obj: Any) -> Any:
    if isinstance(obj, Promise):
        return force_str(obj)
    return _drf_encoder.default(obj)


class ORJSONRenderer(JSONRenderer):
    """Compact JSON for clients; indented when the browsable API (or `; indent=`) asks for it."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        options = _OPTIONS
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            options |= orjson.OPT_INDENT_2
        return orjson.dumps(data, default=_orjson_default, option=options)
