from django.db import models


class Role(models.TextChoices):
    """The three roles; each is a Django Group of the same name (created by a data migration)."""

    OPERATOR = "Operator", "Operator"
    SUPERVISOR = "Supervisor", "Supervisor"
    MANAGEMENT = "Management", "Management"


# Highest first: a user in several role groups is shown with the highest one.
ROLE_RANK = [Role.MANAGEMENT, Role.SUPERVISOR, Role.OPERATOR]
