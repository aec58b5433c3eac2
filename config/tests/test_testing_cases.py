"""The generic API test cases can fail: an answer that differs from the stored object, or a write
with no history entry by the actor, is caught."""

from __future__ import annotations

import pytest
from django.urls import reverse

from config.roles import Role
from config.testing import (
    APIViewTestCases,
    assert_instance_equal,
    assert_sent_values_kept,
    make_user,
)
from locks.models import Device
from locks.tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db


def test_an_answer_that_differs_from_the_stored_object_fails(auth_client):
    device = DeviceFactory(name="Gate")
    response = auth_client(make_user(Role.OPERATOR)).get(reverse("device-detail", args=[device.pk]))
    assert_instance_equal(response, device)
    Device.objects.filter(pk=device.pk).update(name="Renamed behind the answer's back")
    with pytest.raises(AssertionError, match="Renamed behind"):
        assert_instance_equal(response, device)


def test_a_missing_history_entry_fails_and_no_history_passes():
    class NoEntry(APIViewTestCases.Retrieve):
        def history_entry(self, pk, action, actor):
            return False

    with pytest.raises(AssertionError, match="no update history entry"):
        NoEntry().assert_history(1, "update", None)
    APIViewTestCases.Retrieve().assert_history(1, "update", None)  # None: the app keeps no history


def test_a_sent_value_answered_differently_fails():
    assert_sent_values_kept({"name": "Gate", "price": "0.50", "stock": 3}, {"name": "Gate", "price": "0.50"})
    assert_sent_values_kept({"name": "Gate"}, {"expected_version_id": 4, "items": [{"id": 1}]})
    with pytest.raises(AssertionError, match="name: sent 'Gate', answered 'gate'"):
        assert_sent_values_kept({"name": "gate"}, {"name": "Gate"})
