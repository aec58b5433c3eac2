"""Position services, used by both the API and the admin."""

from __future__ import annotations

import pytest

from staff.exceptions import PositionInUse
from staff.models import Position, User
from staff.records import services as positions
from staff.tests.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_position_create_update_delete():
    position = positions.position_create(name="Teknisi", description="", actor=None)
    positions.position_update(position=position, description="Perawatan mesin", actor=None)
    position.refresh_from_db()
    assert (position.name, position.description) == ("Teknisi", "Perawatan mesin")
    positions.position_delete(position=position, actor=None)
    assert not Position.objects.filter(pk=position.pk).exists()


def test_position_delete_in_use_is_refused_not_cascaded():
    position = PositionFactory()
    user = UserFactory(position=position)
    with pytest.raises(PositionInUse) as exc:
        positions.position_delete(position=position, actor=None)
    assert exc.value.status_code == 409
    assert "1 user" in exc.value.detail
    assert Position.objects.filter(pk=position.pk).exists()
    assert User.objects.filter(pk=user.pk).exists()
