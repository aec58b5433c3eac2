"""The browsable API a person can work in, and the documentation pages (issue 17): the indexes at
`/api/` and `/api/v1/`, action pages, prefilled forms, query and filter forms, page links, the
domain tags of the schema, the favicon and ReDoc without external URLs."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from config.api.schema import TAGS, tag_for_path
from locks.tests.factories import DeviceFactory
from maintenance.tests.factories import SparePartFactory
from sensors.tests.factories import SensorDataFactory

HTML = {"HTTP_ACCEPT": "text/html"}
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def browser(superuser) -> Client:
    """A session-authenticated browser (the browsable API's login)."""
    client = Client()
    client.force_login(superuser)
    return client


def _content_template(page: str) -> dict:
    """The raw-data form's JSON template (its `_content` textarea) on a browsable page."""
    match = re.search(r'<textarea[^>]*name="_content"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no raw-data form"
    return json.loads(unescape(match.group(1)))


# --- /api/ and /api/v1/ ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/", "/api", "/api/v1/", "/api/v1"])
def test_api_prefixes_answer_an_index_of_their_routes(db, path):
    response = Client().get(path, **JSON)
    assert response.status_code == 200
    links = response.json()["links"]
    assert "http://testserver/api/v1/orders" in links.values() or "orders" in links
    for url in links.values():
        assert url.startswith("http://testserver/api/v1/" if "v1" in path else "http://testserver/api/")


def test_api_index_lists_the_version_index_and_every_app_under_it(db):
    links = Client().get("/api/", **JSON).json()["links"]
    assert links["v1"] == "http://testserver/api/v1/"
    for name in ("units", "sensors", "sensor-data", "v1/orders", "v1/data/machines", "v1/auth/login"):
        assert name in links, name
    v1 = Client().get("/api/v1/", **JSON).json()["links"]
    assert {"orders", "items", "categories", "audit", "config", "auth/me", "data/ingest"} <= v1.keys()


def test_api_index_is_browsable(db):
    response = Client().get("/api/v1/", **HTML)
    assert response.status_code == 200
    assert "Index of /api/v1/" in response.content.decode()


# --- Action pages ----------------------------------------------------------------------------------
def _action_urls(db) -> dict[str, str]:
    device = DeviceFactory()
    reading = SensorDataFactory()
    part = SparePartFactory(stock=5)
    from maintenance import services

    order = services.order_create(
        request_id=1, items=[{"spare_part_id": part.pk, "quantity": 1}], actor=None
    ).order
    return {
        "lock update": f"/device/{device.pk}/update",
        "validate": f"/api/sensor-data/{reading.pk}/validate",
        "archive": f"/api/sensor-data/{reading.pk}/archive",
        "invalidate": f"/api/sensor-data/{reading.pk}/invalidate",
        "transition": f"/api/v1/orders/{order.pk}/transition",
        "image": f"/api/v1/orders/{order.pk}/image",
        "config update": "/api/v1/config/update",
        "machine create": "/api/v1/data/machine",
        "ingest": "/api/v1/data/ingest",
    }


def test_action_pages_answer_their_form_in_a_browser_and_405_in_json(db, browser):
    for name, url in _action_urls(db).items():
        page = browser.get(url, **HTML)
        assert page.status_code == 200, (name, page.status_code)
        body = page.content.decode()
        assert 'method="POST"' in body or 'data-method="PUT"' in body, name
        assert "Method Not Allowed" not in body and "405" not in body.split("</head>")[0], name
        assert browser.get(url, **JSON).status_code == 405, name


def test_action_page_shows_the_actions_own_fields(db, browser):
    urls = _action_urls(db)
    transition = browser.get(urls["transition"], **HTML).content.decode()
    assert 'name="status"' in transition
    config = browser.get(urls["config update"], **HTML).content.decode()
    assert 'name="setting_name"' in config and 'name="setting_value"' in config
    # validate takes no body: a button, no reading fields to fill in.
    validate = browser.get(urls["validate"], **HTML).content.decode()
    assert 'name="value"' not in validate and 'data-method="PUT"' in validate


def test_action_page_runs_nothing(db, browser):
    from sensors.choices import DataStatus

    reading = SensorDataFactory()
    browser.get(f"/api/sensor-data/{reading.pk}/validate", **HTML)
    reading.refresh_from_db()
    assert reading.status == DataStatus.PENDING


def test_action_page_of_a_missing_item_is_its_404(db, browser):
    response = browser.get("/device/00000000-0000-0000-0000-000000000000/update", **HTML)
    assert response.status_code == 404


def test_action_page_needs_a_login(db):
    device = DeviceFactory()
    assert Client().get(f"/device/{device.pk}/update", **HTML).status_code in (401, 403)


def test_lock_update_form_starts_at_the_current_version(db, browser):
    device = DeviceFactory()
    from config.choices import ChangeSource
    from locks import services
    from locks.choices import LockStatus

    services.device_change_status(
        device_id=device.pk,
        new_status=LockStatus.UNLOCKED if device.status != LockStatus.UNLOCKED else LockStatus.LOCKED,
        expected_version=device.version_id,
        actor=None,
        note="",
        source=ChangeSource.API,
    )
    device.refresh_from_db()
    assert device.version_id > 0
    page = browser.get(f"/device/{device.pk}/update", **HTML).content.decode()
    assert re.search(rf'name="expected_version_id"[^>]*value="{device.version_id}"', page)
    assert _content_template(page)["expected_version_id"] == device.version_id


# --- Order create from the browser -----------------------------------------------------------------
def test_order_page_offers_a_real_order_that_can_be_sent(db, browser):
    parts = [SparePartFactory(stock=5), SparePartFactory(stock=0), SparePartFactory(stock=3)]
    page = browser.get("/api/v1/orders/", **HTML).content.decode()
    example = _content_template(page)
    assert [item["spare_part_id"] for item in example["items"]] == [parts[0].pk, parts[2].pk]
    sent = browser.post("/api/v1/orders/", data=json.dumps(example), content_type="application/json")
    assert sent.status_code == 201, sent.content
    # The next page offers a request_id no order has.
    assert _content_template(browser.get("/api/v1/orders/", **HTML).content.decode())["request_id"] == (
        example["request_id"] + 1
    )


# --- Query forms, filter labels, page links, title -------------------------------------------------
def test_machine_history_page_offers_its_parameters_as_a_form(db, browser):
    page = browser.get("/api/v1/data/machine/00000000-0000-0000-0000-000000000000", **HTML).content.decode()
    form = page.split('id="query-form"', 1)[1].split("</form>", 1)[0]
    for name in ("start_time", "end_time", "interval", "fields"):
        assert f'name="{name}"' in form, name


@pytest.mark.parametrize("url", ["/device/", "/api/v1/items/", "/api/v1/orders/", "/api/v1/audit/"])
def test_filter_dialog_names_every_field(db, browser, url):
    page = browser.get(url, **HTML).content.decode()
    assert "filtersModal" in page
    assert "[invalid name]" not in page
    assert page.count('name="search"') <= 1  # the search box once, not again among the field filters


def test_lists_link_previous_and_next_pages(db, browser):
    for _ in range(3):
        DeviceFactory()
    page = browser.get("/device/?limit=1&skip=1", **HTML).content.decode()
    assert 'rel="next" href="http://testserver/device/?limit=1&amp;skip=2"' in page
    assert 'rel="prev" href="http://testserver/device/?limit=1&amp;skip=0"' in page


def test_browsable_pages_carry_the_projects_title(db, browser):
    page = browser.get("/device/", **HTML).content.decode()
    assert "<title>Device List \u2013 Facility Operations API</title>" in page
    assert "Django REST framework" not in page


# --- Swagger, ReDoc, favicon -----------------------------------------------------------------------
def test_every_operation_is_tagged_with_its_domain(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    names = [tag for tag, _description, _prefixes in TAGS]
    assert [t["name"] for t in schema["tags"]] == names
    assert all(t["description"] for t in schema["tags"])
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["tags"] == [tag_for_path(path)], (method, path)
            assert operation["tags"][0] in names, (method, path)
    used = {op["tags"][0] for ops in schema["paths"].values() for op in ops.values()}
    assert used == set(names)


def test_favicon_is_served(db):
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response)[:4] == b"\x00\x00\x01\x00"


def test_redoc_loads_nothing_from_outside(db):
    page = Client().get("/redoc/").content.decode()
    assert not re.search(r"https?://", page)
    script = re.search(r'<script src="([^"]+)"', page).group(1)
    bundle = Client().get(script)
    assert bundle.status_code == 200
    body = b"".join(bundle)
    assert b"cdn.redoc.ly" not in body
    assert b"/static/platform/redoc-logo.svg" in body


def test_query_form_comes_from_a_declared_query_serializer(rf):
    from drf_spectacular.utils import extend_schema
    from rest_framework import serializers
    from rest_framework.request import Request
    from rest_framework.views import APIView

    from config.api.browsable import query_form

    class WindowQuery(serializers.Serializer):
        start = serializers.DateTimeField()
        step = serializers.ChoiceField(choices=["1m", "1h"], required=False)
        count = serializers.IntegerField(required=False, help_text="How many.")

    class WindowView(APIView):
        @extend_schema(parameters=[WindowQuery])
        def get(self, request):  # pragma: no cover - never dispatched here
            return None

    view = WindowView(kwargs={})
    view.request = Request(rf.get("/window", {"step": "1h"}))
    form = query_form(view, view.request)
    assert list(form.fields) == ["start", "step", "count"]
    assert form.fields["start"].help_text == "Required."
    assert form.fields["start"].widget.attrs["placeholder"] == "2026-01-01T00:00:00Z"
    assert [value for value, _ in form.fields["step"].choices] == ["", "1m", "1h"]
    assert form["step"].value() == "1h"
