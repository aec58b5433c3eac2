"""Service orders in the admin, role by role: an Operator creates one with lines and photos through
the API's services; a Supervisor moves it from its page; refusals come back on the form."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from maintenance import services
from maintenance.models import AuditLog, IdempotencyRecord, ServiceOrder, ServiceOrderImage
from maintenance.tests.conftest import JPEG, PNG, upload
from maintenance.tests.factories import SparePartFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:maintenance_serviceorder_add")
LIST_URL = reverse("admin:maintenance_serviceorder_changelist")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def order_form(lines, *, request_id: int = 4242, photos=()) -> dict:
    """The add form's POST: lines as (part, quantity) pairs, photos as uploads."""
    data = {
        "request_id": str(request_id),
        "items-TOTAL_FORMS": str(len(lines)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
        "images-TOTAL_FORMS": str(len(photos)),
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for i, (part, quantity) in enumerate(lines):
        data[f"items-{i}-spare_part"] = str(part.pk)
        data[f"items-{i}-quantity"] = str(quantity)
    for i, photo in enumerate(photos):
        data[f"images-{i}-file"] = photo
    return data


@pytest.fixture
def bolt(db):
    return SparePartFactory(name="Hex bolt", sku="BLT-STL-M8-50", price="0.50", stock=10)


@pytest.fixture
def nut(db):
    return SparePartFactory(name="Nut", sku="NUT-STL-M8-00", price="0.20", stock=3)


def with_admin_access(user):
    """The role as Management gives it in the admin: with admin access (`is_staff`)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def operator_admin(admin_client_as, operator):
    return admin_client_as(with_admin_access(operator))


@pytest.fixture
def supervisor_admin(admin_client_as, supervisor):
    return admin_client_as(with_admin_access(supervisor))


# --- Operator: create an order with lines and a photo -------------------------------------------------
def test_operator_gets_the_add_form_with_lines_photos_and_a_fresh_request_id(operator_admin):
    assert 'href="/admin/maintenance/serviceorder/add/"' in operator_admin.get(LIST_URL).text
    response = operator_admin.get(ADD_URL)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert int(form["request_id"].value()) > 0
    assert 'name="items-0-spare_part"' in response.text and "admin-autocomplete" in response.text
    assert 'name="images-0-file"' in response.text
    # Another visit prefills another request id: each opened form is its own order.
    again = operator_admin.get(ADD_URL).context["adminform"].form["request_id"].value()
    assert again != form["request_id"].value()


def test_operator_creates_an_order_with_two_lines_and_a_photo(
    operator_admin, operator, bolt, nut, fs_storage
):
    data = order_form([(bolt, 4), (nut, 3)], photos=[upload(PNG, "pump.png", "text/html")])
    response = operator_admin.post(ADD_URL, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    order = ServiceOrder.objects.get()
    assert (order.request_id, order.created_by, order.status, str(order.total)) == (
        4242,
        operator,
        "pending",
        "2.60",
    )
    assert sorted(order.items.values_list("spare_part__sku", "quantity")) == [
        ("BLT-STL-M8-50", 4),
        ("NUT-STL-M8-00", 3),
    ]
    bolt.refresh_from_db()
    nut.refresh_from_db()
    assert (bolt.stock, nut.stock) == (6, 0)
    # The image was sniffed (PNG whatever the declared type) and stored under the order.
    image = ServiceOrderImage.objects.get()
    assert (image.order, image.content_type, image.file_name) == (order, "image/png", "pump.png")
    assert image.file.name.startswith(f"orders/{order.pk}/") and default_storage.exists(image.file.name)
    assert IdempotencyRecord.objects.filter(order=order, created_by=operator).exists()
    actions = set(AuditLog.objects.filter(actor=operator).values_list("entity", "action"))
    assert {
        ("service_order", "create"),
        ("service_order_image", "create"),
        ("spare_part", "update"),
    } <= actions


def test_submitting_the_same_form_again_makes_no_second_order(operator_admin, bolt, fs_storage):
    data = order_form([(bolt, 2)], photos=[upload(JPEG, "a.jpg")])
    assert operator_admin.post(ADD_URL, data).status_code == 302
    again = order_form([(bolt, 2)], photos=[upload(JPEG, "a.jpg")])
    response = operator_admin.post(ADD_URL, again)
    assert response.status_code == 302
    assert any("nothing was ordered twice" in m for m in messages_of(response))
    bolt.refresh_from_db()
    assert (ServiceOrder.objects.count(), ServiceOrderImage.objects.count(), bolt.stock) == (1, 1, 8)


def test_short_stock_keeps_the_typed_lines_and_says_why_above_them(operator_admin, bolt, nut, fs_storage):
    response = operator_admin.post(ADD_URL, order_form([(bolt, 2), (nut, 5)], photos=[upload(PNG)]))
    assert response.status_code == 200
    lines = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "items")
    assert lines.formset.non_form_errors() == [
        "Insufficient stock for 'Nut' (SKU: NUT-STL-M8-00). Available: 3, Requested: 5"
    ]
    assert [(f["spare_part"].value(), f["quantity"].value()) for f in lines.formset.forms] == [
        (str(bolt.pk), "2"),
        (str(nut.pk), "5"),
    ]
    assert response.context["adminform"].form["request_id"].value() == "4242"
    bolt.refresh_from_db()
    assert (ServiceOrder.objects.count(), ServiceOrderImage.objects.count(), bolt.stock) == (0, 0, 10)
    assert not IdempotencyRecord.objects.exists()


def test_a_file_that_is_no_image_refuses_the_whole_order(operator_admin, bolt, fs_storage):
    photos = [upload(PNG, "ok.png"), upload(b"<html>not an image</html>", "evil.png")]
    response = operator_admin.post(ADD_URL, order_form([(bolt, 1)], photos=photos))
    assert response.status_code == 200
    images = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "images")
    assert images.formset.non_form_errors() == [
        "Invalid file type. Allowed: image/jpeg, image/png, image/webp"
    ]
    bolt.refresh_from_db()
    assert (ServiceOrder.objects.count(), ServiceOrderImage.objects.count(), bolt.stock) == (0, 0, 10)
    # The photo stored before the refusal is removed again.
    assert not list(fs_storage.rglob("*.png"))


def test_a_photo_over_the_size_limit_is_refused(operator_admin, bolt, fs_storage, settings):
    settings.MAINTENANCE_IMAGE_MAX_BYTES = 32
    response = operator_admin.post(ADD_URL, order_form([(bolt, 1)], photos=[upload(PNG)]))
    images = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "images")
    assert images.formset.non_form_errors() == ["Image too large: the limit is 32 bytes"]
    assert not ServiceOrder.objects.exists()


def test_an_order_needs_a_line(operator_admin):
    response = operator_admin.post(ADD_URL, order_form([]))
    assert response.status_code == 200
    assert "Please submit at least 1 form." in response.text
    assert not ServiceOrder.objects.exists()


def test_the_part_autocomplete_says_how_many_are_left(operator_admin, bolt):
    response = operator_admin.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "maintenance",
            "model_name": "serviceorderitem",
            "field_name": "spare_part",
            "term": "BLT",
        },
    )
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": str(bolt.pk), "text": "BLT-STL-M8-50 · Hex bolt · 10 in stock"}
    ]


def test_a_role_less_staff_member_may_not_add_orders(admin_client_as, reader):
    reader.is_staff = True
    reader.save()
    response = admin_client_as(reader).get(ADD_URL)
    assert response.status_code == 403
    assert "Facility Operations" in response.text and "Permission denied" in response.text


# --- Operator: their own orders, photos on an existing order --------------------------------------------
def test_an_operators_list_opens_on_their_own_orders(operator_admin, operator, supervisor, bolt):
    mine = services.order_create(
        request_id=1, items=[{"spare_part_id": bolt.pk, "quantity": 1}], actor=operator
    )
    theirs = services.order_create(
        request_id=2, items=[{"spare_part_id": bolt.pk, "quantity": 1}], actor=supervisor
    )
    shown = operator_admin.get(LIST_URL)
    assert shown.status_code == 200
    assert list(shown.context["cl"].result_list) == [mine.order]
    # Another filter keeps "Me"; the filter's "All" (and any link with its own filters) shows everyone's.
    assert 'href="?created=mine&amp;status__exact=pending"' in shown.text
    everyone = operator_admin.get(LIST_URL, {"status__exact": "pending"}).context["cl"].result_list
    assert set(everyone) == {mine.order, theirs.order}


def test_a_supervisors_list_shows_every_order(supervisor_admin, operator, bolt):
    made = services.order_create(
        request_id=1, items=[{"spare_part_id": bolt.pk, "quantity": 1}], actor=operator
    )
    assert list(supervisor_admin.get(LIST_URL).context["cl"].result_list) == [made.order]


def test_orders_are_searched_by_part_and_by_creator(supervisor_admin, operator, supervisor, bolt, nut):
    by_op = services.order_create(
        request_id=1, items=[{"spare_part_id": bolt.pk, "quantity": 1}], actor=operator
    )
    by_sup = services.order_create(
        request_id=2, items=[{"spare_part_id": nut.pk, "quantity": 1}], actor=supervisor
    )

    def found(term: str) -> set:
        return set(supervisor_admin.get(LIST_URL, {"q": term}).context["cl"].result_list)

    assert found("NUT-STL") == {by_sup.order}
    assert found("hex bolt") == {by_op.order}
    assert found(operator.username) == {by_op.order}
    assert found(str(by_sup.order.pk)) >= {by_sup.order}


def test_operator_attaches_a_photo_to_an_existing_order(operator_admin, operator, bolt, fs_storage):
    order = services.order_create(
        request_id=7, items=[{"spare_part_id": bolt.pk, "quantity": 1}], actor=operator
    ).order
    url = reverse("admin:maintenance_serviceorder_change", args=[order.pk])
    page = operator_admin.get(url)
    assert page.status_code == 200
    # No lifecycle buttons, no audit trail and no link to the user's page, which an Operator can't open.
    assert "order-transitions" not in page.text and "audit trail" not in page.text.lower()
    assert reverse("admin:staff_user_change", args=[operator.pk]) not in page.text
    assert "in stock now" in page.text.lower()
    data = {
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "1",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-id": str(order.items.get().pk),
        "items-0-order": str(order.pk),
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "images-0-file": upload(PNG, "later.png"),
        "_save": "Save",
    }
    response = operator_admin.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    image = ServiceOrderImage.objects.get()
    assert (image.order_id, image.file_name) == (order.pk, "later.png")
    order.refresh_from_db()
    assert order.status == "pending"


# --- Supervisor: the lifecycle from the order's page ----------------------------------------------------
def transition_url(order: ServiceOrder) -> str:
    return reverse("admin:maintenance_serviceorder_transition", args=[order.pk])


def test_supervisor_sees_the_buttons_its_status_allows(supervisor_admin, order):
    page = supervisor_admin.get(reverse("admin:maintenance_serviceorder_change", args=[order.pk]))
    assert page.context["transitions"] == [
        ("in_progress", "Start (→ in progress)"),
        ("cancelled", "Cancel (stock goes back)"),
    ]
    assert f'action="{transition_url(order)}"' in page.text and 'value="in_progress"' in page.text
    assert 'value="completed"' not in page.text


def test_supervisor_starts_then_completes_an_order_from_its_page(supervisor_admin, supervisor, order):
    response = supervisor_admin.post(transition_url(order), {"status": "in_progress"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:maintenance_serviceorder_change", args=[order.pk])
    assert messages_of(response) == [f"Order {order.pk} is now in progress."]
    page = supervisor_admin.get(response["Location"])
    assert [value for value, _ in page.context["transitions"]] == ["completed", "cancelled"]
    supervisor_admin.post(transition_url(order), {"status": "completed"})
    order.refresh_from_db()
    assert order.status == "completed"
    row = AuditLog.objects.filter(entity="service_order", action="update").latest("id")
    assert (row.actor, row.changes) == (supervisor, {"status": ["in_progress", "completed"]})


def test_a_transition_its_status_does_not_allow_is_a_message(supervisor_admin, order):
    response = supervisor_admin.post(transition_url(order), {"status": "completed"})
    assert response.status_code == 302
    assert messages_of(response) == ["Not changed: Cannot change order status from 'pending' to 'completed'"]
    response = supervisor_admin.post(transition_url(order), {"status": "bogus"})
    assert messages_of(response)[0].startswith("Not changed:")
    order.refresh_from_db()
    assert order.status == "pending"


def test_cancelling_from_the_page_puts_the_stock_back(supervisor_admin, order, part):
    supervisor_admin.post(transition_url(order), {"status": "cancelled"})
    part.refresh_from_db()
    assert part.stock == 10


def test_the_transition_url_takes_only_a_post_with_its_csrf_token(admin_client_as, supervisor, order):
    client = Client(enforce_csrf_checks=True)
    client.force_login(with_admin_access(supervisor))
    assert client.get(transition_url(order)).status_code == 405
    refused = client.post(transition_url(order), {"status": "in_progress"})
    assert refused.status_code == 403
    assert "Facility Operations" in refused.text and "This form has expired" in refused.text
    page = client.get(reverse("admin:maintenance_serviceorder_change", args=[order.pk]))
    token = page.context["csrf_token"]
    response = client.post(
        transition_url(order), {"status": "in_progress", "csrfmiddlewaretoken": str(token)}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "in_progress"


def test_an_operator_may_not_move_an_order(operator_admin, order):
    response = operator_admin.post(transition_url(order), {"status": "cancelled"})
    assert response.status_code == 403
    assert "Facility Operations" in response.text
    assert "Moving an order through its lifecycle needs the Supervisor role." in response.text
    order.refresh_from_db()
    assert order.status == "pending"


def test_an_unknown_order_redirects_with_a_message(supervisor_admin):
    response = supervisor_admin.post(
        reverse("admin:maintenance_serviceorder_transition", args=[987654]), {"status": "cancelled"}
    )
    assert response.status_code == 302
    assert any("with ID “987654” doesn\u2019t exist" in m for m in messages_of(response))


def test_the_list_says_what_each_order_is_for_in_one_query_for_the_page(
    supervisor_admin, operator, bolt, nut, django_assert_max_num_queries
):
    nut.stock = 10
    nut.save()
    for request_id in range(1, 6):
        services.order_create(
            request_id=request_id,
            items=[{"spare_part_id": bolt.pk, "quantity": 1}, {"spare_part_id": nut.pk, "quantity": 1}],
            actor=operator,
        )
    supervisor_admin.get(LIST_URL)  # warm the session and permission caches
    with django_assert_max_num_queries(10):  # the same for 5 orders as for 1: no query per row
        page = supervisor_admin.get(LIST_URL)
    assert page.text.count("BLT-STL-M8-50 \u00d71, NUT-STL-M8-00 \u00d71") == 5
