"""`doorstep token --user NAME [--name LABEL]`: issue an API token for an account (shown once)."""

from django.core.management.base import BaseCommand, CommandError

from doorstep.accounts.models import User
from doorstep.accounts.services import api_token_create


class Command(BaseCommand):
    help = "为账号签发 API 令牌（只显示一次，数据库只保存摘要）。"

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="账号用户名")
        parser.add_argument("--name", default="API", help="令牌名称，便于辨认用途")

    def handle(self, *args, user: str, name: str, **options):
        account = User.objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"没有名为 {user} 的有效账号。")
        token = api_token_create(actor=None, user=account, name=name)
        self.stdout.write(f"令牌（请妥善保存，不会再次显示）：{token}")
