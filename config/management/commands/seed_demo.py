"""Load every app's demo data (each app's `demo.load`); DEBUG only unless --force."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction

from config.apps import app_modules
from config.progress import Progress, ProgressCommand


class Notes:
    """What a demo's `load(stdout)` writes, as detail lines of the command's progress."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def write(self, text: str) -> None:
        self.progress.note(text.rstrip("\n"))


class Command(ProgressCommand):
    help = "Load idempotent demo data: an admin superuser, one user per role, and each app's samples."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Allow running with DEBUG off.")

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("Demo data is for development: DEBUG is off (use --force to insist).")
        demos = app_modules("demo")
        with self.progress("seed_demo", total=len(demos), unit="apps") as progress:
            for app_config, module in demos:
                progress.note(f"{app_config.label}:")
                with transaction.atomic():
                    module.load(Notes(progress))
                progress.advance(detail=app_config.label, line=f"{app_config.label}: done")
            progress.finish(
                f"Demo data ready ({len(demos)} apps). Log in as admin, operator1, supervisor1 or manager1 "
                f"with the password {settings.DEMO_PASSWORD!r} (setting DEMO_PASSWORD)."
            )
