from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from locks.choices import LockStatus
from locks.models import Device


class DeviceFactory(DjangoModelFactory):
    class Meta:
        model = Device

    name = factory.Sequence(lambda n: f"Door {n:03d}")
    type = "smart-lock"
    status = LockStatus.LOCKED
    location = "Building A"
