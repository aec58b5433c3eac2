from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from locks.tests.factories import DeviceFactory, UserFactory


@pytest.fixture
def device(db):
    return DeviceFactory(name="Main Door Lock")


@pytest.fixture
def operator(db):
    return UserFactory(role="Operator")


@pytest.fixture
def supervisor(db):
    return UserFactory(role="Supervisor")


@pytest.fixture
def reader(db):
    """Authenticated, but in no role group."""
    return UserFactory()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_user(api):
    """`as_user(user)` -> an APIClient authenticated as that user."""

    def login(user):
        api.force_authenticate(user)
        return api

    return login
