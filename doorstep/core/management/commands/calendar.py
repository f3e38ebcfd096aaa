"""`doorstep calendar status|seed|import FILE`: the working-day calendar (holidays and 调休)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from doorstep.calendar.selectors import calendar_warnings, work_calendar
from doorstep.calendar.services import calendar_import_notice, calendar_seed_from_package
from doorstep.core.errors import DomainError


class Command(BaseCommand):
    help = "工作日历：status 查看已载入年份；seed 从 chinese-calendar 载入；import 导入国务院放假通知（YAML）。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "seed", "import"])
        parser.add_argument("file", nargs="?", help="import 时的 YAML 文件")

    def handle(self, *args, action: str, file: str | None, **options):
        if action == "seed":
            years = calendar_seed_from_package()
            self.stdout.write(f"已载入 {len(years)} 个年份。" if years else "没有需要载入的年份。")
        elif action == "import":
            if not file or not Path(file).is_file():
                raise CommandError(f"找不到文件：{file}")
            try:
                year, days = calendar_import_notice(actor=None, text=Path(file).read_text(encoding="utf-8"))
            except DomainError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"已导入{year}年安排：{days}天。")
        years = sorted(work_calendar().known_years)
        self.stdout.write(f"已载入年份：{years[0]}–{years[-1]}" if years else "尚未载入任何年份。")
        for warning in calendar_warnings(timezone.localdate()):
            self.stderr.write(warning)
