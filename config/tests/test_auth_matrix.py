"""The auth matrix (issue 20): every URL pattern the project resolves, probed as every principal.

The patterns are walked from the root resolver, not listed by hand: a route without an entry in
MATRIX (API, docs, health) fails `test_every_route_has_an_entry`. Each entry names, per method
probed, the lowest principal README's "Endpoints" and "Roles" tables give it:
anonymous (public), any authenticated account (no role), Operator, Supervisor, Management. Below
that level: anonymous → 401, an account → 403; at or above it: neither (the request reaches the
view, whose answer is then a 2xx, 400, 404 or 405 for the probe's dummy ids and empty bodies).
The admin's patterns (every model admin's included) follow one rule: anonymous and role-less
accounts are redirected to the login, except the login and logout themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ANON, AUTH, OPERATOR, SUPERVISOR, MANAGER = range(5)
PRINCIPALS = {
    "anonymous": ANON,
    "reader": AUTH,
    "operator": OPERATOR,
    "supervisor": SUPERVISOR,
    "manager": MANAGER,
}
PUBLIC = ANON

# route name → {method: lowest principal}. README "Endpoints" (public list) and "Roles" (tables).
MATRIX: dict[str, dict[str, int]] = {
    # Public: `/`, `/health*`, `/docs`, `/redoc`, `/api/schema/`, register, login, refresh, OTP.
    "root": {"GET": PUBLIC},
    "health": {"GET": PUBLIC},
    "health-ready": {"GET": PUBLIC},
    "schema": {"GET": PUBLIC},
    "swagger-ui": {"GET": PUBLIC},
    "redoc": {"GET": PUBLIC},
    "redoc-bundle": {"GET": PUBLIC},
    "favicon": {"GET": PUBLIC},
    "index-api": {"GET": PUBLIC},
    "index-api-v1": {"GET": PUBLIC},
    "auth-register": {"POST": PUBLIC},
    "auth-login": {"POST": PUBLIC},
    "auth-refresh": {"POST": PUBLIC},
    "otp-generate": {"POST": PUBLIC},
    "otp-verify": {"POST": PUBLIC},
    # The browsable API's session login and logout pages.
    "rest_framework:login": {"GET": PUBLIC},
    "rest_framework:logout": {"POST": PUBLIC},
    # The admin's language switcher (Django's set_language), on the login page too.
    "set_language": {"POST": PUBLIC},
    # Any account, a role-less one included.
    "auth-logout": {"POST": AUTH},
    "auth-me": {"GET": AUTH},
    # Staff: Operator reads (the directory without personal data), Supervisor manages positions,
    # Management manages staff records.
    "jabatan-list": {"GET": OPERATOR, "POST": SUPERVISOR},
    "jabatan-detail": {"GET": OPERATOR, "PATCH": SUPERVISOR, "DELETE": SUPERVISOR},
    "users-list": {"GET": OPERATOR, "POST": MANAGER},
    "users-detail": {"GET": OPERATOR, "PATCH": MANAGER, "DELETE": MANAGER},
    # Locks: Operator reads and changes lock status; Supervisor manages devices.
    "device-list": {"GET": OPERATOR, "POST": SUPERVISOR},
    "device-detail": {"GET": OPERATOR, "PATCH": SUPERVISOR, "DELETE": SUPERVISOR},
    "device-status": {"GET": OPERATOR},
    "device-logs": {"GET": OPERATOR},
    "device-update": {"POST": OPERATOR},
    # Sensors: Operator reads and records readings; Supervisor manages units, sensors, readings'
    # statuses; Management deletes.
    "unit-list": {"GET": OPERATOR, "POST": SUPERVISOR},
    "unit-detail": {"GET": OPERATOR, "PATCH": SUPERVISOR, "DELETE": MANAGER},
    "unit-statistics": {"GET": OPERATOR},
    "sensor-list": {"GET": OPERATOR, "POST": SUPERVISOR},
    "sensor-detail": {"GET": OPERATOR, "PATCH": SUPERVISOR, "DELETE": MANAGER},
    "sensordata-list": {"GET": OPERATOR, "POST": OPERATOR},
    "sensordata-detail": {"GET": OPERATOR, "PATCH": SUPERVISOR, "DELETE": MANAGER},
    "sensordata-archive": {"PUT": SUPERVISOR},
    "sensordata-invalidate": {"PUT": SUPERVISOR},
    "sensordata-validate": {"PUT": SUPERVISOR},
    # Maintenance: Operator reads, orders and uploads images; Supervisor manages categories and
    # parts, moves orders, reads the audit log; Management deletes.
    "maintenance-category-list": {"GET": OPERATOR, "POST": SUPERVISOR},
    "maintenance-category-detail": {"GET": OPERATOR, "PATCH": SUPERVISOR, "DELETE": MANAGER},
    "maintenance-item-list": {"GET": OPERATOR, "POST": SUPERVISOR},
    "maintenance-item-detail": {"GET": OPERATOR, "PATCH": SUPERVISOR, "DELETE": MANAGER},
    "maintenance-order-list": {"GET": OPERATOR, "POST": OPERATOR},
    "maintenance-order-detail": {"GET": OPERATOR, "DELETE": MANAGER},
    "maintenance-order-images": {"GET": OPERATOR},
    "maintenance-order-image": {"POST": OPERATOR},
    "maintenance-order-transition": {"POST": SUPERVISOR},
    "maintenance-audit-list": {"GET": SUPERVISOR},
    # Machines: Operator lists and reads history and alerts; Supervisor registers machines, ingests
    # over HTTP and acknowledges alerts; Management reads and changes the system configuration.
    "machines-list": {"GET": OPERATOR},
    "machines-history": {"GET": OPERATOR},
    "machines-create": {"POST": SUPERVISOR},
    "machines-ingest": {"POST": SUPERVISOR},
    "machines-config": {"GET": MANAGER},
    "machines-config-update": {"POST": MANAGER},
    # Threshold alerts: every role reads them, Supervisor acknowledges.
    "machines-alerts": {"GET": OPERATOR},
    "machines-alert-acknowledge": {"POST": SUPERVISOR},
}
# Routes with a gate of their own, probed by their own tests.
OWN_GATE = {
    # 404 to anyone METRICS_TOKEN / METRICS_ALLOWED_IPS does not name (test_security_headers_metrics).
    "metrics",
    # The admin dashboard's figures: an admin (staff) session, 401/403 otherwise (test_dashboard).
    "dashboard-figures",
    # Uploaded files under DEBUG only (`static()` adds nothing in production).
    "^media/(?P<path>.*)$",
}
ADMIN_PUBLIC = {"admin:login", "admin:logout"}
DUMMY = {"pk": "999999", "sku": "NO-SUCH-SKU", "machine_id": "00000000-0000-4000-8000-000000000000"}
# Ids a view parses as UUIDs: a number would still be refused by the view, after the permission.
UUID_PK = ("device-",)


def walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(key, full route) of every pattern; key = namespaced name, or the route for unnamed ones."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            yield (f"{namespace}{pattern.name}" if pattern.name else route), route


def concrete(key: str, route: str) -> str:
    """A request path for `route`: regex anchors dropped, each named group given a dummy value."""
    path = route.replace("^", "").replace("$", "").replace("/?", "/")

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "pk" and key.startswith(UUID_PK):
            return DUMMY["machine_id"]
        return DUMMY.get(name, "1")

    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", value, path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: DUMMY.get(m.group(1), "1"), path)
    return "/" + path


def routes() -> list[tuple[str, str]]:
    return list(walk(get_resolver().url_patterns))


def _is_admin(key: str, route: str) -> bool:
    return key.startswith("admin:") or route.startswith("admin/")


def test_every_route_has_an_entry():
    unlisted = sorted(
        key
        for key, route in routes()
        if not _is_admin(key, route) and key not in MATRIX and key not in OWN_GATE
    )
    assert not unlisted, f"routes without an auth-matrix entry: {unlisted}"
    stale = sorted(set(MATRIX) - {key for key, _ in routes()})
    assert not stale, f"entries for routes that no longer resolve: {stale}"


def _probes() -> list[tuple[str, str, str, int]]:
    found = dict(routes())
    return [
        (key, concrete(key, found[key]), method, lowest)
        for key, methods in MATRIX.items()
        if key in found
        for method, lowest in methods.items()
    ]


@pytest.fixture
def principals(reader, operator, supervisor, manager):
    return {
        "anonymous": None,
        "reader": reader,
        "operator": operator,
        "supervisor": supervisor,
        "manager": manager,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "path", "method", "lowest"), _probes(), ids=lambda v: str(v))
def test_each_principal_gets_what_the_role_tables_promise(auth_client, principals, key, path, method, lowest):
    for who, level in PRINCIPALS.items():
        client = auth_client(principals[who])
        response = client.generic(method, path, data="{}", content_type="application/json")
        status = response.status_code
        if level >= lowest:
            assert status not in (401, 403), f"{who} {method} {path}: {status} (allowed from level {lowest})"
        elif level == ANON:
            assert status == 401, f"anonymous {method} {path}: {status}, expected 401"
        else:
            assert status == 403, f"{who} {method} {path}: {status}, expected 403"


def _admin_paths() -> list[tuple[str, str]]:
    return [(key, concrete(key, route)) for key, route in routes() if _is_admin(key, route)]


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "path"), _admin_paths(), ids=lambda v: str(v))
def test_admin_pages_send_anonymous_and_role_less_callers_to_the_login(reader, key, path):
    for user in (None, reader):
        client = Client()
        if user is not None:
            client.force_login(user)
        if key in ADMIN_PUBLIC:
            response = client.get(path) if key == "admin:login" else client.post(path)
            assert response.status_code in (200, 302), (key, response.status_code)
            continue
        response = client.get(path)
        assert response.status_code == 302, (key, path, response.status_code)
        assert response["Location"].startswith("/admin/login/"), (key, response["Location"])


@pytest.mark.django_db
def test_every_role_enters_the_admin_and_the_superuser_every_model_page(
    operator, supervisor, manager, superuser
):
    from django.contrib import admin

    for user in (operator, supervisor, manager):
        user.is_staff = True  # what assigning a role does (records.user_set_role); the fixtures skip it
        user.save(update_fields=["is_staff"])
        client = Client()
        client.force_login(user)
        assert client.get("/admin/").status_code == 200, user.username
    client = Client()
    client.force_login(superuser)
    for model in admin.site._registry:
        path = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(path).status_code == 200, path
