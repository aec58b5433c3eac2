"""`/users/`: staff records under the specification's field names, validation and role rules."""

from __future__ import annotations

import pytest
from django.urls import reverse

from staff.models import User
from staff.tests.factories import TEST_PASSWORD, PositionFactory, UserFactory
from staff.tests.test_models import INVALID_PHONES

pytestmark = pytest.mark.django_db

LIST = reverse("users-list")
SPEC_BODY = {"nama": "John Doe", "alamat": "Jl. Contoh No. 123", "telepon": "081234567890", "id_jabatan": 1}


def detail(pk) -> str:
    return reverse("users-detail", args=[pk])


@pytest.fixture
def record(position):
    return UserFactory(
        username="rec",
        full_name="Rina",
        address="Jl. Mawar 1",
        phone="081200000000",
        department="QA",
        position=position,
    )


def test_create_the_spec_example(auth_client, manager, position):
    body = {**SPEC_BODY, "id_jabatan": position.pk}
    response = auth_client(manager).post(LIST, body)
    assert response.status_code == 201
    data = response.json()
    assert data["nama"] == "John Doe"
    assert data["alamat"] == "Jl. Contoh No. 123"
    assert data["telepon"] == "081234567890"
    assert data["id_jabatan"] == position.pk
    assert data["jabatan"] == {
        "id_jabatan": position.pk,
        "nama_jabatan": "Operator Mesin",
        "deskripsi": "Menjalankan mesin produksi",
    }
    user = User.objects.get(pk=data["id_user"])
    assert user.username == data["username"] == "john.doe"
    assert not user.has_usable_password()
    assert data["role"] is None and data["is_active"] is True


def test_created_record_cannot_log_in(auth_client, api_client, manager, position):
    data = auth_client(manager).post(LIST, {"nama": "Joko", "id_jabatan": position.pk}).json()
    response = api_client.post(reverse("auth-login"), {"username": data["username"], "password": ""})
    assert response.status_code == 400
    summary = "password: This field may not be blank."  # the auth paths' error envelope (issue 17)
    assert response.json() == {
        "status": "error",
        "message": summary,
        "detail": summary,
        "password": ["This field may not be blank."],
    }
    response = api_client.post(reverse("auth-login"), {"username": data["username"], "password": "x"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id_jabatan": 1}, "nama"),
        ({"nama": "", "id_jabatan": 1}, "nama"),
        ({"nama": "X" * 151, "id_jabatan": 1}, "nama"),
        ({"nama": "X"}, "id_jabatan"),
        ({"nama": "X", "id_jabatan": None}, "id_jabatan"),
        ({"nama": "X", "id_jabatan": "abc"}, "id_jabatan"),
        ({"nama": "X", "id_jabatan": 2**64}, "id_jabatan"),
    ],
)
def test_create_invalid_is_400(auth_client, manager, position, body, field):
    response = auth_client(manager).post(LIST, body)
    assert response.status_code == 400
    assert field in response.json()


def test_create_unknown_jabatan_is_400(auth_client, manager):
    response = auth_client(manager).post(LIST, {**SPEC_BODY, "id_jabatan": 999999})
    assert response.status_code == 400
    assert response.json() == {"detail": "jabatan tidak valid"}
    assert not User.objects.filter(full_name="John Doe").exists()


@pytest.mark.parametrize("phone", [*INVALID_PHONES[:-1], 12345678901])
def test_create_invalid_phone_is_400(auth_client, manager, position, phone):
    response = auth_client(manager).post(LIST, {**SPEC_BODY, "id_jabatan": position.pk, "telepon": phone})
    assert response.status_code == 400
    assert "telepon" in response.json()


@pytest.mark.parametrize("phone", ["+6281234567890", "081234567", "", None])
def test_create_valid_or_empty_phone(auth_client, manager, position, phone):
    response = auth_client(manager).post(LIST, {**SPEC_BODY, "id_jabatan": position.pk, "telepon": phone})
    assert response.status_code == 201
    assert response.json()["telepon"] == (phone or "")


def test_list_and_retrieve(auth_client, supervisor, record):
    client = auth_client(supervisor)
    response = client.get(LIST, {"skip": 0, "limit": 100})
    assert response.status_code == 200
    ids = [row["id_user"] for row in response.json()]
    assert ids == sorted(ids) and record.pk in ids
    assert response["X-Total-Count"] == str(User.objects.count())
    response = client.get(detail(record.pk))
    assert response.status_code == 200
    assert response.json()["nama"] == "Rina"
    assert client.get(detail(record.pk).rstrip("/")).status_code == 200


@pytest.mark.parametrize("pk", ["999999", "abc", "0", "99999999999999999999999"])
def test_retrieve_missing_is_the_spec_404(auth_client, supervisor, pk):
    response = auth_client(supervisor).get(f"/users/{pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "User Not found"}


def test_put_changes_only_the_fields_sent(auth_client, manager, record):
    other = PositionFactory(name="Teknisi")
    body = {"alamat": "Jl. Contoh Baru No. 456", "telepon": "089876543210", "id_jabatan": other.pk}
    response = auth_client(manager).put(detail(record.pk), body)
    assert response.status_code == 200
    data = response.json()
    assert data["nama"] == "Rina"
    assert data["alamat"] == "Jl. Contoh Baru No. 456"
    assert data["telepon"] == "089876543210"
    assert data["jabatan"]["nama_jabatan"] == "Teknisi"
    record.refresh_from_db()
    assert (record.full_name, record.department, record.position_id) == ("Rina", "QA", other.pk)
    assert record.check_password(TEST_PASSWORD)


def test_patch_and_deactivate(auth_client, manager, record):
    response = auth_client(manager).patch(detail(record.pk), {"is_active": False, "department": "Ops"})
    assert response.status_code == 200
    record.refresh_from_db()
    assert (record.is_active, record.department, record.full_name) == (False, "Ops", "Rina")


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"id_jabatan": 999999}, 400, {"detail": "jabatan tidak valid"}),
        ({"id_jabatan": None}, 400, None),
        ({"telepon": "12345"}, 400, None),
        ({"nama": ""}, 400, None),
    ],
)
def test_put_invalid(auth_client, manager, record, body, status, expected):
    response = auth_client(manager).put(detail(record.pk), body)
    assert response.status_code == status
    if expected:
        assert response.json() == expected
    record.refresh_from_db()
    assert record.full_name == "Rina" and record.phone == "081200000000"


def test_put_missing_is_404(auth_client, manager):
    response = auth_client(manager).put(detail(999999), {"nama": "X"})
    assert response.status_code == 404
    assert response.json() == {"detail": "User Not found"}


def test_delete(auth_client, manager, record):
    client = auth_client(manager)
    assert client.delete(detail(record.pk)).status_code == 204
    assert not User.objects.filter(pk=record.pk).exists()
    assert client.delete(detail(record.pk)).json() == {"detail": "User Not found"}


# --- Role rules ------------------------------------------------------------------------------------
def test_anonymous_is_401(api_client, record):
    assert api_client.get(LIST).status_code == 401
    assert api_client.get(detail(record.pk)).status_code == 401
    assert api_client.post(LIST, SPEC_BODY).status_code == 401


@pytest.mark.parametrize("role_fixture", ["operator", "supervisor"])
def test_only_management_writes(request, auth_client, record, position, role_fixture):
    client = auth_client(request.getfixturevalue(role_fixture))
    assert client.post(LIST, {**SPEC_BODY, "id_jabatan": position.pk}).status_code == 403
    assert client.put(detail(record.pk), {"nama": "X"}).status_code == 403
    assert client.delete(detail(record.pk)).status_code == 403
    record.refresh_from_db()
    assert record.full_name == "Rina"


def test_operator_reads_names_but_not_personal_data(auth_client, operator, record):
    client = auth_client(operator)
    row = next(r for r in client.get(LIST).json() if r["id_user"] == record.pk)
    assert row["nama"] == "Rina" and row["jabatan"]["nama_jabatan"] == "Operator Mesin"
    assert row["alamat"] is None and row["telepon"] is None
    data = client.get(detail(record.pk)).json()
    assert data["alamat"] is None and data["telepon"] is None


def test_a_user_sees_their_own_personal_data(auth_client, operator):
    operator.address, operator.phone = "Jl. Sendiri", "081277777777"
    operator.save()
    data = auth_client(operator).get(detail(operator.pk)).json()
    assert (data["alamat"], data["telepon"]) == ("Jl. Sendiri", "081277777777")


@pytest.mark.parametrize("role_fixture", ["supervisor", "manager"])
def test_supervisor_and_up_see_personal_data(request, auth_client, record, role_fixture):
    data = auth_client(request.getfixturevalue(role_fixture)).get(detail(record.pk)).json()
    assert (data["alamat"], data["telepon"]) == ("Jl. Mawar 1", "081200000000")


def test_personal_data_rule_with_a_real_jwt(api_client, record):
    """Through login and the cached-permission JWT path, not force_authenticate."""
    for role, visible in (("Operator", False), ("Supervisor", True)):
        user = UserFactory(username=f"jwt-{role}", role=role)
        login = api_client.post(reverse("auth-login"), {"username": user.username, "password": TEST_PASSWORD})
        token = login.json()["access_token"]
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        data = api_client.get(detail(record.pk)).json()
        assert (data["alamat"] is not None) is visible, role
        api_client.credentials()


# --- Filters ---------------------------------------------------------------------------------------
def test_filters_and_search(auth_client, supervisor, position):
    other = PositionFactory(name="Teknisi")
    a = UserFactory(username="a", full_name="Budi Santoso", position=position, department="QA")
    b = UserFactory(username="b", full_name="Siti Aminah", position=other, department="qa", is_active=False)
    client = auth_client(supervisor)

    def ids(**params) -> set[int]:
        response = client.get(LIST, params)
        assert response.status_code == 200, response.json()
        return {row["id_user"] for row in response.json()}

    assert ids(id_jabatan=position.pk) == {a.pk}
    assert ids(jabatan="teknisi") == {b.pk}
    assert ids(is_active="false") == {b.pk}
    assert a.pk in ids(is_active="true") and b.pk not in ids(is_active="true")
    assert ids(department="QA") == {a.pk, b.pk}
    assert ids(search="siti") == {b.pk}
    assert ids(search="santoso", department="qa") == {a.pk}


@pytest.mark.parametrize("params", [{"id_jabatan": "abc"}, {"id_jabatan": "0"}, {"id_jabatan": str(2**64)}])
def test_bad_filter_values_are_400(auth_client, supervisor, params):
    assert auth_client(supervisor).get(LIST, params).status_code == 400


def test_management_may_not_change_or_delete_a_superuser(auth_client, manager, admin_user):
    client = auth_client(manager)
    response = client.put(detail(admin_user.pk), {"is_active": False})
    assert response.status_code == 403
    assert client.delete(detail(admin_user.pk)).status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert auth_client(admin_user).put(detail(admin_user.pk), {"nama": "Root"}).status_code == 200
