# Materials get a code (their identity within an item, so that a catalog re-import updates them in place) and can be
# retired instead of deleted when an upload still points at them (issue #10, item 12).

import django.db.models.manager
from django.db import migrations, models


def number_existing_materials(apps, schema_editor):
    Material = apps.get_model("catalog", "MaterialRequirement")
    changed = []
    item_id, n = None, 0
    for m in Material.objects.order_by("item_id", "order", "id"):
        if m.item_id != item_id:
            item_id, n = m.item_id, 0
        n += 1
        m.code = f"M{n:02d}"
        changed.append(m)
    Material.objects.bulk_update(changed, ["code"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_item_updated_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="materialrequirement",
            name="code",
            field=models.CharField(default="", max_length=20, verbose_name="材料编码"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="materialrequirement",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="在用"),
        ),
        migrations.RunPython(number_existing_materials, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="materialrequirement",
            options={"base_manager_name": "all_objects", "ordering": ["item", "order"],
                     "verbose_name": "申请材料", "verbose_name_plural": "申请材料"},
        ),
        migrations.AlterModelManagers(
            name="materialrequirement",
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_objects", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddConstraint(
            model_name="materialrequirement",
            constraint=models.UniqueConstraint(fields=("item", "code"), name="material_code_unique_per_item"),
        ),
    ]
