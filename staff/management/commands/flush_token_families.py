"""`python manage.py flush_token_families`: delete logins (token families) whose tokens all expired."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from staff.auth.services import token_families_flush


class Command(BaseCommand):
    help = "Delete token families not refreshed for a refresh-token lifetime (run daily)."

    def handle(self, *args, **options) -> None:
        deleted = token_families_flush()
        self.stdout.write(f"Deleted {deleted} expired token families.")
