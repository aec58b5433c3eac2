from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from staff.models import Position, User

TEST_PASSWORD = "Sup3r-secret-pw"


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    name = factory.Sequence(lambda n: f"Position {n}")
    description = ""


class UserFactory(factory.django.DjangoModelFactory):
    """A login-capable user; pass `role="Supervisor"` to put them in that role's group."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()
