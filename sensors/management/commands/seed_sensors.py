"""Load the sensors sample data (also part of `seed_demo`, hence of `make run`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from sensors import demo


class Command(BaseCommand):
    help = "Create the four sample units, their sensors (all six types) and a few hundred readings."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            demo.load(self.stdout)
        self.stdout.write(self.style.SUCCESS("Sensors sample data ready."))
