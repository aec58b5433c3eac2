"""`SentFilterBackend`: a list builds its FilterSet only when the query names one of its filters, and
answers exactly what django-filter's own backend answers either way."""

from __future__ import annotations

import django_filters
import pytest
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.api.filters import SentFilterBackend, filters_sent
from config.api.response_cache import filter_identity
from sensors.choices import DataStatus
from sensors.filters import SensorDataFilter
from sensors.models import SensorData
from sensors.tests.factories import SensorDataFactory, SensorFactory
from sensors.views import SensorDataViewSet


class PriceFilter(django_filters.FilterSet):
    price = django_filters.RangeFilter(field_name="value")  # sent as price_min / price_max

    class Meta:
        model = SensorData
        fields = ["price"]


@pytest.mark.parametrize(
    ("query", "sent"),
    [
        ({}, False),
        ({"limit": "5", "skip": "0", "format": "json"}, False),
        ({"status": "pending"}, True),
        ({"sensor_id": ""}, True),  # sent empty: django-filter's own handling (no filter, no error)
        ({"limit": "5", "sensor_id": "3"}, True),
    ],
)
def test_a_filter_counts_as_sent_when_the_query_names_it(query, sent):
    assert filters_sent(SensorDataFilter, query) is sent


def test_a_widgets_suffixed_parameters_count_as_sent():
    assert filters_sent(PriceFilter, {"price_min": "1"})
    assert filters_sent(PriceFilter, {"price_max": "9"})
    assert not filters_sent(PriceFilter, {"limit": "9"})


@pytest.fixture
def built(monkeypatch):
    """How many FilterSets were built."""
    calls = []
    original = django_filters.FilterSet.__init__

    def counting(self, *args, **kwargs):
        calls.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(django_filters.FilterSet, "__init__", counting)
    return calls


@pytest.mark.django_db
def test_a_list_without_filters_builds_no_filterset_and_answers_every_row(operator_client, built):
    sensor = SensorFactory()
    SensorDataFactory.create_batch(3, sensor=sensor)
    response = operator_client.get(reverse("sensordata-list"), {"limit": 10})
    assert response.status_code == 200
    assert len(response.json()) == 3
    assert built == []


@pytest.mark.django_db
def test_a_list_with_a_filter_builds_it_and_filters(operator_client, built):
    sensor, other = SensorFactory(), SensorFactory()
    SensorDataFactory.create_batch(2, sensor=sensor)
    SensorDataFactory(sensor=other)
    response = operator_client.get(reverse("sensordata-list"), {"sensor_id": sensor.pk})
    assert response.status_code == 200
    assert {row["sensor_id"] for row in response.json()} == {sensor.pk}
    assert built == ["SensorDataFilter"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"status": "nonsense"}, 400),
        ({"sensor_id": "0"}, 400),
        ({"sensor_id": "x"}, 400),
        ({"status": ""}, 200),
    ],
)
def test_bad_filter_values_are_still_refused(operator_client, query, status):
    assert operator_client.get(reverse("sensordata-list"), query).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"limit": "2"},
        {"status": DataStatus.PENDING},
        {"sensor_id": "SENSOR"},
        {"status": "", "sensor_id": ""},
    ],
)
def test_it_returns_what_django_filters_backend_returns(query):
    sensor = SensorFactory()
    SensorDataFactory.create_batch(2, sensor=sensor)
    SensorDataFactory(sensor=SensorFactory(), status=DataStatus.VALIDATED)
    query = {name: str(sensor.pk) if value == "SENSOR" else value for name, value in query.items()}
    view = SensorDataViewSet(action="list", format_kwarg=None, kwargs={})
    view.request = request = Request(APIRequestFactory().get("/", query))
    queryset = view.get_queryset()
    ours = SentFilterBackend().filter_queryset(request, queryset, view)
    theirs = DjangoFilterBackend().filter_queryset(request, queryset, view)
    assert list(ours.values_list("pk", flat=True)) == list(theirs.values_list("pk", flat=True))
    assert filter_identity(SentFilterBackend(), request, view) == filter_identity(
        DjangoFilterBackend(), request, view
    )
