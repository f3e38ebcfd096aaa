"""`doorstep accounts --print`: the demo accounts to try, one per role."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from doorstep.accounts.models import User
from doorstep.accounts.roles import ROLE_LABELS, Role
from doorstep.demo.build import DEMO_PASSWORD

EXAMPLES = ["admin", "leader", "dispatcher", "approver", "dept_cg", "clerk_s01a", "approver_s01", "leader_s01", "admin_s01",
            "clerk_c001001", "clerk_c001002", "supervisor_c001001", "gw_001001003", "volunteer1", "13800000001",
            "13800000002"]  # clerk_c001002: 谢小波's own station (README); 13800000002: 姜建国


class Command(BaseCommand):
    @property
    def help(self) -> str:  # worded when the parser is made, in the language then active (argparse needs a str)
        return gettext("列出演示账号。")

    def add_arguments(self, parser):
        parser.add_argument("--print", action="store_true")

    def handle(self, *args, **options):
        users = {u.username: u for u in User.objects.filter(username__in=EXAMPLES).select_related("org_node")}
        if not users:
            self.stdout.write(gettext("没有演示账号：先运行 doorstep demo。"))
            return
        self.stdout.write(gettext("演示账号（密码均为 {password}）：").format(password=DEMO_PASSWORD))
        for name in EXAMPLES:
            u = users.get(name)
            if u:
                where = u.org_node.name if u.org_node_id else ""
                self.stdout.write(f"  {name:<22} {str(ROLE_LABELS[Role(u.role)]):<10} {u.full_name} {where}")
