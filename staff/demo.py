"""Demo data for `manage.py seed_demo`: one superuser and one user per role."""

from __future__ import annotations

from django.conf import settings

from config.roles import Role
from staff.auth.services import user_register
from staff.models import Position, User
from staff.records.services import user_set_role

DEMO_USERS = [
    ("operator1", "operator1@example.com", Role.OPERATOR, "Operator"),
    ("supervisor1", "supervisor1@example.com", Role.SUPERVISOR, "Shift Supervisor"),
    ("manager1", "manager1@example.com", Role.MANAGEMENT, "Plant Manager"),
]


def load(stdout) -> None:
    """Idempotent: existing demo users keep their data and their role, only missing ones are created."""
    password = settings.DEMO_PASSWORD
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.com", password)
        stdout.write("  created superuser admin")
    for username, email, role, title in DEMO_USERS:
        position, _ = Position.objects.get_or_create(name=title)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_register(
                username=username,
                email=email,
                password=password,
                factory_id="F1",
                department="Ops",
                actor=None,
            )
            # An assigned role carries admin access: every demo role can log into the admin. Only
            # when the user is created: a role Management changed since is never reset.
            user_set_role(user=user, role=role, actor=None)
            stdout.write(f"  created {username} ({role})")
        if user.position_id is None:
            User.objects.filter(pk=user.pk).update(position=position, full_name=username.title())
