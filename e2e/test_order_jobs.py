"""A service order's day in a real browser: the Operator creates it with two lines (parts found by
autocomplete, labelled with their stock) and a photo; the Supervisor starts and completes it from its
page (screenshots: test-artifacts/browser)."""

from __future__ import annotations

import struct
import zlib

import pytest

from config.roles import Role
from staff.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def tiny_png() -> bytes:
    """A real 4 by 4 pixel PNG (the upload is sniffed, not trusted by its name)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xcc\x44\x22" * 4 for _ in range(4))
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def choose_part(page, row: int, term: str) -> str:
    """Type `term` into the row's part autocomplete and take the first match; its label."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page.click(f"#items-{row} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", term)

    def answered(driver):  # the search's own answer, not the list shown before typing
        found = driver.find_elements(By.CSS_SELECTOR, ".select2-results__option--highlighted")
        return found[0] if found and term.lower() in found[0].text.lower() else False

    option = WebDriverWait(page.driver, 10).until(answered)
    label = option.text
    page.shot(f"part-{row}")
    option.click()
    return label


def test_operator_orders_two_parts_with_a_photo_and_the_supervisor_completes_it(page, tmp_path):
    from maintenance.models import ServiceOrder, SparePart
    from maintenance.tests.factories import SparePartFactory

    bolt = SparePartFactory(name="Hex bolt", sku="BLT-STL-M8-50", stock=40, price="0.50")
    SparePartFactory(name="Hydraulic filter", sku="FLT-PAP-10UM-200", stock=5, price="24.60")
    UserFactory(username="op", role=Role.OPERATOR, is_staff=True)
    UserFactory(username="sup", role=Role.SUPERVISOR, is_staff=True)
    photo = tmp_path / "pump.png"
    photo.write_bytes(tiny_png())

    page.login("op", TEST_PASSWORD)
    page.get("/admin/maintenance/serviceorder/add/")
    assert choose_part(page, 0, "BLT") == "BLT-STL-M8-50 · Hex bolt · 40 in stock"
    page.fill("input[name=items-0-quantity]", "4")
    assert choose_part(page, 1, "Hydraulic") == "FLT-PAP-10UM-200 · Hydraulic filter · 5 in stock"
    page.fill("input[name=items-1-quantity]", "1")
    page.find("input[name=images-0-file]").send_keys(str(photo))
    page.shot("filled")
    page.submit("input[name=_continue]")
    page.find(".messagelist")
    page.shot("created")
    order = ServiceOrder.objects.get()
    assert (order.created_by.username, order.status, order.items.count(), order.images.count()) == (
        "op",
        "pending",
        2,
        1,
    )
    assert SparePart.objects.get(pk=bolt.pk).stock == 36
    assert not page.find_all("form.order-transitions")  # an Operator has no lifecycle buttons

    page.logout()
    page.login("sup", TEST_PASSWORD)
    page.get(f"/admin/maintenance/serviceorder/{order.pk}/change/")
    page.shot("supervisor-opens")
    page.navigate("form.order-transitions button[value=in_progress]")
    assert f"Order {order.pk} is now in progress." in page.find(".messagelist").text
    page.navigate("form.order-transitions button[value=completed]")
    assert f"Order {order.pk} is now completed." in page.find(".messagelist").text
    page.shot("completed")
    order.refresh_from_db()
    assert order.status == "completed"
    assert not page.find_all("form.order-transitions button")  # nothing left to move it to
