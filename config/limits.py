"""Numeric limits every API shares, and the one parser of an integer a request carries (a query
parameter, a path id): ASCII digits only, so `int()`'s extras (`"1_000"`, `" 5"`, fullwidth digits)
are not numbers here and a thousand-digit value is refused before `int()` works on it."""

from __future__ import annotations

# The largest value of a PostgreSQL bigint (Django's BigAutoField and BigIntegerField): an id above it
# names no row, and sending it to the database would raise (a 500) instead of answering 400/404.
MAX_BIGINT = 2**63 - 1

MAX_DIGITS = 24


class IntegerParamError(ValueError):
    """A query parameter that is not an integer in its range. The platform answers it as DRF's field
    error, 400 `{name: [message]}` (config.api.pagination); an endpoint whose spec answers another
    shape catches it and reshapes it from `code` ("invalid": not an integer; "range": outside
    [low, high])."""

    def __init__(self, name: str, message: str, *, code: str = "invalid") -> None:
        self.name, self.message, self.code = name, message, code
        super().__init__(message)


def parse_integer(raw: str | None, *, max_digits: int = MAX_DIGITS, plus_sign: bool = True) -> int | None:
    """`raw` as an integer (an optional sign and at most `max_digits` ASCII digits), else None.
    `plus_sign=False` refuses a leading `+` (a spec whose clients never send one)."""
    if not isinstance(raw, str) or not 0 < len(raw) <= max_digits + 1:
        return None
    digits = raw[1:] if raw[0] == "-" or (plus_sign and raw[0] == "+") else raw
    if not 0 < len(digits) <= max_digits or not digits.isascii() or not digits.isdigit():
        return None
    return int(raw)


def parse_id(raw: str | None) -> int | None:
    """A positive id a bigint column can hold (digits only, no sign), else None."""
    value = parse_integer(raw) if raw and raw[0] not in "+-" else None
    return value if value is not None and 0 < value <= MAX_BIGINT else None


def integer_param(
    raw: str | None,
    *,
    name: str,
    default: int,
    low: int,
    high: int | None = None,
    max_digits: int = MAX_DIGITS,
    plus_sign: bool = True,
) -> int:
    """A query parameter as an integer in [low, high], its default when absent or empty
    (`max_digits`, `plus_sign`: the grammar, as `parse_integer`)."""
    if raw is None or raw == "":
        return default
    value = parse_integer(raw, max_digits=max_digits, plus_sign=plus_sign)
    if value is None:
        raise IntegerParamError(name, "A valid integer is required.")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise IntegerParamError(name, f"Must be {bound}.", code="range")
    return value
