"""Load the sensors sample data (also part of `seed_demo`, hence of `make run`)."""

from __future__ import annotations

from django.db import transaction

from config.management.commands.seed_demo import Notes
from config.progress import ProgressCommand
from sensors import demo


class Command(ProgressCommand):
    help = "Create the four sample units, their sensors (all six types) and a few hundred readings."

    def handle(self, *args, **options) -> None:
        with self.progress("seed_sensors") as progress, transaction.atomic():
            demo.load(Notes(progress))
            progress.finish("Sensors sample data ready.")
