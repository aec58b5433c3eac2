"""One canonical identity per account: how a typed name becomes a username and an account key.

Usernames are stored in canonical form (NFKC, then case folded, then NFKC again: Unicode's
"NFKC_Casefold" recipe), so `sis2` spelled with a long s (U+017F), `SIS2` and `sis2` are one name and
can never be two accounts, and a login matches the stored name exactly instead of relying on the
database's case folding (which differs between PostgreSQL, SQLite and Python). Throttles and
lockouts key on the account's primary key when a name or e-mail resolves to one, so every spelling
of an account shares one budget.
"""

from __future__ import annotations

import hashlib
import unicodedata

from django.db.models import Q


def canonical_username(value: str) -> str:
    """The stored form of a username (and of any typed login name)."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return unicodedata.normalize("NFKC", text.casefold())


def account_lookup(identifier: str) -> Q:
    """Who a typed login identifier names: the canonical username, or the e-mail (any case).

    Text no column can hold (NUL, lone surrogates) names nobody: an empty match, never a query
    PostgreSQL refuses with an error (a 500).
    """
    if not is_storable(identifier):
        return Q(pk__in=[])
    return Q(username=canonical_username(identifier)) | Q(email__iexact=identifier.strip())


def resolve_account_id(identifier: str) -> int | None:
    """The primary key of the account a login identifier names, if any (oldest on a tie)."""
    from staff.models import User

    if not identifier or not identifier.strip() or not is_storable(identifier):
        return None
    return User.objects.filter(account_lookup(identifier)).order_by("id").values_list("pk", flat=True).first()


def account_key(identifier: str, *, account_id: int | None = None) -> str:
    """A bounded cache-key fragment for an account: `u<pk>`, else a hash of the canonical name."""
    if account_id is None:
        account_id = resolve_account_id(identifier)
    if account_id is not None:
        return f"u{account_id}"
    digest = hashlib.sha256(canonical_username(identifier).encode("utf-8", "replace")).hexdigest()
    return f"n{digest[:40]}"


def is_encodable(text: str) -> bool:
    """False for text that cannot be UTF-8 (lone surrogates): refused at the edge with 400."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_storable(text: str) -> bool:
    """Text a database column can hold: UTF-8 without NUL (PostgreSQL refuses NUL in text)."""
    return "\x00" not in text and is_encodable(text)
