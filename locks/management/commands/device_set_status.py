"""Change a lock's status from the command line (cron, scripts), through the same service as the API."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from config.choices import ChangeSource
from config.errors import DomainError
from locks import selectors, services
from locks.choices import LockStatus


class Command(BaseCommand):
    help = "Set a device's lock status (logged with source 'command'); refuses if the version moved."

    def add_arguments(self, parser) -> None:
        parser.add_argument("device_id", help="UUID of the device.")
        parser.add_argument("status", choices=LockStatus.values)
        parser.add_argument(
            "--expected-version",
            type=int,
            default=None,
            help="Version the change applies to (default: the current one; still refused if it "
            "changes before the update runs).",
        )
        parser.add_argument("--note", default="", help="Free-text note stored in the log.")

    def handle(self, *args, device_id: str, status: str, expected_version: int | None, note: str, **options):
        try:
            if expected_version is None:
                expected_version = selectors.device_version_get(device_id=device_id)
            log = services.device_change_status(
                device_id=device_id,
                new_status=status,
                expected_version=expected_version,
                actor=None,
                note=note or "manage.py device_set_status",
                source=ChangeSource.COMMAND,
            )
        except DomainError as exc:
            extra = ", ".join(f"{key}={value}" for key, value in exc.extra.items())
            raise CommandError(f"{exc.detail}{f' ({extra})' if extra else ''}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{log.device_id}: {log.previous_status} -> {log.new_status} (version {log.version_id})"
            )
        )
