"""Load every app's demo data (each app's `demo.load`); DEBUG only unless --force."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from config.apps import app_modules


class Command(BaseCommand):
    help = "Load idempotent demo data: an admin superuser, one user per role, and each app's samples."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Allow running with DEBUG off.")

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("Demo data is for development: DEBUG is off (use --force to insist).")
        for app_config, module in app_modules("demo"):
            self.stdout.write(f"{app_config.label}:")
            with transaction.atomic():
                module.load(self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready. Log in as admin, operator1, supervisor1 or manager1 "
                f"with the password {settings.DEMO_PASSWORD!r} (setting DEMO_PASSWORD)."
            )
        )
