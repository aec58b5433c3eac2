"""The generic piece of `Idempotency-Key` handling: reading the header (400 for a bad one), the body's
fingerprint, the 422 and what a create-once service answers, shared by every endpoint that accepts
the key (sensor readings; maintenance orders keep their own records, docs/architecture.md). A
viewset switches it on with `idempotent_create` (config.api.viewsets).

An endpoint stores, per caller and key, the fingerprint of the body it answered and what it
created, in the same transaction as the creation; a repeat with the same key and body replays the
original answer, the same key with another body is a 422.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.request import Request

from config.errors import UnprocessableError

HEADER = "Idempotency-Key"
# Set on a replayed answer (the original status and body, from the stored record).
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX = 255


class IdempotencyKeyReused(UnprocessableError):
    default_detail = _("Idempotency-Key was already used with a different request body")


def header_key(request: Request) -> str | None:
    """The request's `Idempotency-Key`, or None; 400 for an empty or overlong one."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 0 < len(key) <= KEY_MAX:
        raise serializers.ValidationError(
            {HEADER: [_("Must be 1 to %(max)s characters.") % {"max": KEY_MAX}]}
        )
    return key


class CreateOutcome(Protocol):
    """What a create-once service answers: the object, and whether an earlier request created it."""

    @property
    def instance(self) -> Any: ...

    @property
    def replayed(self) -> bool: ...


def fingerprint(data: Any) -> str:
    """SHA-256 of a canonical JSON form of the (validated) body: tells a repeat from a reuse."""
    canonical = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
