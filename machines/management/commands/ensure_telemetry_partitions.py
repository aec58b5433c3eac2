"""`python manage.py ensure_telemetry_partitions`: create the reading table's monthly partitions ahead
(PostgreSQL; cron, daily or monthly). Nothing to do on other databases."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils import timezone

from config.progress import ProgressCommand
from machines.timeseries import partitions


class Command(ProgressCommand):
    help = "Create the monthly partitions of the telemetry table for the coming months (PostgreSQL)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--months-ahead", type=int, default=3, help="months after this one (default 3)")

    def handle(self, *args, months_ahead: int = 3, **options) -> None:
        if not 0 <= months_ahead <= 120:
            raise CommandError("--months-ahead must be between 0 and 120")
        with self.progress("ensure_telemetry_partitions") as progress:
            if not partitions.is_partitioned():
                progress.finish(
                    "ensure_telemetry_partitions: the table is not partitioned here (not PostgreSQL)"
                )
                return
            created = partitions.ensure_month_partitions(now=timezone.now(), months_ahead=months_ahead)
            names = ", ".join(created) if created else "none (all exist)"
            progress.finish(f"ensure_telemetry_partitions: created {names}")
