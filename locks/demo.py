"""Demo devices for `manage.py seed_demo`, including the lock the specification's examples use."""

from __future__ import annotations

import uuid

from locks import selectors, services
from locks.choices import LockStatus

DEMO_DEVICES = [
    (
        "d56e6e42-bf24-4c5b-9085-6a5d4d28e5f1",
        "Main Door Lock",
        "smart-lock",
        "Building A, entrance",
        "locked",
    ),
    (
        "0b6f3a55-3c4e-4f0a-9a57-1d2f6c7e8a01",
        "Server Room Lock",
        "smart-lock",
        "Building A, floor 2",
        "locked",
    ),
    ("5c1d9e7b-2a8f-4b63-8d40-9e3f7a6b5c02", "Warehouse Gate", "gate-lock", "Warehouse 1", "unlocked"),
    ("9a4e2c6d-7b1f-4e85-a3d9-0c8b5f2e4d03", "Lab Door", "smart-lock", "Building B, lab 3", "jammed"),
]


def load(stdout) -> None:
    """Idempotent: devices that exist (by id) are left exactly as they are."""
    existing = selectors.device_existing_ids(ids=[d[0] for d in DEMO_DEVICES])
    for device_id, name, device_type, location, status in DEMO_DEVICES:
        if device_id in existing:
            continue
        services.device_create(
            id=uuid.UUID(device_id),
            name=name,
            type=device_type,
            location=location,
            status=LockStatus(status),
            actor=None,
        )
        stdout.write(f"  created device {name} ({device_id})")
