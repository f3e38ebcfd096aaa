"""Writes to the working-day calendar: seeding from the chinese-calendar package and importing a year's State
Council notice (国务院办公厅关于…部分节假日安排的通知) from a small YAML file."""

import datetime

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.audit.services import audit_record
from doorstep.calendar.models import CalendarDay, CalendarYear
from doorstep.calendar.selectors import work_calendar_changed
from doorstep.core.errors import ValidationFailed

# the package's English names → the names the law uses, stored on the calendar rows as data
HOLIDAY_NAMES = {  # zh: stored record (holiday names, spelt as in statutory.py)
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def calendar_seed_from_package(*, actor=None) -> list[int]:
    """Load every year the chinese-calendar package knows, except years already imported from a notice or kept by
    hand (those win). Returns the years seeded. Audit: calendar.seed."""
    from chinese_calendar import constants

    by_year: dict[int, list[CalendarDay]] = {}
    for day, name in constants.holidays.items():
        by_year.setdefault(day.year, []).append(
            CalendarDay(date=day, is_working_day=False, name=HOLIDAY_NAMES.get(name, name), source="package"))
    for day, name in constants.workdays.items():
        by_year.setdefault(day.year, []).append(
            CalendarDay(date=day, is_working_day=True, name=f"{HOLIDAY_NAMES.get(name, name)}调休上班",  # zh: stored
                        source="package"))
    kept = set(CalendarYear.objects.exclude(source="package").values_list("year", flat=True))
    years = sorted(y for y in by_year if y not in kept)
    with transaction.atomic():
        CalendarDay.objects.filter(date__year__in=years, source="package").delete()
        CalendarDay.objects.bulk_create([d for y in years for d in by_year[y]], ignore_conflicts=True)
        for y in years:
            CalendarYear.objects.update_or_create(year=y, defaults={"source": "package"})
        work_calendar_changed()
        audit_record(actor=actor, action="calendar.seed", target_type="workcalendar.calendaryear",
                     summary={"years": [years[0], years[-1]] if years else []})
    return years


# the format, as the page and the example file show it (the dates are not an official schedule)
EXAMPLE_NOTICE = (  # zh: file format (holiday names as the notice and the law write them)
    """year: 2027
holidays:
  元旦: [2027-01-01, 2027-01-03]
  春节: [2027-02-06, 2027-02-13]
workdays:
  - 2027-02-14
""")


def _date(value, where: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(
            _("%(where)s：日期“%(value)s”格式应为 YYYY-MM-DD。") % {"where": where, "value": value}) from None


def parse_notice(text: str) -> tuple[int, list[CalendarDay]]:
    """Parse a notice file; every error names the item it is about. Format:

        year: 2027
        holidays:
          元旦: [2027-01-01, 2027-01-03]      # first and last day off, inclusive
          春节: [2027-02-06, 2027-02-13]
        workdays:                            # adjusted working days 调休
          - 2027-02-14
    """
    try:
        # BaseLoader keeps every scalar a string, so a bad date is reported by us, naming its item.
        data = yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds only str, list and dict
    except yaml.YAMLError as exc:
        line = getattr(exc, "problem_mark", None) and exc.problem_mark.line + 1 or "?"
        raise ValidationFailed(_("文件不是有效的 YAML：第%(line)s行有误。") % {"line": line}) from None
    if not isinstance(data, dict) or "year" not in data:
        raise ValidationFailed(_("文件须包含 year（年份）、holidays（放假安排）和 workdays（调休上班日）。"))
    try:
        year = int(data["year"])
    except (TypeError, ValueError):
        raise ValidationFailed(_("year：“%(value)s”不是年份。") % {"value": data["year"]}) from None
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("year：%(year)s 不在 2000–2100 之间。") % {"year": year})
    days: dict[datetime.date, CalendarDay] = {}
    holidays = data.get("holidays") or {}
    if not isinstance(holidays, dict):
        raise ValidationFailed(_("holidays 应为“名称: [第一天, 最后一天]”的列表。"))
    for name, span in holidays.items():
        where = f"holidays/{name}"
        if not isinstance(span, list) or len(span) not in (1, 2):
            raise ValidationFailed(_("%(where)s：应写成 [第一天, 最后一天]。") % {"where": where})
        first, last = _date(span[0], where), _date(span[-1], where)
        if last < first:
            raise ValidationFailed(_("%(where)s：最后一天早于第一天。") % {"where": where})
        # a 元旦 break may begin in the December before (元旦 2019: 2018-12-30 to 2019-01-01)
        starts_before = first.year == year - 1 and first.month == 12
        if last.year != year or not (first.year == year or starts_before) or (last - first).days > 15:
            raise ValidationFailed(_("%(where)s：日期应在%(year)s年内（元旦可从上年12月开始），且一次放假不超过15天。")
                                   % {"where": where, "year": year})
        day = first
        while day <= last:
            days[day] = CalendarDay(date=day, is_working_day=False, name=str(name), source="notice")
            day += datetime.timedelta(days=1)
    for i, value in enumerate(data.get("workdays") or [], start=1):
        where = _("workdays 第%(number)s项") % {"number": i}
        day = _date(value, where)
        if abs(day.year - year) > 1:
            raise ValidationFailed(_("%(where)s：%(day)s 与%(year)s年的安排无关。") % {"where": where, "day": day, "year": year})
        if day in days:
            raise ValidationFailed(_("%(where)s：%(day)s 同时被列为放假日。") % {"where": where, "day": day})
        days[day] = CalendarDay(date=day, is_working_day=True, name="调休上班", source="notice")  # zh: stored name
    if not days:
        raise ValidationFailed(_("文件中没有任何放假或调休日期。"))
    return year, sorted(days.values(), key=lambda d: d.date)


def calendar_import_notice(*, actor, text: str) -> tuple[int, int]:
    """Replace a year's holidays and adjusted workdays with those of a notice file.

    Preconditions: the file parses (see parse_notice); nothing changes otherwise. Result: (year, days stored).
    Audit: calendar.import_notice. Side effects: the year counts as known from now on.
    """
    year, days = parse_notice(text)
    with transaction.atomic():
        CalendarDay.objects.filter(date__year=year).exclude(source="manual").delete()
        CalendarDay.objects.filter(date__in=[d.date for d in days]).delete()
        CalendarDay.objects.bulk_create(days)
        CalendarYear.objects.update_or_create(year=year, defaults={"source": "notice"})
        work_calendar_changed()
        audit_record(actor=actor, action="calendar.import_notice", target_type="workcalendar.calendaryear",
                     target_id=str(year), summary={"days": len(days)})
    return year, len(days)
