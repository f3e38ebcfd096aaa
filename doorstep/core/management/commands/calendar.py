"""`doorstep calendar status|seed|import FILE`: the working-day calendar (holidays and 调休)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from doorstep.calendar.selectors import calendar_warnings, work_calendar
from doorstep.calendar.services import calendar_import_notice, calendar_seed_from_package
from doorstep.core.errors import DomainError


class Command(BaseCommand):
    @property
    def help(self) -> str:  # worded when the parser is made, in the language then active (argparse needs a str)
        return gettext("工作日历：status 查看已载入年份；seed 从 chinese-calendar 载入；import 导入国务院放假通知（YAML）。")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "seed", "import"])
        parser.add_argument("file", nargs="?", help=gettext("import 时的 YAML 文件"))

    def handle(self, *args, action: str, file: str | None, **options):
        if action == "seed":
            years = calendar_seed_from_package()
            if years:
                self.stdout.write(ngettext("已载入 {count} 个年份。", "已载入 {count} 个年份。", len(years)).format(
                    count=len(years)))
            else:
                self.stdout.write(gettext("没有需要载入的年份。"))
        elif action == "import":
            if not file or not Path(file).is_file():
                raise CommandError(gettext("找不到文件：{file}").format(file=file))
            try:
                year, days = calendar_import_notice(actor=None, text=Path(file).read_text(encoding="utf-8"))
            except DomainError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(ngettext("已导入{year}年安排：{days}天。", "已导入{year}年安排：{days}天。", days).format(
                year=year, days=days))
        years = sorted(work_calendar().known_years)
        if years:
            self.stdout.write(gettext("已载入年份：{first}–{last}").format(first=years[0], last=years[-1]))
        else:
            self.stdout.write(gettext("尚未载入任何年份。"))
        for warning in calendar_warnings(timezone.localdate()):
            self.stderr.write(warning)
