"""Spare-part categories: create, update and delete, each audited; a name is unique."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from config.services import UNSET, Actor, sent
from maintenance import selectors
from maintenance.choices import AuditEntity
from maintenance.exceptions import CategoryDuplicate, CategoryInUse, CategoryNotFound
from maintenance.models import Category
from maintenance.services.audit import (
    audit_created,
    delete_audited,
    update_audited,
)
from maintenance.services.parts_cache import parts_changed

CATEGORY_FIELDS = ("name", "description")


def category_create(*, name: str, description: str = "", actor: Actor) -> Category:
    """Create a category; a duplicate name (also when two creates race) is a 400 naming it."""
    category = Category(name=name, description=description or "")
    category.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            category.save()
            audit_created(category, fields=CATEGORY_FIELDS, entity=AuditEntity.CATEGORY, actor=actor)
    except IntegrityError:
        # The unique index decided: another category has this name (perhaps created a moment ago).
        raise CategoryDuplicate(name) from None
    return category


def category_update(
    *, category: Category, actor: Actor, name: str = UNSET, description: str = UNSET
) -> Category:
    """Change a category's name and/or description (config.services.UNSET: leave as is)."""
    data = sent(name=name, description=description)
    try:
        return update_audited(
            category,
            data,
            actor=actor,
            entity=AuditEntity.CATEGORY,
            not_found=lambda: CategoryNotFound.for_id(category.pk),
            on_change=parts_changed,
        )
    except IntegrityError:
        raise CategoryDuplicate(data.get("name", "")) from None


def category_delete(*, category: Category, actor: Actor) -> None:
    """Delete a category no part uses; one that parts use is a 409 saying how many."""
    delete_audited(
        category,
        actor=actor,
        fields=CATEGORY_FIELDS,
        entity=AuditEntity.CATEGORY,
        references=selectors.category_parts(category_id=category.pk),
        in_use=lambda current, count: CategoryInUse(current.name, count),
        not_found=lambda: CategoryNotFound.for_id(category.pk),
        on_change=parts_changed,
    )
