"""`python manage.py rebuild_rollup`: recompute the hourly rollup of the SQL store (PostgreSQL).

Only needed after readings were loaded around the store (bulk SQL, a restore); `write` keeps the
rollup exact on its own.
"""

from __future__ import annotations

from config.progress import ProgressCommand
from machines.timeseries import get_store
from machines.timeseries.sql import SQLStore


class Command(ProgressCommand):
    help = "Recompute the hourly telemetry rollup from the readings (SQL store on PostgreSQL)."

    def handle(self, *args, **options) -> None:
        with self.progress("rebuild_rollup") as progress:
            store = get_store()
            if not isinstance(store, SQLStore):
                progress.finish("rebuild_rollup: the store is not the SQL store; nothing to do")
                return
            hours = store.rebuild_rollup()
            progress.finish(f"rebuild_rollup: {hours} machine-hours recomputed")
