"""A JSON parser that bounds what one body can cost: its size, its nesting depth, its text.

DRF's JSONParser reads the whole stream (no size cap: Django's DATA_UPLOAD_MAX_MEMORY_SIZE only
guards `request.body` and form parsing), and Python's json module recurses once per nesting level,
so ~950 levels raise RecursionError (a 500). JSON also allows escapes for lone surrogates
(`"\\ud800"`), which decode to a `str` that cannot be encoded to UTF-8 and fail later (cache keys,
the database, logging). This parser refuses all three at the edge: 413 for size, 400 otherwise.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "payload_too_large"


def max_body_bytes() -> int:
    """The JSON body limit: Django's DATA_UPLOAD_MAX_MEMORY_SIZE (None there means no limit)."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0


def check_json_value(value: Any, *, max_depth: int) -> None:
    """Walk a decoded document without recursion: depth at most `max_depth`, every string UTF-8.

    Raises ParseError; the walk is linear in the document, which the size cap already bounds.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > max_depth:
            raise exceptions.ParseError(f"JSON parse error - nested deeper than {max_depth} levels.")
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                stack.append((child, depth + 1))
        else:
            stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise exceptions.ParseError("JSON parse error - text contains a lone surrogate.") from None


class BoundedJSONParser(JSONParser):
    """JSONParser with a body-size cap (413), a nesting-depth cap and a UTF-8 text check (400)."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = max_body_bytes()
        if stream is None:
            raise exceptions.ParseError("JSON parse error - empty body.")
        raw = stream.read(limit + 1) if limit else stream.read()
        if limit and len(raw) > limit:
            raise PayloadTooLarge(f"Request body larger than {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            data = json.loads(text, parse_constant=self._refuse_constant)
        except RecursionError:
            raise exceptions.ParseError(
                f"JSON parse error - nested deeper than {settings.JSON_MAX_DEPTH} levels."
            ) from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        check_json_value(data, max_depth=settings.JSON_MAX_DEPTH)
        return data

    @staticmethod
    def _refuse_constant(name: str) -> Any:
        # NaN and Infinity are not JSON (DRF's strict mode refuses them too).
        raise ValueError(f"{name} is not valid JSON")
