"""Model-level rules: the Indonesian phone validator, string forms, ordering."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from staff.models import Position, validate_phone
from staff.tests.factories import PositionFactory, UserFactory

VALID_PHONES = ["081234567890", "+6281234567890", "081234567", "08" + "1" * 13, "+62" + "2" * 12, ""]
INVALID_PHONES = [
    "0812345",  # 7 digits
    "08" + "1" * 14,  # 16 digits
    "+62" + "1" * 14,  # 16 digits
    "0812-3456-7890",
    "0812 3456 7890",
    "6281234567890",
    "+6181234567890",
    "71234567890",
    "08123456789a",
    "٠٨١٢٣٤٥٦٧٨٩",  # non-ASCII digits
]


@pytest.mark.parametrize("phone", VALID_PHONES)
def test_valid_phones_pass(phone):
    validate_phone(phone)


@pytest.mark.parametrize("phone", INVALID_PHONES)
def test_invalid_phones_are_refused(phone):
    with pytest.raises(ValidationError):
        validate_phone(phone)


@pytest.mark.django_db
def test_user_full_clean_applies_the_phone_rule():
    user = UserFactory(phone="081234567890")
    user.full_clean()
    user.phone = "12345"
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "phone" in exc.value.message_dict


@pytest.mark.django_db
def test_str_and_ordering():
    second = PositionFactory(name="B")
    first = PositionFactory(name="A")
    assert str(first) == "A"
    assert list(Position.objects.all()) == [second, first]  # by id, not by name
    assert str(UserFactory(username="u1", full_name="Budi Santoso")) == "Budi Santoso"
    assert str(UserFactory(username="u2", full_name="")) == "u2"
