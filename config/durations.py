"""The one grammar of an age on the command line (`--older-than`), shared by every cron command."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core.management.base import CommandError

AGE_FORMS = "90s, 30m, 24h, 7d or 2w (a bare number is seconds)"
_AGE = re.compile(r"(\d+)\s*([smhdw]?)")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(text: str, *, option: str = "--older-than") -> timedelta:
    """`<N><unit>` with unit s, m, h, d or w (any case, spaces around allowed; none: seconds), N >= 1.

    A CommandError names the option and the accepted forms, so a cron typo fails loudly instead of
    purging or archiving everything."""
    match = _AGE.fullmatch(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise CommandError(f"{option} must look like {AGE_FORMS} (got {text!r}).")
    return timedelta(**{_UNITS[match.group(2) or "s"]: int(match.group(1))})
