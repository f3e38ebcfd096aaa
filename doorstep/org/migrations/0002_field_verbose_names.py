# Chinese verbose names for the fields the admin shows ("Parent", "Org node", "Holder a" … were English); no SQL.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='department',
            name='org_node',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='departments', to='org.orgnode', verbose_name='所属组织'),
        ),
        migrations.AlterField(
            model_name='gridteammember',
            name='grid',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='team_members', to='org.orgnode', verbose_name='网格'),
        ),
        migrations.AlterField(
            model_name='gridteammember',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='grid_memberships', to=settings.AUTH_USER_MODEL, verbose_name='账号'),
        ),
        migrations.AlterField(
            model_name='openinghours',
            name='center',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='opening_hours', to='org.servicecenter', verbose_name='服务中心'),
        ),
        migrations.AlterField(
            model_name='orgnode',
            name='parent',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='org.orgnode', verbose_name='上级节点'),
        ),
        migrations.AlterField(
            model_name='post',
            name='center',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='posts', to='org.servicecenter', verbose_name='服务中心'),
        ),
        migrations.AlterField(
            model_name='post',
            name='holder_a',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='posts_as_a', to=settings.AUTH_USER_MODEL, verbose_name='A岗人员'),
        ),
        migrations.AlterField(
            model_name='post',
            name='holder_b',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='posts_as_b', to=settings.AUTH_USER_MODEL, verbose_name='B岗人员'),
        ),
        migrations.AlterField(
            model_name='post',
            name='org_node',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='posts', to='org.orgnode', verbose_name='所属组织'),
        ),
        migrations.AlterField(
            model_name='servicecenter',
            name='org_node',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='service_centers', to='org.orgnode', verbose_name='所属组织'),
        ),
        migrations.AlterField(
            model_name='window',
            name='center',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='windows', to='org.servicecenter', verbose_name='服务中心'),
        ),
    ]
