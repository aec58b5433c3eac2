from __future__ import annotations

import pytest

from locks.tests.factories import DeviceFactory


@pytest.fixture
def device(db):
    return DeviceFactory(name="Main Door Lock")
