"""Delete idempotency records too old to replay anything (cron: hourly or daily)."""

from __future__ import annotations

from django.conf import settings

from config.durations import AGE_FORMS, parse_age
from config.progress import ProgressCommand
from maintenance import services


class Command(ProgressCommand):
    help = "Delete order idempotency records older than --older-than (default 24h)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--older-than", default="24h", help=f"Age: {AGE_FORMS} (default 24h).")

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
        with self.progress("purge_idempotency_records") as progress:
            deleted = services.idempotency_purge(older_than=age)
            progress.finish(f"Deleted {deleted} idempotency record(s) older than {older_than}.")
