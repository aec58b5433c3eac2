"""`python manage.py purge_telemetry`: drop readings older than `data_retention_days` (cron, daily)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from machines import services
from machines.services import iso
from machines.timeseries import partitions


class Command(BaseCommand):
    help = "Delete telemetry older than the data_retention_days setting (or --days)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None, help="override data_retention_days")

    def handle(self, *args, days: int | None = None, **options) -> None:
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        created = partitions.ensure_month_partitions(now=timezone.now())
        if created:
            self.stdout.write(f"purge_telemetry: created partitions {', '.join(created)}")
        cutoff, deleted = services.telemetry_purge(days=days)
        count = "an unknown number of" if deleted is None else str(deleted)
        self.stdout.write(f"purge_telemetry: deleted {count} readings older than {iso(cutoff)}")
