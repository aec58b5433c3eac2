"""`/jabatan/`: the specification's list/detail/create/update/delete, errors and role rules."""

from __future__ import annotations

import pytest
from django.urls import reverse

from staff.models import Position
from staff.tests.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("jabatan-list")


def detail(pk) -> str:
    return reverse("jabatan-detail", args=[pk])


def test_list_pages_with_skip_and_limit(auth_client, operator):
    positions = [PositionFactory(name=f"J{i}", description="d") for i in range(5)]
    response = auth_client(operator).get(LIST, {"skip": 1, "limit": 2})
    assert response.status_code == 200
    assert response["X-Total-Count"] == str(Position.objects.count())
    assert response.json() == [
        {"id_jabatan": p.pk, "nama_jabatan": p.name, "deskripsi": "d"} for p in positions[1:3]
    ]


def test_list_search_by_name(auth_client, operator):
    PositionFactory(name="Teknisi Listrik")
    PositionFactory(name="Akuntan")
    response = auth_client(operator).get(LIST, {"search": "teknisi"})
    assert [row["nama_jabatan"] for row in response.json()] == ["Teknisi Listrik"]


@pytest.mark.parametrize("search", ["a b c d e f", "a\x00", "x" * 65], ids=["six terms", "nul", "long term"])
def test_list_search_is_bounded_and_answers_a_field_error(auth_client, operator, search):
    """The shared bounded search (config.api.filters): a 400 naming `search`, never a bare list."""
    response = auth_client(operator).get(LIST, {"search": search})
    assert response.status_code == 400
    # (A NUL may also be refused before the view, by a platform-wide check: a 400 object too.)
    assert isinstance(response.json(), dict)
    if "\x00" not in search:
        assert "search" in response.json()


def test_list_bad_paging_is_400(auth_client, operator):
    assert auth_client(operator).get(LIST, {"limit": "x"}).status_code == 400


def test_retrieve_with_and_without_trailing_slash(auth_client, operator, position):
    client = auth_client(operator)
    base = detail(position.pk).rstrip("/")
    for url in (base, base + "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.json() == {
            "id_jabatan": position.pk,
            "nama_jabatan": "Operator Mesin",
            "deskripsi": "Menjalankan mesin produksi",
        }
    assert client.get(LIST.rstrip("/")).status_code == 200
    assert client.get(LIST.rstrip("/") + "/").status_code == 200


@pytest.mark.parametrize("pk", ["999999", "abc", "0", "-1", "1.5", "99999999999999999999999", "\uff11"])
def test_retrieve_missing_or_malformed_is_the_spec_404(auth_client, operator, pk):
    response = auth_client(operator).get(f"/jabatan/{pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "jabatan tidak ditemukan!"}


def test_anonymous_is_401(api_client, position):
    assert api_client.get(LIST).status_code == 401
    assert api_client.get(detail(position.pk)).status_code == 401
    assert api_client.post(LIST, {"nama_jabatan": "X"}).status_code == 401


def test_create_as_supervisor(auth_client, supervisor):
    response = auth_client(supervisor).post(LIST, {"nama_jabatan": "Teknisi", "deskripsi": "Perawatan"})
    assert response.status_code == 201
    body = response.json()
    assert body["nama_jabatan"] == "Teknisi" and body["deskripsi"] == "Perawatan"
    assert Position.objects.get(pk=body["id_jabatan"]).name == "Teknisi"


def test_create_without_description(auth_client, supervisor):
    response = auth_client(supervisor).post(LIST, {"nama_jabatan": "Teknisi"})
    assert response.status_code == 201
    assert response.json()["deskripsi"] == ""
    response = auth_client(supervisor).post(LIST, {"nama_jabatan": "Teknisi 2", "deskripsi": None})
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [{}, {"nama_jabatan": ""}, {"nama_jabatan": "x" * 101}, {"nama_jabatan": None}, {"deskripsi": "y"}],
)
def test_create_invalid_is_400(auth_client, supervisor, body):
    response = auth_client(supervisor).post(LIST, body)
    assert response.status_code == 400
    assert "nama_jabatan" in response.json()


def test_create_at_the_length_limit(auth_client, supervisor):
    assert auth_client(supervisor).post(LIST, {"nama_jabatan": "x" * 100}).status_code == 201


def test_operator_may_not_write(auth_client, operator, position):
    client = auth_client(operator)
    assert client.post(LIST, {"nama_jabatan": "X"}).status_code == 403
    assert client.put(detail(position.pk), {"nama_jabatan": "X"}).status_code == 403
    assert client.delete(detail(position.pk)).status_code == 403
    assert client.delete(detail(999999)).status_code == 403  # no existence leak before the role check


def test_update_changes_only_the_fields_sent(auth_client, supervisor, position):
    client = auth_client(supervisor)
    response = client.put(detail(position.pk), {"deskripsi": "Baru"})
    assert response.status_code == 200
    assert response.json() == {
        "id_jabatan": position.pk,
        "nama_jabatan": "Operator Mesin",
        "deskripsi": "Baru",
    }
    response = client.patch(detail(position.pk), {"nama_jabatan": "Operator Senior"})
    assert response.status_code == 200
    position.refresh_from_db()
    assert (position.name, position.description) == ("Operator Senior", "Baru")


def test_update_invalid_and_missing(auth_client, supervisor, position):
    client = auth_client(supervisor)
    assert client.put(detail(position.pk), {"nama_jabatan": "x" * 101}).status_code == 400
    response = client.put(detail(999999), {"nama_jabatan": "X"})
    assert response.status_code == 404
    assert response.json() == {"detail": "jabatan tidak ditemukan!"}


def test_delete(auth_client, supervisor, position):
    client = auth_client(supervisor)
    assert client.delete(detail(position.pk)).status_code == 204
    assert client.get(detail(position.pk)).status_code == 404
    assert client.delete(detail(position.pk)).json() == {"detail": "jabatan tidak ditemukan!"}


def test_delete_in_use_is_409_not_a_cascade(auth_client, supervisor, position):
    user = UserFactory(position=position)
    response = auth_client(supervisor).delete(detail(position.pk))
    assert response.status_code == 409
    assert "jabatan masih digunakan" in response.json()["detail"]
    assert Position.objects.filter(pk=position.pk).exists()
    user.refresh_from_db()
    assert user.position_id == position.pk
