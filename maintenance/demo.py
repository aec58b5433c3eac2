"""Demo data for `manage.py seed_demo`: four categories, a few dozen parts (some below their minimum)
and orders in every lifecycle status, one with an image. Idempotent: what exists is left alone."""

from __future__ import annotations

import struct
import zlib
from decimal import Decimal

from django.core.files.base import ContentFile

from config.errors import DomainError
from maintenance import services
from maintenance.choices import OrderStatus
from maintenance.models import Category, ServiceOrder, ServiceOrderImage, SparePart

CATEGORIES = {
    "Fasteners": "Bolts, nuts, washers and screws",
    "Electrical": "Cables, fuses, contactors and relays",
    "Hydraulics": "Hoses, seals, fittings and valves",
    "Bearings": "Ball, roller and plain bearings",
}

# (category, name, sku, price, stock, min_stock)
PARTS = [
    ("Fasteners", "Hex bolt M8x50", "BLT-STL-M8-50", "0.35", 500, 100),
    ("Fasteners", "Hex bolt M10x60", "BLT-STL-M10-60", "0.48", 320, 100),
    ("Fasteners", "Hex bolt M12x80", "BLT-SS-M12-80", "1.20", 40, 60),
    ("Fasteners", "Hex nut M8", "NUT-STL-M8-0", "0.08", 1200, 200),
    ("Fasteners", "Hex nut M10", "NUT-STL-M10-0", "0.11", 900, 200),
    ("Fasteners", "Flat washer M8", "WSH-STL-M8-2", "0.04", 2000, 500),
    ("Fasteners", "Spring washer M10", "WSH-SPR-M10-3", "0.06", 150, 300),
    ("Fasteners", "Socket screw M6x20", "SCR-SS-M6-20", "0.22", 600, 100),
    ("Electrical", "Cable 3x2.5 mm2 (m)", "CBL-CU-2.5-100", "1.10", 800, 200),
    ("Electrical", "Cable 5x4 mm2 (m)", "CBL-CU-4-100", "2.40", 90, 150),
    ("Electrical", "Fuse 10 A gG", "FUS-CER-10A-38", "1.75", 60, 20),
    ("Electrical", "Fuse 25 A gG", "FUS-CER-25A-38", "1.95", 8, 20),
    ("Electrical", "Contactor 24 V 12 A", "CTR-PLS-12A-45", "38.50", 12, 4),
    ("Electrical", "Relay 24 V DPDT", "RLY-PLS-24V-28", "9.90", 25, 10),
    ("Electrical", "Terminal block 4 mm2", "TRM-PA-4-6", "0.65", 400, 100),
    ("Electrical", "Cable gland M20", "GLD-PA-M20-10", "0.90", 30, 50),
    ("Hydraulics", "Hose 1/2 in 2SN (m)", "HOS-RBR-12-1000", "7.80", 120, 40),
    ("Hydraulics", "Hose 3/4 in 2SN (m)", "HOS-RBR-19-1000", "11.40", 18, 40),
    ("Hydraulics", "O-ring 20x2 NBR", "ORG-NBR-20-2", "0.15", 1000, 300),
    ("Hydraulics", "O-ring 32x3 NBR", "ORG-NBR-32-3", "0.21", 250, 300),
    ("Hydraulics", "Fitting JIC 1/2 in", "FIT-STL-12-40", "4.30", 80, 30),
    ("Hydraulics", "Ball valve 1/2 in", "VLV-BRS-12-60", "18.90", 14, 10),
    ("Hydraulics", "Check valve 3/4 in", "VLV-STL-19-75", "32.00", 3, 6),
    ("Hydraulics", "Hydraulic filter 10 um", "FLT-PAP-10UM-200", "24.60", 22, 12),
    ("Bearings", "Ball bearing 6204-2RS", "BRG-STL-6204-14", "3.40", 140, 50),
    ("Bearings", "Ball bearing 6205-2RS", "BRG-STL-6205-15", "3.90", 95, 50),
    ("Bearings", "Ball bearing 6306-ZZ", "BRG-STL-6306-19", "7.20", 20, 30),
    ("Bearings", "Taper roller 30205", "BRG-STL-30205-16", "9.80", 35, 20),
    ("Bearings", "Pillow block UCP205", "BRG-CI-UCP205-36", "14.50", 9, 10),
    ("Bearings", "Needle bearing HK2016", "BRG-STL-HK2016-16", "2.10", 0, 25),
]

# (request_id, [(sku, quantity)], final status, with image)
ORDERS = [
    (900001, [("BLT-STL-M8-50", 20), ("NUT-STL-M8-0", 20)], OrderStatus.PENDING, True),
    (900002, [("BRG-STL-6204-14", 4), ("ORG-NBR-20-2", 12)], OrderStatus.IN_PROGRESS, False),
    (900003, [("CTR-PLS-12A-45", 1), ("FUS-CER-10A-38", 3)], OrderStatus.COMPLETED, False),
    (900004, [("HOS-RBR-12-1000", 5), ("FIT-STL-12-40", 4)], OrderStatus.CANCELLED, False),
    (900005, [("CBL-CU-2.5-100", 50), ("TRM-PA-4-6", 10), ("GLD-PA-M20-10", 2)], OrderStatus.PENDING, False),
]
PATH = {
    OrderStatus.PENDING: [],
    OrderStatus.IN_PROGRESS: [OrderStatus.IN_PROGRESS],
    OrderStatus.COMPLETED: [OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED],
    OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
}


def demo_png(width: int = 48, height: int = 32) -> bytes:
    """A small, valid PNG (a blue-to-orange gradient), made here so no binary lives in the repo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // width, 120, 255 - x * 255 // width)) for x in range(width))
        for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def load(stdout) -> None:
    categories = {c.name: c for c in Category.objects.filter(name__in=CATEGORIES)}
    for name, description in CATEGORIES.items():
        if name not in categories:
            categories[name] = services.category_create(name=name, description=description, actor=None)
            stdout.write(f"  created category {name}")
    parts = {p.sku: p for p in SparePart.objects.filter(sku__in=[p[2] for p in PARTS])}
    created = 0
    for category, name, sku, price, stock, min_stock in PARTS:
        if sku not in parts:
            parts[sku] = services.sparepart_create(
                name=name,
                sku=sku,
                price=Decimal(price),
                stock=stock,
                min_stock=min_stock,
                category_id=categories[category].pk,
                actor=None,
            )
            created += 1
    if created:
        stdout.write(f"  created {created} spare parts")
    existing = set(
        ServiceOrder.objects.filter(request_id__in=[o[0] for o in ORDERS]).values_list(
            "request_id", flat=True
        )
    )
    for request_id, lines, status, with_image in ORDERS:
        if request_id in existing:
            continue
        order = services.order_create(
            request_id=request_id,
            items=[{"spare_part_id": parts[sku].pk, "quantity": q} for sku, q in lines],
            actor=None,
        ).order
        for step in PATH[status]:
            order = services.order_transition(order=order, status=step, actor=None)
        stdout.write(f"  created order #{order.pk} (request {request_id}, {status})")
        if with_image and not ServiceOrderImage.objects.filter(order=order).exists():
            try:
                services.order_image_upload(
                    order_id=order.pk, upload=ContentFile(demo_png(), name="pump-housing.png"), actor=None
                )
            except DomainError as exc:
                stdout.write(f"  (order image skipped: {exc.detail})")
