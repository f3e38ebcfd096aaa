"""Seed the calendar with every year the chinese-calendar package knows (2004–2026 at the time of writing)."""

from django.db import migrations


def seed(apps, schema_editor):
    from chinese_calendar import constants

    from doorstep.calendar.services import HOLIDAY_NAMES

    CalendarDay = apps.get_model("workcalendar", "CalendarDay")
    CalendarYear = apps.get_model("workcalendar", "CalendarYear")
    rows = [CalendarDay(date=d, is_working_day=False, name=HOLIDAY_NAMES.get(n, n), source="package")
            for d, n in constants.holidays.items()]
    rows += [CalendarDay(date=d, is_working_day=True, name=f"{HOLIDAY_NAMES.get(n, n)}调休上班", source="package")
             for d, n in constants.workdays.items()]
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    for year in sorted({r.date.year for r in rows}):
        CalendarYear.objects.get_or_create(year=year, defaults={"source": "package"})


class Migration(migrations.Migration):
    dependencies = [("workcalendar", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
