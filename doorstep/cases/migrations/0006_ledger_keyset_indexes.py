# Indexes for keyset paging of the case ledger (issue #10, item 8; doorstep/core/paging.py): each ledger sort key
# followed by id. The single-column indexes on due_date and item are replaced by the composites that start with them.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0005_fewer_indexes"),
        ("catalog", "0004_material_code_and_retirement"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="due_date",
            field=models.DateField(blank=True, null=True, verbose_name="承诺办结日期"),
        ),
        migrations.AlterField(
            model_name="case",
            name="item",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="cases", to="catalog.serviceitem"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["due_date", "id"], name="case_due_id"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["item", "id"], name="case_item_id"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["state", "id"], name="case_state_id"),
        ),
    ]
