"""The machines clients' own flow, end to end through APIClient (issue 17): register, log in as the
demo `manager1`, me, refresh, create a machine, list, ingest for a listed machine, its history over a
year, read and change the config, health, the API root, and log out last. Each step asserts the
envelope fields those clients read."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from machines.permissions import MachinePermissions
from staff import demo as staff_demo

pytestmark = pytest.mark.django_db


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_success(response, code: int = 200) -> dict:
    assert response.status_code == code, response.content
    body = response.json()
    assert body["status"] == "success", body
    return body


def test_the_machines_clients_flow_end_to_end(django_capture_on_commit_callbacks):
    staff_demo.load(io.StringIO())  # admin, operator1, supervisor1, manager1 (what seed_demo makes)
    client = APIClient()

    # register: 201 {status, message, user}, the user's fields also at the top level
    registered = assert_success(
        client.post(
            reverse("auth-register"),
            {"username": "gateway7", "email": "gateway7@example.com", "password": "Str0ng-Passw0rd"},
        ),
        201,
    )
    assert registered["message"] == "User registered successfully"
    assert registered["user"]["username"] == registered["username"] == "gateway7"
    assert "password" not in registered["user"]

    # login as manager1: {status, access_token, refresh_token, token_type, expires_in, user}
    login = assert_success(
        client.post(reverse("auth-login"), {"username": "manager1", "password": settings.DEMO_PASSWORD})
    )
    assert login["token_type"] == "Bearer"
    assert login["expires_in"] > 0
    assert login["access_token"] and login["refresh_token"]
    assert login["user"]["username"] == "manager1"
    assert login["user"]["role"] == "Management"
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login['access_token']}")

    # me: {status, user: {..., username, role, permissions}}, today's top-level fields kept
    me = assert_success(client.get(reverse("auth-me")))
    assert me["user"]["username"] == me["username"] == "manager1"
    assert me["user"]["role"] == me["role"] == "Management"
    assert MachinePermissions.INGEST_TELEMETRY in me["user"]["permissions"]
    assert me["user"]["permissions"] == me["permissions"]

    # refresh: {status, access_token, refresh_token, token_type, expires_in}; go on with the new pair
    refreshed = assert_success(
        client.post(reverse("auth-refresh"), {"refresh_token": login["refresh_token"]})
    )
    assert {"access_token", "refresh_token", "token_type", "expires_in"} <= set(refreshed)
    assert refreshed["refresh_token"] != login["refresh_token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed['access_token']}")

    # create a machine, then find it in the list
    created = assert_success(
        client.post(
            reverse("machines-create"),
            {"name": "Press-Flow-1", "location": "Hall 2", "sensor_type": "Pressure"},
        ),
        201,
    )
    assert created["message"] == "Machine created successfully"
    listed = assert_success(client.get(reverse("machines-list")))
    assert listed["count"] == len(listed["machines"]) >= 1
    assert listed["pagination"]["total_records"] >= 1
    [machine] = [m for m in listed["machines"] if m["name"] == "Press-Flow-1"]
    assert machine["machine_id"] == created["machine_id"]

    # ingest a batch for the listed machine (Management may ingest)
    now = datetime.now(UTC).replace(microsecond=0)
    readings = [
        {"timestamp": iso(now - timedelta(minutes=2)), "pressure": 101.5, "temperature": 40.0},
        {"timestamp": iso(now - timedelta(minutes=1)), "pressure": 102.0, "temperature": 40.5},
    ]
    batch = {
        "gateway_id": "gw-flow",
        "timestamp": iso(now),
        "batch": [
            {
                "machine_id": machine["machine_id"],
                "sensor_type": "Pressure",
                "location": "Hall 2",
                "readings": readings,
            }
        ],
    }
    ingested = assert_success(client.post(reverse("machines-ingest"), batch, format="json"), 201)
    assert ingested["message"] == "Batch ingestion completed"
    assert ingested["summary"]["total_readings"] == 2

    # its history over the last year
    history = assert_success(
        client.get(
            reverse("machines-history", kwargs={"machine_id": machine["machine_id"]}),
            {"start_time": iso(now - timedelta(days=365)), "end_time": iso(now)},
        )
    )
    assert history["machine"]["machine_id"] == machine["machine_id"]
    assert [point["pressure"] for point in history["data"]] == [101.5, 102.0]
    assert history["pagination"]["total_records"] == 2

    # read and change the config
    config = assert_success(client.get(reverse("machines-config")))
    assert isinstance(config["config"], dict) and config["accessed_by"] == "manager1"
    with django_capture_on_commit_callbacks(execute=True):  # the change's commit clears the cache
        updated = assert_success(
            client.post(
                reverse("machines-config-update"),
                {"setting_name": "alert_threshold_pressure", "setting_value": "150"},
            )
        )
    assert updated["message"] == "Configuration updated successfully"
    assert updated["updated_setting"]["new_value"] == "150"
    assert updated["updated_setting"]["updated_by"] == "manager1"
    assert client.get(reverse("machines-config")).json()["config"]["alert_threshold_pressure"] == "150"

    # health and the API root (no credentials needed)
    assert client.get(reverse("health")).json()["status"] == "healthy"
    root = client.get(reverse("root"))
    assert root.status_code == 200
    assert root.json()["links"]["machines"].endswith("/api/v1/data/machines")
    assert root.json()["links"]["config"].endswith("/api/v1/config")

    # logout last: {status, message}; the token is then refused in the error envelope
    logged_out = assert_success(
        client.post(reverse("auth-logout"), {"refresh_token": refreshed["refresh_token"]})
    )
    assert logged_out["message"] == "Logged out successfully"
    refused = client.get(reverse("auth-me"))
    assert refused.status_code == 401
    body = refused.json()
    assert body["status"] == "error" and body["message"] == body["detail"] == "Token has been revoked."
    refused = client.get(reverse("machines-list"))
    assert refused.status_code == 401
    assert refused.json()["status"] == "error" and refused.json()["message"] == refused.json()["detail"]
