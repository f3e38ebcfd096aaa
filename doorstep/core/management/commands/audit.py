"""`doorstep audit seal` chains pending events and anchors the tip; `doorstep audit verify` walks the chain, checks it
against the anchor file outside the database and names the first problem; `doorstep audit tip` prints the tip to
keep on paper or send off-host."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, ngettext

from doorstep.audit.anchor import anchor_path, anchor_read
from doorstep.audit.models import AuditSeal
from doorstep.audit.services import audit_seal_pending, audit_verify


class Command(BaseCommand):
    @property
    def help(self) -> str:  # worded when the parser is made, in the language then active (argparse needs a str)
        return gettext("审计链：seal 封存待封存事件并写链外锚点；verify 校验整条链（含链外锚点）；tip 打印链尾供留存。")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["seal", "verify", "tip"])
        parser.add_argument("--no-seal", action="store_true", help=gettext("verify 前不先封存"))
        parser.add_argument("--anchor", action="append", type=Path, default=None, metavar="PATH",
                            help=gettext("按这份锚点文件校验（可重复；默认 DOORSTEP_AUDIT_ANCHOR），例如异地保存的副本"))
        parser.add_argument("--recent", type=int, default=None, metavar="N",
                            help=gettext("只逐条校验最新的 N 条封存（锚点与链尾仍全部核对），用于两次全量校验之间的快速检查"))

    def handle(self, *args, action: str, no_seal: bool, anchor: list[Path] | None, recent: int | None, **options):
        if action == "tip":
            self._tip()
            return
        if action == "seal" or not no_seal:
            sealed = audit_seal_pending()
            self.stdout.write(ngettext("已封存 {count} 条事件。", "已封存 {count} 条事件。", sealed).format(count=sealed))
        if action == "verify":
            started = time.perf_counter()
            if recent is not None and recent < 1:
                raise CommandError(gettext("--recent 必须是正整数，收到：{value}").format(value=recent))
            findings = audit_verify(anchors=anchor, recent=recent)
            elapsed = time.perf_counter() - started
            if findings:
                first = findings[0]
                for f in findings[:20]:
                    self.stderr.write(f"[{f.label}] {f.message}")
                raise CommandError(ngettext("审计链校验失败（共{count}处）：首个问题（{label}）—— {message}",
                                            "审计链校验失败（共{count}处）：首个问题（{label}）—— {message}",
                                            len(findings)).format(count=len(findings), label=first.label,
                                                                  message=first.message))
            if recent:
                done = ngettext("审计链完整，未发现篡改（逐条校验最新{count}条封存，与链外锚点一致；用时{seconds}秒）。",
                                "审计链完整，未发现篡改（逐条校验最新{count}条封存，与链外锚点一致；用时{seconds}秒）。",
                                recent).format(count=recent, seconds=f"{elapsed:.1f}")
            else:
                count = AuditSeal.objects.count()
                done = ngettext("审计链完整，未发现篡改（逐条校验{count}条封存，与链外锚点一致；用时{seconds}秒）。",
                                "审计链完整，未发现篡改（逐条校验{count}条封存，与链外锚点一致；用时{seconds}秒）。",
                                count).format(count=count, seconds=f"{elapsed:.1f}")
            self.stdout.write(done)

    def _tip(self):
        seal = AuditSeal.objects.order_by("-seq").first()
        last = anchor_read().last
        if seal is None:
            self.stdout.write(gettext("审计链为空。"))
        else:
            self.stdout.write(gettext("数据库链尾：第{seq}号封存  {hash}  {sealed_at}").format(
                seq=seal.seq, hash=seal.hash, sealed_at=seal.sealed_at.isoformat()))
        if last:
            self.stdout.write(gettext("锚点（{path}）最后一条：第{seq}号  {hash}  {at}").format(
                path=anchor_path(), seq=last[0], hash=last[1], at=last[2]))
        else:
            self.stdout.write(gettext("锚点文件 {path} 尚无记录。").format(path=anchor_path()))
