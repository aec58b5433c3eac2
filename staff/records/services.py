"""Staff records (a `User` row per person, login-capable or not), roles, the personal-data rule, and
the job titles (jabatan, `Position`) the records point to."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.text import slugify
from django.utils.translation import gettext

from config import history
from config.roles import Role
from config.services import UNSET, Actor, actor_id, model_update
from staff.exceptions import (
    InvalidPosition,
    PositionInUse,
    RoleForbidden,
    SuperuserProtected,
    UserDuplicate,
    UserInUse,
)
from staff.models import Position, User
from staff.permissions import StaffPermissions

logger = logging.getLogger(__name__)

POSITION_FIELDS = ("name", "description")
USER_FIELDS = ("full_name", "address", "phone", "position_id", "department", "factory_id", "is_active")
_ROLE_NAMES = [str(r) for r in Role]


def user_can_view_personal_data(*, viewer: Actor, subject: User | None = None) -> bool:
    """Address and phone: for holders of `staff.view_personal_data`, and for the person themself.

    One rule for the API and the CSV export (which passes no subject: it exports many people).
    """
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.has_perm(StaffPermissions.VIEW_PERSONAL_DATA):
        return True
    return subject is not None and viewer.pk == subject.pk


def role_groups() -> list[Group]:
    """The role groups (Operator, Supervisor, Management), which only `user_set_role` hands out."""
    return list(Group.objects.filter(name__in=_ROLE_NAMES))


def role_check_actor(*, actor: Actor) -> None:
    """Only holders of `staff.assign_role` (Management, superusers) assign roles; `None` is the
    system itself (a command, the SELF_REGISTRATION_ROLE setting)."""
    if actor is not None and not actor.has_perm(StaffPermissions.ASSIGN_ROLE):
        raise RoleForbidden()


def user_set_role(*, user: User, role: str | None, actor: Actor) -> User:
    """Make `role` the user's only role group (other groups are kept); None removes every role.

    Every role uses the admin (each seeing what its permissions allow), so a role assigned here
    carries admin access (`is_staff`) and removing the role removes it. The one way a role is set:
    the API, the admin's role field, registration and the demo data all come here.
    """
    if role is not None and role not in _ROLE_NAMES:
        raise RoleForbidden(gettext("Unknown role %(role)r") % {"role": role})
    user_check_actor(user=user, actor=actor)
    role_check_actor(actor=actor)
    with transaction.atomic():
        before = user.groups.filter(name__in=_ROLE_NAMES).order_by("name").values_list("name", flat=True)
        before_role, was_staff = next(iter(before), None), user.is_staff
        user.groups.remove(*role_groups())
        if role:
            user.groups.add(Group.objects.get(name=role))
        is_staff = bool(role) or user.is_superuser
        if user.is_staff != is_staff:
            User.objects.filter(pk=user.pk).update(is_staff=is_staff)
            user.is_staff = is_staff
        changes = {"role": [before_role, role or None], "is_staff": [was_staff, is_staff]}
        changes = {field: pair for field, pair in changes.items() if pair[0] != pair[1]}
        if changes:
            history.record(user, action="set_role", actor=actor, changes=changes)
    logger.info("user %s role=%s by actor=%s", user.pk, role, actor_id(actor))
    return user


def _check_position(position_id: Any) -> int:
    if position_id is None or not Position.objects.filter(pk=position_id).exists():
        raise InvalidPosition()
    return position_id


def _username_base(full_name: str) -> str:
    return slugify(full_name).replace("-", ".")[:30].strip(".") or "staff"


def user_check_actor(*, user: User, actor: Actor) -> None:
    """Only a superuser changes a superuser: the one guard every path that changes a user calls
    (API, admin forms and actions, password form, deletes, token revocation, lockout reset), so
    Management can never take over or lock out the people above it. `None` is the system itself."""
    if actor is not None and user.is_superuser and not actor.is_superuser:
        raise SuperuserProtected()


def user_may_change(*, user: User, actor: Actor) -> bool:
    """`user_check_actor` as a yes/no, for permission hooks (the admin's has_change_permission)."""
    try:
        user_check_actor(user=user, actor=actor)
    except SuperuserProtected:
        return False
    return True


def user_create(
    *,
    full_name: str,
    position_id: int,
    address: str | None = "",
    phone: str | None = "",
    department: str = "",
    factory_id: str = "",
    is_active: bool = True,
    role: str | None = None,
    actor: Actor,
) -> User:
    """A staff record is a user that cannot log in until someone sets a password for it.

    The username is derived from the name; the unique constraint settles two creates that pick the
    same one at once, and the loser retries with a random suffix.
    """
    _check_position(position_id)
    if role is not None:
        role_check_actor(actor=actor)
    base = _username_base(full_name)
    candidate = base
    for _ in range(5):
        if not User.objects.filter(username__iexact=candidate).exists():
            user = User(
                username=candidate,
                full_name=full_name,
                address=address or "",
                phone=phone or "",
                position_id=position_id,
                department=department or "",
                factory_id=factory_id or "",
                is_active=is_active,
            )
            user.set_unusable_password()
            user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
            try:
                with transaction.atomic():
                    user.save()
                    history.record(
                        user,
                        action="create",
                        actor=actor,
                        changes=history.created_changes(user, ("username", *USER_FIELDS)),
                    )
            except IntegrityError:
                if not Position.objects.filter(pk=position_id).exists():
                    raise InvalidPosition() from None
            else:
                if role is not None:
                    user_set_role(user=user, role=role, actor=actor)
                logger.info(
                    "staff record created id=%s username=%s by actor=%s",
                    user.pk,
                    user.username,
                    actor_id(actor),
                )
                return user
        candidate = f"{base}.{secrets.token_hex(3)}"
    raise UserDuplicate(gettext("Could not pick a unique username; try again"))


def user_update(*, user: User, actor: Actor, role: str | None = UNSET, **data: Any) -> User:
    """Apply only the fields given (model field names); `role` only from holders of assign_role."""
    user_check_actor(user=user, actor=actor)
    unknown = set(data) - set(USER_FIELDS)
    if unknown:
        raise ValueError(f"not staff fields: {sorted(unknown)}")
    if role is not UNSET:
        role_check_actor(actor=actor)
    if "position_id" in data:
        _check_position(data["position_id"])
    data = {f: ("" if v is None and f != "position_id" else v) for f, v in data.items()}
    try:
        with transaction.atomic():
            before = history.snapshot(user, USER_FIELDS)
            user, changed = model_update(instance=user, fields=USER_FIELDS, data=data)
            if changed:
                changes = {field: [before[field], getattr(user, field)] for field in changed}
                history.record(user, action="update", actor=actor, changes=changes)
            if role is not UNSET:
                user_set_role(user=user, role=role, actor=actor)
    except IntegrityError:
        raise InvalidPosition() from None
    if changed:
        logger.info(
            "staff record updated id=%s fields=%s by actor=%s", user.pk, ",".join(changed), actor_id(actor)
        )
    return user


def user_delete(*, user: User, actor: Actor) -> None:
    """Delete a staff record; 409 while other records still point at it (protected references)."""
    user_check_actor(user=user, actor=actor)
    user_id = user.pk
    try:
        with transaction.atomic():
            gone = history.deleted_changes(user, ("username", *USER_FIELDS))
            user.delete()
            user.pk = user_id
            history.record(user, action="delete", actor=actor, changes=gone)
    except (ProtectedError, RestrictedError):
        raise UserInUse() from None
    logger.info("staff record deleted id=%s by actor=%s", user_id, actor_id(actor))


# --- Positions (jabatan) ---------------------------------------------------------------------------
def position_create(*, name: str, description: str | None = "", actor: Actor) -> Position:
    """Create a job title; the name is required (the serializer and admin form check its length)."""
    position = Position(name=name, description=description or "")
    position.full_clean()
    with transaction.atomic():
        position.save()
        history.record(
            position, action="create", actor=actor, changes=history.created_changes(position, POSITION_FIELDS)
        )
    logger.info("position created id=%s by actor=%s", position.pk, actor_id(actor))
    return position


def position_update(
    *, position: Position, name: str | None = None, description: str | None = None, actor: Actor
) -> Position:
    """Change the given fields only; fields passed as None stay as they are."""
    data = {"name": name, "description": description}
    before = history.snapshot(position, POSITION_FIELDS)
    with transaction.atomic():
        position, changed = model_update(
            instance=position, fields=POSITION_FIELDS, data={k: v for k, v in data.items() if v is not None}
        )
        if changed:
            changes = {field: [before[field], getattr(position, field)] for field in changed}
            history.record(position, action="update", actor=actor, changes=changes)
    if changed:
        logger.info("position updated id=%s fields=%s by actor=%s", position.pk, changed, actor_id(actor))
    return position


def position_delete(*, position: Position, actor: Actor) -> None:
    """Refuse (409) while any staff record points at the position, instead of cascading."""
    in_use = position.users.count()
    if in_use:
        raise PositionInUse(
            gettext("jabatan masih digunakan oleh %(count)s user dan tidak dapat dihapus.")
            % {"count": in_use}
        )
    position_id = position.pk
    try:
        with transaction.atomic():
            gone = history.deleted_changes(position, POSITION_FIELDS)
            position.delete()
            position.pk = position_id
            history.record(position, action="delete", actor=actor, changes=gone)
    except (ProtectedError, RestrictedError, IntegrityError):
        # A staff record was assigned between the count and the delete; the FK decided.
        raise PositionInUse() from None
    logger.info("position deleted id=%s by actor=%s", position_id, actor_id(actor))
