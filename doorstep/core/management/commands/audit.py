"""`doorstep audit seal` chains pending events; `doorstep audit verify` walks the chain and names the first problem."""

from django.core.management.base import BaseCommand, CommandError

from doorstep.audit.services import audit_seal_pending, audit_verify


class Command(BaseCommand):
    help = "审计链：seal 封存待封存事件；verify 校验整条链。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["seal", "verify"])
        parser.add_argument("--no-seal", action="store_true", help="verify 前不先封存")

    def handle(self, *args, action: str, no_seal: bool, **options):
        if action == "seal" or not no_seal:
            sealed = audit_seal_pending()
            self.stdout.write(f"已封存 {sealed} 条事件。")
        if action == "verify":
            findings = audit_verify()
            if findings:
                first = findings[0]
                for f in findings[:20]:
                    self.stderr.write(f"[{f.kind}] {f.message}")
                raise CommandError(f"审计链校验失败（共{len(findings)}处）：首个问题 —— {first.message}")
            self.stdout.write("审计链完整，未发现篡改。")
