from __future__ import annotations

import pytest

from machines.tests.factories import MachineFactory


@pytest.fixture
def machine(db):
    return MachineFactory(
        name="CNC-Machine-01", location="Factory Floor 1 - Zone A", sensor_type="Temperature"
    )


@pytest.fixture
def influx():
    """A fake InfluxDB 2 on loopback (machines/tests/influx_fake.py): (state, store)."""
    from machines.tests.influx_fake import FakeInflux, start
    from machines.timeseries.influx import AGGREGATE_FLUX, RAW_FLUX, InfluxStore

    state = FakeInflux()
    server = start(state, (RAW_FLUX, AGGREGATE_FLUX))
    store = InfluxStore(url=state.url, token="test-token", org="factory", bucket="sensor_data")
    yield state, store
    store.close()
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["sql", "influx"])
def store(request, db):
    """Each time-series backend (the contract suite runs once per backend)."""
    if request.param == "influx":
        return request.getfixturevalue("influx")[1]
    from machines.timeseries.sql import SQLStore

    return SQLStore()
