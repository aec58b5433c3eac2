from __future__ import annotations

import re

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from config.roles import ROLE_RANK

# Indonesian numbers: 08... or +62..., digits only, 9-15 digits in all (the "+" is not a digit).
PHONE_RE = re.compile(r"^(?:08[0-9]{7,13}|\+62[0-9]{7,13})$")
PHONE_MESSAGE = "Nomor telepon tidak valid: gunakan 08... atau +62..., hanya angka, 9-15 digit."


def validate_phone(value: str) -> None:
    """One phone rule for the API and the admin form (both go through this validator)."""
    if value and not PHONE_RE.match(value):
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")


class Position(models.Model):
    """A job title (jabatan) that staff records point to."""

    name = models.CharField("nama jabatan", max_length=100)
    description = models.TextField("deskripsi", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "position (jabatan)"
        verbose_name_plural = "positions (jabatan)"

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person in the organisation; may or may not be able to log in (unusable password)."""

    email = models.EmailField("email address", blank=True)
    full_name = models.CharField(max_length=150, blank=True)
    factory_id = models.CharField(max_length=64, blank=True)
    department = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=20, blank=True, validators=[validate_phone])
    address = models.TextField(blank=True)
    position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="staff_user_username_ci_unique",
                violation_error_message="User with this username already exists.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="staff_user_email_ci_unique",
                violation_error_message="User with this email already exists.",
            ),
        ]
        permissions = [
            ("view_personal_data", "Can view staff personal data (address, phone)"),
            ("assign_role", "Can assign roles to users"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def role(self) -> str | None:
        """The highest role group the user is in (uses prefetched groups when present)."""
        names = {group.name for group in self.groups.all()}
        for role in ROLE_RANK:
            if role in names:
                return str(role)
        return None


class AccessOutstandingToken(OutstandingToken):
    """simplejwt's issued refresh tokens, shown in the admin beside the users they belong to."""

    class Meta:
        proxy = True
        verbose_name = "issued refresh token"
        verbose_name_plural = "issued refresh tokens"


class AccessBlacklistedToken(BlacklistedToken):
    """simplejwt's revoked refresh tokens, shown in the admin beside the users they belong to."""

    class Meta:
        proxy = True
        verbose_name = "revoked refresh token"
        verbose_name_plural = "revoked refresh tokens"
