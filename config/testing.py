"""Reusable API view tests (NetBox's `APIViewTestCases` is the model).

An app's test module declares the router basename, the model, a way to make an object, the data to
create and update with, and the lowest role each action needs; it then inherits 401/403/2xx and
list/detail tests. Every 2xx answer about one object is compared with the stored object as the
answering view's serializer declares it (`assert_instance_equal`, NetBox's `assertInstanceEqual`),
and where the app keeps a change history (`history_entry`) the entry naming the acting user is
checked. Example::

    class TestDeviceAPI(APIViewTestCases.ReadWrite):
        basename = "device"
        model = Device
        roles = {"list": AUTHENTICATED, "retrieve": AUTHENTICATED, "create": Role.SUPERVISOR, ...}
        create_data = {"name": "Gate"}
        ...
"""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse
from rest_framework.renderers import JSONRenderer
from rest_framework.serializers import BaseSerializer

from config.roles import Role

AUTHENTICATED = "authenticated"
"""Any logged-in user, with or without a role."""

# Lowest first; AUTHENTICATED is a user in no role group.
_LADDER = [AUTHENTICATED, Role.OPERATOR, Role.SUPERVISOR, Role.MANAGEMENT]
_user_numbers = itertools.count(1)


def make_user(role: str) -> Any:
    """A user holding exactly `role` (AUTHENTICATED: no role group).

    Built through the configured user model's `create_user` and the role's group (config.roles), so
    this ground floor depends on no app; the groups come from the apps' `0002_roles` migrations.
    """
    user = get_user_model().objects.create_user(
        username=f"role-{next(_user_numbers)}-{uuid.uuid4().hex[:8]}", password=None
    )
    if role != AUTHENTICATED:
        user.groups.add(Group.objects.get(name=role))
    return user


def role_below(role: str) -> str | None:
    """The role just under `role`, or None when every authenticated user qualifies."""
    index = _LADDER.index(role)
    return _LADDER[index - 1] if index > 0 else None


def assert_instance_equal(
    response: Any, instance: models.Model, serializer_class: type[BaseSerializer] | None = None
) -> None:
    """The answer equals `instance` (re-read from the database) as a serializer declares it: the
    answering view's response serializer unless `serializer_class` names another. Whatever path
    built the answer (rows, planned serializers, a service's object), it must say what is stored."""
    view = response.renderer_context["view"]
    fresh = type(instance)._default_manager.get(pk=instance.pk)
    if serializer_class is not None:
        serializer = serializer_class(fresh, context=view.get_serializer_context())
    elif hasattr(view, "get_response_serializer"):
        serializer = view.get_response_serializer(fresh)
    else:
        serializer = view.get_serializer(fresh)
    expected = json.loads(JSONRenderer().render(serializer.data))
    answer = response.json()
    assert answer == expected, f"answer {answer!r} != stored object {expected!r}"


def assert_sent_values_kept(answer: dict[str, Any], sent: dict[str, Any]) -> None:
    """Each plain value sent under a name the answer also carries is answered back unchanged (a
    decimal sent as text may come back as text): the write kept what it was given."""
    for name, value in sent.items():
        if name not in answer or not isinstance(value, str | int | float | bool):
            continue
        got = answer[name]
        assert got == value or (isinstance(value, str) and str(got) == value), (
            f"{name}: sent {value!r}, answered {got!r}"
        )


class _Base:
    basename: ClassVar[str] = ""
    model: ClassVar[type[models.Model]]
    roles: ClassVar[dict[str, str]] = {}
    lookup_kwarg: ClassVar[str] = "pk"
    request_format: ClassVar[str | None] = None  # "json" for nested bodies; None: the client's default

    def item_pk(self, item: dict) -> Any:
        """The primary key of one answered object (override when the API renames `id`)."""
        return item["id"]

    def history_entry(self, pk: Any, action: str, actor: Any) -> bool | None:
        """Whether the app's change history holds `action` ("create", "update", "destroy" or a
        custom action's name) on the object `pk` by `actor`; None where it keeps none for it."""
        return None

    def assert_history(self, pk: Any, action: str, actor: Any) -> None:
        found = self.history_entry(pk, action, actor)
        assert found is None or found, f"no {action} history entry for {pk!r} by {actor!r}"

    def user_client(self, auth_client, action: str) -> tuple[Any, Any]:
        """(user, client) at the lowest role allowed for `action`."""
        user = make_user(self.roles[action])
        return user, auth_client(user)

    def make_object(self) -> models.Model:
        raise NotImplementedError("declare make_object() to create one row for detail tests")

    def lookup(self, obj: models.Model) -> Any:
        return obj.pk

    def list_url(self) -> str:
        return reverse(f"{self.basename}-list")

    def detail_url(self, obj: models.Model) -> str:
        return reverse(f"{self.basename}-detail", kwargs={self.lookup_kwarg: self.lookup(obj)})

    def client_for(self, auth_client, action: str):
        """A client at the lowest role allowed for `action`."""
        return auth_client(make_user(self.roles[action]))

    def below(self, auth_client, action: str) -> tuple[Any, bool]:
        """(client, refused): a client just under the lowest role, which must get 403; where every
        authenticated user is allowed, a user in no role group, which must be allowed."""
        lower = role_below(self.roles[action])
        if lower is None:
            return auth_client(make_user(AUTHENTICATED)), False
        return auth_client(make_user(lower)), True


class _List(_Base):
    def test_list_needs_authentication(self, db, api_client) -> None:
        assert api_client.get(self.list_url()).status_code == 401

    def test_list_at_lowest_role(self, db, auth_client) -> None:
        obj = self.make_object()
        response = self.client_for(auth_client, "list").get(self.list_url())
        assert response.status_code == 200, response.content
        assert response["X-Total-Count"] == str(self.model.objects.count())
        assert str(obj.pk) in [str(self.item_pk(item)) for item in response.json()]

    def test_list_below_lowest_role_is_403(self, db, auth_client) -> None:
        client, refused = self.below(auth_client, "list")
        assert client.get(self.list_url()).status_code == (403 if refused else 200)


class _Retrieve(_Base):
    def test_retrieve_needs_authentication(self, db, api_client) -> None:
        assert api_client.get(self.detail_url(self.make_object())).status_code == 401

    def test_retrieve_at_lowest_role(self, db, auth_client) -> None:
        obj = self.make_object()
        response = self.client_for(auth_client, "retrieve").get(self.detail_url(obj))
        assert response.status_code == 200, response.content
        assert_instance_equal(response, obj)

    def test_retrieve_below_lowest_role_is_403(self, db, auth_client) -> None:
        client, refused = self.below(auth_client, "retrieve")
        assert client.get(self.detail_url(self.make_object())).status_code == (403 if refused else 200)


class _Create(_Base):
    create_status: ClassVar[int] = 201

    def create_data(self) -> dict[str, Any]:
        raise NotImplementedError("declare create_data()")

    def test_create_needs_authentication(self, db, api_client) -> None:
        before = self.model.objects.count()
        assert (
            api_client.post(self.list_url(), self.create_data(), format=self.request_format).status_code
            == 401
        )
        assert self.model.objects.count() == before

    def created_pk(self, response: Any) -> Any:
        """The primary key of the object a create answered."""
        return self.item_pk(response.json())

    def test_create_at_lowest_role(self, db, auth_client) -> None:
        user, client = self.user_client(auth_client, "create")
        before = self.model.objects.count()
        data = self.create_data()
        response = client.post(self.list_url(), data, format=self.request_format)
        assert response.status_code == self.create_status, response.content
        assert self.model.objects.count() == before + 1
        pk = self.created_pk(response)
        assert_instance_equal(response, self.model.objects.get(pk=pk))
        assert_sent_values_kept(response.json(), data)
        self.assert_history(pk, "create", user)

    def test_create_below_lowest_role_is_403(self, db, auth_client) -> None:
        client, refused = self.below(auth_client, "create")
        before = self.model.objects.count()
        response = client.post(self.list_url(), self.create_data(), format=self.request_format)
        assert response.status_code == (403 if refused else self.create_status)
        assert self.model.objects.count() == (before if refused else before + 1)


class _Update(_Base):
    update_method: ClassVar[str] = "patch"

    def update_data(self, obj: models.Model) -> dict[str, Any]:
        raise NotImplementedError("declare update_data(obj)")

    def _send(self, client, obj: models.Model, data: dict[str, Any] | None = None):
        send = getattr(client, self.update_method)
        data = self.update_data(obj) if data is None else data
        return send(self.detail_url(obj), data, format=self.request_format)

    def test_update_needs_authentication(self, db, api_client) -> None:
        assert self._send(api_client, self.make_object()).status_code == 401

    def test_update_at_lowest_role(self, db, auth_client) -> None:
        obj = self.make_object()
        user, client = self.user_client(auth_client, "update")
        data = self.update_data(obj)
        response = self._send(client, obj, data)
        assert response.status_code == 200, response.content
        assert_instance_equal(response, obj)
        assert_sent_values_kept(response.json(), data)
        self.assert_history(obj.pk, "update", user)

    def test_update_below_lowest_role_is_403_and_changes_nothing(self, db, auth_client) -> None:
        client, refused = self.below(auth_client, "update")
        obj = self.make_object()
        before = self.model.objects.filter(pk=obj.pk).values().get()
        response = self._send(client, obj)
        assert response.status_code == (403 if refused else 200)
        if refused:
            assert self.model.objects.filter(pk=obj.pk).values().get() == before


class _Delete(_Base):
    delete_status: ClassVar[int] = 204

    def test_delete_needs_authentication(self, db, api_client) -> None:
        obj = self.make_object()
        assert api_client.delete(self.detail_url(obj)).status_code == 401
        assert self.model.objects.filter(pk=obj.pk).exists()

    def test_delete_at_lowest_role(self, db, auth_client) -> None:
        obj = self.make_object()
        user, client = self.user_client(auth_client, "destroy")
        response = client.delete(self.detail_url(obj))
        assert response.status_code == self.delete_status, response.content
        assert not self.model.objects.filter(pk=obj.pk).exists()
        self.assert_history(obj.pk, "destroy", user)

    def test_delete_below_lowest_role_is_403(self, db, auth_client) -> None:
        client, refused = self.below(auth_client, "destroy")
        obj = self.make_object()
        response = client.delete(self.detail_url(obj))
        assert response.status_code == (403 if refused else self.delete_status)
        assert self.model.objects.filter(pk=obj.pk).exists() == refused


class _Action(_Base):
    """A custom action on one object (a status change, a workflow step), routed as
    `<basename>-<action_name>`; `roles[action_name]` is its lowest role. `action_serializer`, when
    set, is what the answer must equal on the stored object (None: the answer is not the object)."""

    action_name: ClassVar[str] = ""
    action_method: ClassVar[str] = "post"
    action_status: ClassVar[int] = 200
    action_serializer: ClassVar[type[BaseSerializer] | None] = None

    def action_data(self, obj: models.Model) -> dict[str, Any]:
        return {}

    def action_url(self, obj: models.Model) -> str:
        return reverse(f"{self.basename}-{self.action_name}", kwargs={self.lookup_kwarg: self.lookup(obj)})

    def _act(self, client, obj: models.Model):
        send = getattr(client, self.action_method)
        return send(self.action_url(obj), self.action_data(obj), format="json")

    def _stored(self, obj: models.Model) -> dict[str, Any]:
        return self.model.objects.filter(pk=obj.pk).values().get()

    def test_action_needs_authentication(self, db, api_client) -> None:
        obj = self.make_object()
        before = self._stored(obj)
        assert self._act(api_client, obj).status_code == 401
        assert self._stored(obj) == before

    def test_action_at_lowest_role(self, db, auth_client) -> None:
        obj = self.make_object()
        user, client = self.user_client(auth_client, self.action_name)
        response = self._act(client, obj)
        assert response.status_code == self.action_status, response.content
        if self.action_serializer is not None:
            assert_instance_equal(response, obj, self.action_serializer)
        self.assert_history(obj.pk, self.action_name, user)

    def test_action_below_lowest_role_is_403_and_changes_nothing(self, db, auth_client) -> None:
        client, refused = self.below(auth_client, self.action_name)
        obj = self.make_object()
        before = self._stored(obj)
        response = self._act(client, obj)
        assert response.status_code == (403 if refused else self.action_status)
        if refused:
            assert self._stored(obj) == before


class APIViewTestCases:
    """Mix the pieces an endpoint has; `ReadWrite` is all five; `Action` is one custom action."""

    List = _List
    Retrieve = _Retrieve
    Create = _Create
    Update = _Update
    Delete = _Delete
    Action = _Action

    class ReadOnly(_List, _Retrieve):
        pass

    class ReadWrite(_List, _Retrieve, _Create, _Update, _Delete):
        pass


def run_threads(count: int, target: Any) -> list:
    """Run `target(index)` in `count` threads released together (a barrier), each closing its own
    database connection; return the results in index order and re-raise the first failure."""
    import threading

    from django.db import connection

    results: list = [None] * count
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def runner(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = target(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    if errors:
        raise errors[0]
    return results
