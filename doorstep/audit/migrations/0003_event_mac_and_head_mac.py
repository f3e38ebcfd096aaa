"""Every event carries a keyed MAC from the moment it is written; the chain-head row carries one too.

No data migration computes MACs for rows already there: that would sign whatever the database holds at upgrade time,
forged rows included. Events written before this version stay without a MAC and `doorstep audit verify` names them
(docs/decisions.md, "audit chain: every trusted field under a MAC, the tip anchored outside").
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_append_only_triggers'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditchainhead',
            name='mac',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='mac',
            field=models.CharField(blank=True, max_length=64, null=True, unique=True, verbose_name='写入签名'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='nonce',
            field=models.CharField(blank=True, default='', max_length=16, verbose_name='随机数'),
        ),
    ]
