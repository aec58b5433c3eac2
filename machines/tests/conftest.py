from __future__ import annotations

import pytest

from machines.tests.factories import MachineFactory


@pytest.fixture
def machine(db):
    return MachineFactory(
        name="CNC-Machine-01", location="Factory Floor 1 - Zone A", sensor_type="Temperature"
    )


@pytest.fixture(params=["sql"])
def store(request, db):
    """Each time-series backend (the contract suite runs once per backend)."""
    from machines.timeseries.sql import SQLStore

    return SQLStore()
