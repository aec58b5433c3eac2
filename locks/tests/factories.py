from __future__ import annotations

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory, Password

from locks.choices import LockStatus
from locks.models import Device
from staff.models import User

PASSWORD = "Lock-test-pass-1"


class UserFactory(DjangoModelFactory):
    """A login-capable user; `role="Operator"` puts them in that role group (from the migrations)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"lockuser{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = Password(PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class DeviceFactory(DjangoModelFactory):
    class Meta:
        model = Device

    name = factory.Sequence(lambda n: f"Door {n:03d}")
    type = "smart-lock"
    status = LockStatus.LOCKED
    location = "Building A"
