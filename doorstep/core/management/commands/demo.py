"""`doorstep demo [--scale small|district] [--seed N] [--if-missing]`: build the demo district."""

import resource
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, pgettext
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from doorstep.audit.selectors import audit_trail_predates_signing
from doorstep.audit.services import audit_anchor_retire_for_new_database
from doorstep.demo.build import DEMO_PASSWORD, build_demo, demo_exists
from doorstep.demo.layout import SCALES


class Command(BaseCommand):
    @property
    def help(self) -> str:  # worded when the parser is made, in the language then active (argparse needs a str)
        return gettext("生成演示区（组织架构、服务中心、各级工作人员、楼栋、住户、居民）。")

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="district", help=gettext("small（约一个街道，测试用）或 district（全区）"))
        parser.add_argument("--seed", default="2026", help=gettext("随机种子（整数），同一种子生成相同数据"))
        parser.add_argument("--if-missing", action="store_true", help=gettext("已有演示数据时直接复用"))

    def handle(self, *args, scale: str, seed: str, if_missing: bool, **options):
        if scale not in SCALES:
            raise CommandError(gettext("规模只能是 {scales}，收到：{scale}").format(
                scales=pgettext("between choices", " 或 ").join(SCALES), scale=scale))
        try:
            seed_value = int(seed)
        except ValueError:
            raise CommandError(gettext("种子必须是整数，收到：{seed}").format(seed=seed)) from None
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)  # a fresh var dir has no tables yet
        if demo_exists():
            if if_missing:
                self.stdout.write(gettext("演示数据已存在，直接使用。"))
                if audit_trail_predates_signing():
                    self.stdout.write(gettext("注意：这份演示数据的审计事件由旧版本写入，没有写入签名，`doorstep audit verify` "
                                              "会把它们报告为插入。需要完整可验的审计链时，删除 var/doorstep.sqlite3 后重新运行。"))
                return
            raise CommandError(gettext("演示数据已存在。如需重建，请删除 var/doorstep.sqlite3（或清空数据库）后重试。"))
        if retired := audit_anchor_retire_for_new_database():
            self.stdout.write(gettext("原审计锚点文件属于之前的数据库，已改名保留为 {path}。").format(path=retired))
        started = time.perf_counter()
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=False) as progress:
            stats = build_demo(scale=scale, seed=seed_value, progress=progress)
        elapsed = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(gettext(
            "演示区已生成：{streets}个街道、{communities}个社区、{grids}个网格、{buildings}栋楼、{households}户、"
            "{residents}名居民、{staff}个工作人员账号、近一年办件{cases}件、事件与诉求{incidents}件；用时{seconds}秒，"
            "内存峰值{memory} MiB。演示密码：{password}"
        ).format(streets=stats.streets, communities=stats.communities, grids=stats.grids, buildings=stats.buildings,
                 households=stats.households, residents=stats.residents, staff=stats.staff, cases=stats.cases,
                 incidents=stats.incidents, seconds=f"{elapsed:.1f}", memory=f"{peak_mib:.0f}",
                 password=DEMO_PASSWORD))
