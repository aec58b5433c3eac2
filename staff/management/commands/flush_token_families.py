"""`python manage.py flush_token_families`: delete logins (token families) whose tokens all expired."""

from __future__ import annotations

from config.progress import ProgressCommand
from staff.auth.services import token_families_flush


class Command(ProgressCommand):
    help = "Delete token families not refreshed for a refresh-token lifetime (run daily)."

    def handle(self, *args, **options) -> None:
        with self.progress("flush_token_families") as progress:
            deleted = token_families_flush()
            progress.finish(f"Deleted {deleted} expired token families.")
