"""`python manage.py purge_telemetry`: drop readings older than `data_retention_days` (cron, daily)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils import timezone

from config.progress import ProgressCommand
from machines import services
from machines.checks import iso
from machines.exceptions import InvalidSetting
from machines.timeseries import partitions


class Command(ProgressCommand):
    help = "Delete telemetry older than the data_retention_days setting (or --days)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None, help="override data_retention_days")

    def handle(self, *args, days: int | None = None, **options) -> None:
        if days is not None and not services.RETENTION_DAYS[0] <= days <= services.RETENTION_DAYS[1]:
            raise CommandError("--days must be from {} to {}".format(*services.RETENTION_DAYS))
        with self.progress("purge_telemetry", total=2, unit="steps") as progress:
            created = partitions.ensure_month_partitions(now=timezone.now())
            if created:
                progress.note(f"purge_telemetry: created partitions {', '.join(created)}")
            progress.advance(detail="partitions", line="partitions ensured")
            try:
                cutoff, deleted = services.telemetry_purge(days=days)
            except InvalidSetting as exc:
                # Nothing deleted: a wrong setting must not turn into a guessed retention.
                raise CommandError(
                    f"purge_telemetry: nothing deleted. {exc.detail}; fix it in the admin"
                ) from None
            progress.advance(detail="purge", line="purge done")
            count = "an unknown number of" if deleted is None else str(deleted)
            progress.finish(f"purge_telemetry: deleted {count} readings older than {iso(cutoff)}")
