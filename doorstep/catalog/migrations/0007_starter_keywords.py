"""Fill the new keywords of the starter catalog's items (别名/关键词: 低保申请, 准生证 …) where a catalog imported before
keywords existed has none; items a district renamed or keyworded itself are left alone."""

from pathlib import Path

import yaml
from django.db import migrations

STARTER = Path(__file__).resolve().parent.parent / "data" / "starter.yaml"


def fill(apps, schema_editor):
    from doorstep.catalog.services import split_keywords
    from doorstep.core.names import name_pinyin

    ServiceItem = apps.get_model("catalog", "ServiceItem")
    data = yaml.safe_load(STARTER.read_text(encoding="utf-8"))
    wanted = {i["code"]: (i["name"], i["keywords"]) for i in data["items"] if i.get("keywords")}
    for item in ServiceItem.objects.filter(code__in=list(wanted), keywords=""):
        name, text = wanted[item.code]
        if item.name != name:
            continue
        keywords = split_keywords(text)
        readings = [name_pinyin(k) for k in keywords]
        item.keywords = "、".join(keywords)
        item.keywords_pinyin = "|".join(f for f, _ in readings)
        item.keywords_initials = "|".join(i for _, i in readings)
        item.save(update_fields=["keywords", "keywords_pinyin", "keywords_initials"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_item_keywords")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
