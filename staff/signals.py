"""Keep the cached authorisation records (staff/authz.py) in step with the database."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from staff import authz
from staff.models import User


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def _user_changed(sender, instance: User, **kwargs) -> None:
    authz.forget_user(instance.pk)
    transaction.on_commit(lambda: authz.forget_user(instance.pk))


@receiver(post_save, sender=Group)
@receiver(post_delete, sender=Group)
@receiver(post_delete, sender=Permission)
@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def _grants_changed(sender, **kwargs) -> None:
    authz.bump_generation()
    transaction.on_commit(authz.bump_generation)
