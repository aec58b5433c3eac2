"""Delete idempotency records too old to replay anything (cron: hourly or daily)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from maintenance import services

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_age(text: str) -> timedelta:
    """`90s`, `30m`, `24h`, `7d` (a bare number is seconds)."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text)
    if not match:
        raise CommandError(f"Invalid age {text!r}: use a number with s, m, h or d (e.g. 24h).")
    amount, unit = int(match.group(1)), match.group(2) or "s"
    return timedelta(**{UNITS[unit]: amount})


class Command(BaseCommand):
    help = "Delete order idempotency records older than --older-than (default 24h)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than", default="24h", help="Age such as 100s, 30m, 24h, 7d (default 24h)."
        )

    def handle(self, *args, older_than: str, **options) -> None:
        age = parse_age(older_than)
        longest = max(settings.ORDER_IDEMPOTENCY_WINDOW, settings.ORDER_IDEMPOTENCY_KEY_WINDOW)
        if age.total_seconds() < longest:
            self.stderr.write(
                self.style.WARNING(
                    f"--older-than {older_than} is shorter than the longest idempotency window ({longest}s): "
                    "a retried request may create a second order."
                )
            )
        deleted = services.idempotency_purge(older_than=age)
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {deleted} idempotency record(s) older than {older_than}.")
        )
