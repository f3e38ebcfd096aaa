"""The starter priority rules (优先规则): 70 and over, registered disability, pregnant or with an infant, servicemen
(《中华人民共和国军人地位和权益保障法》 第三十六条: 军人依法优先), on-time bookings, then everyone else. Administrators
change them as data."""

from django.db import migrations

RULES = [
    # code, name, basis, rank, min_age
    ("elder70", "70岁以上老年人", "age", 1, 70),
    ("disabled", "残疾人", "disabled", 1, None),
    ("pregnant", "孕妇或携婴幼儿", "declared", 1, None),
    ("military", "军人依法优先", "declared", 1, None),
    ("on_time", "准时到达的预约", "on_time_booking", 2, None),
    ("standard", "普通", "standard", 3, None),
]


def seed(apps, schema_editor):
    PriorityRule = apps.get_model("hall", "PriorityRule")
    for code, name, basis, rank, min_age in RULES:
        PriorityRule.objects.get_or_create(code=code, defaults={"name": name, "basis": basis, "rank": rank,
                                                                "min_age": min_age})


class Migration(migrations.Migration):
    dependencies = [("hall", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
