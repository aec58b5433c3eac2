"""`python manage.py rebuild_rollup`: recompute the hourly rollup of the SQL store (PostgreSQL).

Only needed after readings were loaded around the store (bulk SQL, a restore); `write` keeps the
rollup exact on its own.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from machines.timeseries import get_store
from machines.timeseries.sql import SQLStore


class Command(BaseCommand):
    help = "Recompute the hourly telemetry rollup from the readings (SQL store on PostgreSQL)."

    def handle(self, *args, **options) -> None:
        store = get_store()
        if not isinstance(store, SQLStore):
            self.stdout.write("rebuild_rollup: the store is not the SQL store; nothing to do")
            return
        hours = store.rebuild_rollup()
        self.stdout.write(f"rebuild_rollup: {hours} machine-hours recomputed")
