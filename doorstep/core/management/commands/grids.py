"""`doorstep grids propose --street CODE | --district [--target 350] [--tolerance 0.15] [--gap 0=auto] [--keep]`,
`doorstep grids apply ID`, `doorstep grids undo ID`: draw grids, print the quality report, apply after review."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from doorstep.core.errors import DomainError
from doorstep.core.idempotency import new_key
from doorstep.org.models import OrgNode
from doorstep.partition.services import grids_apply, grids_propose, grids_undo


class Command(BaseCommand):
    @property
    def help(self) -> str:  # worded when the parser is made, in the language then active (argparse needs a str)
        return gettext("网格划分：propose 生成方案并输出质量报告；apply 实施；undo 撤销实施。")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["propose", "apply", "undo"])
        parser.add_argument("proposal", nargs="?", help=gettext("apply/undo 的方案编号"))
        parser.add_argument("--street", default="", help=gettext("街道编码（9位）"))
        parser.add_argument("--district", action="store_true", help=gettext("全区"))
        parser.add_argument("--target", default="350")
        parser.add_argument("--tolerance", default="0.15")
        parser.add_argument("--gap", default="0", help=gettext("断开距离（米）；0 为自动（楼间距中位数的4倍）"))
        parser.add_argument("--keep", action="store_true", help=gettext("保留仍合格的现有网格"))

    def handle(self, *args, action: str, proposal: str | None, street: str, district: bool, target: str,
               tolerance: str, gap: str, keep: bool, **options):
        try:
            if action == "propose":
                if district == bool(street):
                    raise CommandError(gettext("请指定 --street 街道编码 或 --district（二选一）。"))
                scope = street or OrgNode.objects.filter(level="district").order_by("id").values_list(
                    "code", flat=True).first()
                result = grids_propose(actor=None, scope_code=scope, target=target, tolerance=tolerance, gap=gap,
                                       keep_current=keep, idempotency_key=new_key())
                report = result.report
                sizes = report["sizes"]
                self.stdout.write(gettext(
                    "方案 {number}：{count}个网格，户数 {fewest}–{most}（平均{mean}，变异系数{cv}），容差内{within}，"
                    "全部连片：{connected}，紧凑度平均{compactness}，空白{gap}平方米、重叠{overlap}平方米；"
                    "需调整{moved}户。用时 {partition}+{shapes} 秒。审核后实施：doorstep grids apply {number}"
                ).format(number=result.pk, count=sizes["count"], fewest=sizes["min"], most=sizes["max"],
                         mean=sizes["mean"], cv=f"{sizes['cv']:.1%}", within=f"{sizes['within_tolerance']:.0%}",
                         connected=gettext("是") if report["all_connected"] else gettext("否"),
                         compactness=report["compactness"]["mean"], gap=report["gap_m2"], overlap=report["overlap_m2"],
                         moved=report["change"]["households_moved"], partition=report["seconds"]["partition"],
                         shapes=report["seconds"]["shapes"]))
                for note in report["notes"]:  # stored with the proposal, in the site's language
                    self.stdout.write("  " + gettext("注意：{note}").format(note=note))
                if options.get("verbosity", 1) > 1:
                    self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
                return
            if not proposal:
                raise CommandError(gettext("请给出方案编号。"))
            counts = (grids_apply if action == "apply" else grids_undo)(actor=None, proposal_id=proposal)
            done = gettext("已实施：{counts}") if action == "apply" else gettext("已撤销：{counts}")
            self.stdout.write(done.format(counts=json.dumps(counts, ensure_ascii=False)))
        except DomainError as exc:
            raise CommandError(exc.message) from None
