"""Staff-record services (the User model is the staff record), used by the API and the admin."""

from __future__ import annotations

import pytest

from staff.exceptions import InvalidPosition, UserInUse
from staff.models import User
from staff.records import services as records
from staff.tests.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_create_has_no_usable_password_and_a_unique_username():
    position = PositionFactory()
    first = records.user_create(full_name="John Doe", position_id=position.pk, actor=None)
    second = records.user_create(full_name="John Doe", position_id=position.pk, actor=None)
    assert first.username == "john.doe"
    assert second.username.startswith("john.doe.") and second.username != first.username
    assert not first.has_usable_password()
    assert first.position_id == position.pk
    assert first.groups.count() == 0


def test_user_create_with_a_name_that_slugifies_to_nothing():
    user = records.user_create(full_name="\uff01\uff01", position_id=PositionFactory().pk, actor=None)
    assert user.username == "staff"


def test_user_create_unknown_position():
    with pytest.raises(InvalidPosition) as exc:
        records.user_create(full_name="X", position_id=999999, actor=None)
    assert exc.value.detail == "jabatan tidak valid"
    assert not User.objects.filter(full_name="X").exists()


def test_user_update_changes_only_given_fields():
    user = UserFactory(full_name="Siti", address="Jl. Lama", phone="081111111111")
    new_position = PositionFactory()
    records.user_update(user=user, address="Jl. Baru", position_id=new_position.pk, actor=None)
    user.refresh_from_db()
    assert (user.full_name, user.address, user.phone, user.position_id) == (
        "Siti",
        "Jl. Baru",
        "081111111111",
        new_position.pk,
    )


def test_user_update_refuses_unknown_position_and_unknown_fields():
    user = UserFactory()
    with pytest.raises(InvalidPosition):
        records.user_update(user=user, position_id=999999, actor=None)
    with pytest.raises(ValueError):
        records.user_update(user=user, is_superuser=True, actor=None)


def test_user_delete():
    user = UserFactory()
    records.user_delete(user=user, actor=None)
    assert not User.objects.filter(pk=user.pk).exists()


def test_user_delete_protected_reference_is_a_conflict(monkeypatch):
    from django.db.models import ProtectedError

    user = UserFactory()

    def refuse(*args, **kwargs):
        raise ProtectedError("still referenced", set())

    monkeypatch.setattr(User, "delete", refuse)
    with pytest.raises(UserInUse):
        records.user_delete(user=user, actor=None)
