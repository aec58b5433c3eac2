from __future__ import annotations

import re

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from config.locale import time_zone_choices
from config.roles import ROLE_RANK
from staff.identity import canonical_username, is_storable
from staff.permissions import StaffPermissions

# Indonesian numbers: 08... or +62..., digits only, 9-15 digits in all (the "+" is not a digit).
PHONE_RE = re.compile(r"^(?:08[0-9]{7,13}|\+62[0-9]{7,13})$")
PHONE_MESSAGE = _("Nomor telepon tidak valid: gunakan 08... atau +62..., hanya angka, 9-15 digit.")


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
        verbose_name = _("position (jabatan)")
        verbose_name_plural = _("positions (jabatan)")

    def __str__(self) -> str:
        return self.name


class StaffUserManager(UserManager):
    """Finds users by the canonical form of a typed name (staff.identity), e.g. in ModelBackend."""

    def get_by_natural_key(self, username):
        # A name with NUL names nobody (PostgreSQL would refuse the query): ModelBackend then runs
        # its timing-equalising hash and answers "no user", as for any unknown name.
        if isinstance(username, str) and not is_storable(username):
            raise self.model.DoesNotExist()
        return self.get(**{self.model.USERNAME_FIELD: canonical_username(username)})

    async def aget_by_natural_key(self, username):
        return await self.aget(**{self.model.USERNAME_FIELD: canonical_username(username)})

    def by_login(self, identifier: str) -> models.QuerySet:
        """Who a typed login identifier names: the canonical username, or the e-mail (any case),
        oldest first (one name and another account's e-mail can both match).

        Text no column can hold (NUL, lone surrogates) names nobody: an empty queryset, never a
        query PostgreSQL refuses with an error (a 500).
        """
        if not isinstance(identifier, str) or not identifier.strip() or not is_storable(identifier):
            return self.none()
        lookup = Q(username=canonical_username(identifier)) | Q(email__iexact=identifier.strip())
        return self.filter(lookup).order_by("id")


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
    # Admin pages show times in this zone (config.locale); the API answers in UTC whatever it is.
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        default="",
        choices=time_zone_choices,
        help_text="Times in the admin are shown in this zone; empty: the site's (ADMIN_TIME_ZONE).",
    )
    # Bumped by "log out everywhere" and by a password change: every JWT carries the generation it
    # was issued under (`tgen`) and is refused once it is stale; admin sessions end too (the session
    # hash includes it). Lives in the database, so it survives a cache flush.
    token_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = StaffUserManager()

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
        permissions = [StaffPermissions.VIEW_PERSONAL_DATA.meta, StaffPermissions.ASSIGN_ROLE.meta]

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @classmethod
    def normalize_username(cls, username):
        """Usernames are stored canonically (NFKC + casefold), so two spellings are one account."""
        return canonical_username(username) if isinstance(username, str) else username

    def clean(self) -> None:
        super().clean()  # normalises the username (normalize_username)
        # NFKC can lengthen text (one ligature becomes up to 18 letters): check the stored form.
        max_length = self._meta.get_field("username").max_length
        if len(self.username) > max_length:
            raise ValidationError({"username": f"Ensure this value has at most {max_length} characters."})

    def save(self, *args, **kwargs) -> None:
        if isinstance(self.username, str):
            self.username = self.normalize_username(self.username)
        super().save(*args, **kwargs)

    def _get_session_auth_hash(self, secret=None) -> str:
        # Django's hash over the password hash, plus the token generation once it was bumped, so
        # "log out everywhere" also ends admin sessions (generation 0 keeps Django's exact value).
        value = self.password if not self.token_generation else f"{self.password}|{self.token_generation}"
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def role(self) -> str | None:
        """The highest role group the user is in (uses prefetched groups when present)."""
        names = {group.name for group in self.groups.all()}
        for role in ROLE_RANK:
            if role in names:
                return str(role)
        return None


class TokenFamily(models.Model):
    """One login's chain of tokens: every access and refresh token issued from that login, through
    any number of refreshes, carries its id (the `fam` claim) and dies with it.

    Revoked by logout, by the reuse of a rotated refresh token, and (all of a user's) by a password
    change or "log out everywhere". The row is what refresh checks, so revocation survives a cache
    flush; access tokens are refused through the cache (see staff.auth.services for the bound).
    """

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="token_families")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("login (token family)")
        verbose_name_plural = _("logins (token families)")
        indexes = [models.Index(fields=["user", "revoked_at"], name="staff_tokfam_user_revoked")]

    def __str__(self) -> str:
        state = f"revoked ({self.revoke_reason})" if self.revoked_at else "active"
        return f"{self.user_id}:{self.id[:8]} {state}"


class AccessOutstandingToken(OutstandingToken):
    """simplejwt's issued refresh tokens, shown in the admin beside the users they belong to."""

    class Meta:
        proxy = True
        verbose_name = _("issued refresh token")
        verbose_name_plural = _("issued refresh tokens")


class AccessBlacklistedToken(BlacklistedToken):
    """simplejwt's revoked refresh tokens, shown in the admin beside the users they belong to."""

    class Meta:
        proxy = True
        verbose_name = _("revoked refresh token")
        verbose_name_plural = _("revoked refresh tokens")
