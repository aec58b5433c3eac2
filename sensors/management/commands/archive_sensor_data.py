"""Archive old readings in batches (cron): `archive_sensor_data --older-than 90d [--status validated]`."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from config.durations import AGE_FORMS, parse_age
from config.progress import ProgressCommand
from sensors import selectors, services
from sensors.choices import ARCHIVE_FROM


class Command(ProgressCommand):
    help = (
        "Archive readings older than --older-than (default: any status but archived), one UPDATE "
        "per batch. Safe to re-run: archived readings are never selected again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", required=True, help=f"Age: {AGE_FORMS}.")
        parser.add_argument(
            "--status",
            action="append",
            choices=[str(s) for s in ARCHIVE_FROM],
            help="Only readings in this status (repeatable; default: pending, validated and invalid).",
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows per UPDATE (default 1000).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be archived; change nothing."
        )

    def handle(self, *args, older_than: str, status, batch_size: int, dry_run: bool, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        age = parse_age(older_than)
        before = timezone.now() - age
        statuses = status or [str(s) for s in ARCHIVE_FROM]
        verb = "would archive" if dry_run else "archived"
        prefix = "Dry run: would archive" if dry_run else "Archived"
        total = selectors.reading_count_older_than(before=before, statuses=statuses)
        with self.progress("archive_sensor_data", total=total, unit="readings") as progress:
            progress.note(
                f"{'Dry run: ' if dry_run else ''}readings taken before {before.isoformat()} "
                f"with status {', '.join(statuses)}, {batch_size} per batch"
            )
            batches = services.sensordata_archive_older_than(
                before=before, statuses=statuses, batch_size=batch_size, dry_run=dry_run, actor=None
            )
            for number, count in enumerate(batches, start=1):
                line = f"batch {number}: {verb} {count} (total {progress.done + count})"
                progress.advance(count, detail=f"batch {number}", line=line)
            progress.finish(f"{prefix} {progress.done} readings older than {older_than}.")
