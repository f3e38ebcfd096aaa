"""`doorstep audit seal` chains pending events and anchors the tip; `doorstep audit verify` walks the chain, checks it
against the anchor file outside the database and names the first problem; `doorstep audit tip` prints the tip to
keep on paper or send off-host."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from doorstep.audit.anchor import anchor_path, anchor_read
from doorstep.audit.models import AuditSeal
from doorstep.audit.services import audit_seal_pending, audit_verify


class Command(BaseCommand):
    help = "审计链：seal 封存待封存事件并写链外锚点；verify 校验整条链（含链外锚点）；tip 打印链尾供留存。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["seal", "verify", "tip"])
        parser.add_argument("--no-seal", action="store_true", help="verify 前不先封存")
        parser.add_argument("--anchor", action="append", type=Path, default=None, metavar="PATH",
                            help="按这份锚点文件校验（可重复；默认 DOORSTEP_AUDIT_ANCHOR），例如异地保存的副本")
        parser.add_argument("--recent", type=int, default=None, metavar="N",
                            help="只逐条校验最新的 N 条封存（锚点与链尾仍全部核对），用于两次全量校验之间的快速检查")

    def handle(self, *args, action: str, no_seal: bool, anchor: list[Path] | None, recent: int | None, **options):
        if action == "tip":
            self._tip()
            return
        if action == "seal" or not no_seal:
            sealed = audit_seal_pending()
            self.stdout.write(f"已封存 {sealed} 条事件。")
        if action == "verify":
            started = time.perf_counter()
            if recent is not None and recent < 1:
                raise CommandError(f"--recent 必须是正整数，收到：{recent}")
            findings = audit_verify(anchors=anchor, recent=recent)
            elapsed = time.perf_counter() - started
            if findings:
                first = findings[0]
                for f in findings[:20]:
                    self.stderr.write(f"[{f.label}] {f.message}")
                raise CommandError(f"审计链校验失败（共{len(findings)}处）：首个问题（{first.label}）—— {first.message}")
            scope = f"最新{recent}条封存" if recent else f"{AuditSeal.objects.count()}条封存"
            self.stdout.write(f"审计链完整，未发现篡改（逐条校验{scope}，与链外锚点一致；用时{elapsed:.1f}秒）。")

    def _tip(self):
        seal = AuditSeal.objects.order_by("-seq").first()
        last = anchor_read().last
        if seal is None:
            self.stdout.write("审计链为空。")
        else:
            self.stdout.write(f"数据库链尾：第{seal.seq}号封存  {seal.hash}  {seal.sealed_at.isoformat()}")
        if last:
            self.stdout.write(f"锚点（{anchor_path()}）最后一条：第{last[0]}号  {last[1]}  {last[2]}")
        else:
            self.stdout.write(f"锚点文件 {anchor_path()} 尚无记录。")
