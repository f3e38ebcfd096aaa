# 专窗: a dedicated window names the item categories it takes (issue #11, item 11); no change to existing rows.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
        ('org', '0002_field_verbose_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='window',
            name='categories',
            field=models.ManyToManyField(blank=True, related_name='windows', to='catalog.category', verbose_name='专窗办理类别'),
        ),
    ]
