"""The starter catalog's 受理条件, 设定依据 and new 办理结果 (issue #11 item 3: no notice or letter may print "见办事指南"
or "设定依据：—"), carried into databases that imported the starter catalog before. A text is filled where the item
still has the starter's name and the field is empty or still the starter's earlier text; a district's own wording
is left alone."""

from pathlib import Path

import yaml
from django.db import migrations

STARTER = Path(__file__).resolve().parent.parent / "data" / "starter.yaml"
FIELDS = ("conditions", "legal_basis", "result")
PREVIOUS = {  # the starter texts these replace, as the catalog of 0007 had them
    'MZ-C01': {'conditions': '年满60周岁的本区户籍或常住老年人。', 'legal_basis': '《中华人民共和国老年人权益保障法》'},
    'MZ-C02': {'conditions': '年满80周岁的本区户籍老年人。', 'legal_basis': '《湖南省高龄老年人生活补贴制度》'},
    'WJ-C01': {'conditions': '夫妻双方至少一方为本区户籍或在本区居住。', 'legal_basis': '《湖南省人口与计划生育条例》'},
    'WJ-C02': {'conditions': '夫妻双方至少一方为本区户籍或在本区居住；按政策可生育第二个子女。', 'legal_basis': '《湖南省人口与计划生育条例》'},
    'WJ-C04': {'conditions': '持有独生子女父母光荣证的家庭，每年一次。'},
    'SB-C01': {'legal_basis': '《中华人民共和国社会保险法》'},
    'MZ-D01': {'conditions': '家庭年人均收入低于当地最低生活保障标准，且家庭财产符合规定。', 'legal_basis': '《社会救助暂行办法》'},
    'MZ-D02': {'legal_basis': '《社会救助暂行办法》'},
    'MZ-S01': {'legal_basis': '《社会救助暂行办法》'},
    'CL-D01': {'legal_basis': '《中华人民共和国残疾人保障法》'},
    'JY-D02': {'legal_basis': '《促进个体工商户发展条例》'},
    'ZM-D01': {'conditions': '在本区居住满半年，且有合法稳定就业、合法稳定住所或连续就读之一。', 'legal_basis': '《居住证暂行条例》'},
}


def fill(apps, schema_editor):
    ServiceItem = apps.get_model("catalog", "ServiceItem")
    data = yaml.safe_load(STARTER.read_text(encoding="utf-8"))
    wanted = {i["code"]: i for i in data["items"]}
    for item in ServiceItem.objects.filter(code__in=list(wanted)):
        new = wanted[item.code]
        if item.name != new["name"]:
            continue
        changed = []
        for field in FIELDS:
            current = getattr(item, field)
            if new.get(field) and current != new[field] and (
                    not current.strip() or current == PREVIOUS.get(item.code, {}).get(field)):
                setattr(item, field, new[field])
                changed.append(field)
        if changed:
            item.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_item_result")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
