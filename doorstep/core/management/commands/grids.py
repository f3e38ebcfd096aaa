"""`doorstep grids propose --street CODE | --district [--target 350] [--tolerance 0.15] [--gap 0=auto] [--keep]`,
`doorstep grids apply ID`, `doorstep grids undo ID`: draw grids, print the quality report, apply after review."""

import json

from django.core.management.base import BaseCommand, CommandError

from doorstep.core.errors import DomainError
from doorstep.core.idempotency import new_key
from doorstep.org.models import OrgNode
from doorstep.partition.services import grids_apply, grids_propose, grids_undo


class Command(BaseCommand):
    help = "网格划分：propose 生成方案并输出质量报告；apply 实施；undo 撤销实施。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["propose", "apply", "undo"])
        parser.add_argument("proposal", nargs="?", help="apply/undo 的方案编号")
        parser.add_argument("--street", default="", help="街道编码（9位）")
        parser.add_argument("--district", action="store_true", help="全区")
        parser.add_argument("--target", default="350")
        parser.add_argument("--tolerance", default="0.15")
        parser.add_argument("--gap", default="0", help="断开距离（米）；0 为自动（楼间距中位数的4倍）")
        parser.add_argument("--keep", action="store_true", help="保留仍合格的现有网格")

    def handle(self, *args, action: str, proposal: str | None, street: str, district: bool, target: str,
               tolerance: str, gap: str, keep: bool, **options):
        try:
            if action == "propose":
                if district == bool(street):
                    raise CommandError("请指定 --street 街道编码 或 --district（二选一）。")
                scope = street or OrgNode.objects.filter(level="district").order_by("id").values_list(
                    "code", flat=True).first()
                result = grids_propose(actor=None, scope_code=scope, target=target, tolerance=tolerance, gap=gap,
                                       keep_current=keep, idempotency_key=new_key())
                report = result.report
                sizes = report["sizes"]
                self.stdout.write(
                    f"方案 {result.pk}：{sizes['count']}个网格，户数 {sizes['min']}–{sizes['max']}（平均{sizes['mean']}，"
                    f"变异系数{sizes['cv']:.1%}），容差内{sizes['within_tolerance']:.0%}，全部连片："
                    f"{'是' if report['all_connected'] else '否'}，紧凑度平均{report['compactness']['mean']}，"
                    f"空白{report['gap_m2']}平方米、重叠{report['overlap_m2']}平方米；需调整"
                    f"{report['change']['households_moved']}户。用时 {report['seconds']['partition']}+"
                    f"{report['seconds']['shapes']} 秒。审核后实施：doorstep grids apply {result.pk}")
                for note in report["notes"]:
                    self.stdout.write(f"  注意：{note}")
                if options.get("verbosity", 1) > 1:
                    self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
                return
            if not proposal:
                raise CommandError("请给出方案编号。")
            counts = (grids_apply if action == "apply" else grids_undo)(actor=None, proposal_id=proposal)
            self.stdout.write(("已实施：" if action == "apply" else "已撤销：") + json.dumps(counts, ensure_ascii=False))
        except DomainError as exc:
            raise CommandError(exc.message) from None
