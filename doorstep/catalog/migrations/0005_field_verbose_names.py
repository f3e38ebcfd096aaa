# Chinese verbose names for the fields the admin shows ("Parent", "Org node", "Holder a" … were English); no SQL.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_material_code_and_retirement'),
    ]

    operations = [
        migrations.AlterField(
            model_name='materialrequirement',
            name='item',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='materials', to='catalog.serviceitem', verbose_name='服务事项'),
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='category',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='items', to='catalog.category', verbose_name='事项类别'),
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='life_events',
            field=models.ManyToManyField(blank=True, related_name='items', to='catalog.lifeevent', verbose_name='人生事件'),
        ),
    ]
