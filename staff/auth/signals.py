"""Keep the cached authorisation records (staff.auth.authz) in step with the database, and end
every login of a replaced password."""

from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from staff.auth import authz
from staff.auth.services import tokens_revoke_user
from staff.models import User


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def _user_changed(sender, instance: User, **kwargs) -> None:
    authz.forget_user(instance.pk)
    transaction.on_commit(lambda: authz.forget_user(instance.pk))


@receiver(pre_save, sender=User)
def _note_password_change(sender, instance: User, **kwargs) -> None:
    """Is this save replacing a usable password? (A first password, e.g. on a staff record that
    could not log in, ends nothing: no login of the old one can exist.)"""
    instance._replaces_usable_password = False
    if instance.pk is None or getattr(instance, "_password", None) is None:
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._replaces_usable_password = bool(stored) and is_password_usable(stored)


@receiver(post_save, sender=User)
def _password_changed(sender, instance: User, created: bool, **kwargs) -> None:
    """A new password ends every login of the old one: all token families and admin sessions."""
    if created or not getattr(instance, "_replaces_usable_password", False):
        return
    instance._replaces_usable_password = False
    tokens_revoke_user(user=instance, actor=None, reason="password_change")


@receiver(post_save, sender=Group)
@receiver(post_delete, sender=Group)
@receiver(post_delete, sender=Permission)
@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def _grants_changed(sender, **kwargs) -> None:
    authz.bump_generation()
    transaction.on_commit(authz.bump_generation)
