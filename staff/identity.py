"""One canonical identity per account: how a typed name becomes a username (text rules only).

Usernames are stored in canonical form (NFKC, then case folded, then NFKC again: Unicode's
"NFKC_Casefold" recipe), so `sis2` spelled with a long s (U+017F), `SIS2` and `sis2` are one name and
can never be two accounts, and a login matches the stored name exactly instead of relying on the
database's case folding (which differs between PostgreSQL, SQLite and Python).

Pure text, no database: the model imports these rules (`User.normalize_username`); which account a
typed name or e-mail names is the manager's `by_login`, and the key throttles and lockouts count
against is `staff.auth.lockout.account_key`.
"""

from __future__ import annotations

import unicodedata


def canonical_username(value: str) -> str:
    """The stored form of a username (and of any typed login name)."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return unicodedata.normalize("NFKC", text.casefold())


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
