"""Idempotency keys (`request_id`, `Idempotency-Key`) are scoped to their caller: another caller's
same key is another order, never a replay of someone else's.

Existing records get their caller: a `request_id` record the order's creator; a header record the
id its key carried (`header:<user id>:<key>` becomes `header:<key>` with `created_by`). A header
record of a user deleted since is dropped (it can replay nothing). The data step runs after the
schema steps, so PostgreSQL has no pending foreign-key checks while it builds the indexes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def scope_existing_records(apps, schema_editor) -> None:
    Record = apps.get_model("maintenance", "IdempotencyRecord")
    Order = apps.get_model("maintenance", "ServiceOrder")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Record.objects.filter(kind="request_id").update(
        created_by_id=Subquery(Order.objects.filter(pk=OuterRef("order_id")).values("created_by_id")[:1])
    )
    for record in Record.objects.filter(kind="header", key__startswith="header:").only("pk", "key").iterator():
        _, owner, key = (record.key.split(":", 2) + ["", ""])[:3]
        if owner == "-":
            owner_id = None
        elif owner.isdigit() and User.objects.filter(pk=int(owner)).exists():
            owner_id = int(owner)
        else:
            record.delete()
            continue
        Record.objects.filter(pk=record.pk).update(key=f"header:{key}", created_by_id=owner_id)


class Migration(migrations.Migration):

    dependencies = [
        ('maintenance', '0002_roles'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='idempotencyrecord',
            name='maintenance_idempotency_key_unique',
        ),
        migrations.AddField(
            model_name='idempotencyrecord',
            name='created_by',
            field=models.ForeignKey(blank=True, help_text='The caller whose key this is; empty for management commands and demo data.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='idempotencyrecord',
            name='key',
            field=models.CharField(help_text='`request:<request_id>` or `header:<Idempotency-Key>`.', max_length=300),
        ),
        migrations.AddConstraint(
            model_name='idempotencyrecord',
            constraint=models.UniqueConstraint(condition=models.Q(('created_by__isnull', False)), fields=('created_by', 'key'), name='maintenance_idempotency_caller_key_unique', violation_error_message='This idempotency key is already in use.'),
        ),
        migrations.AddConstraint(
            model_name='idempotencyrecord',
            constraint=models.UniqueConstraint(condition=models.Q(('created_by__isnull', True)), fields=('key',), name='maintenance_idempotency_system_key_unique', violation_error_message='This idempotency key is already in use.'),
        ),
        migrations.RunPython(scope_existing_records, migrations.RunPython.noop),
    ]
