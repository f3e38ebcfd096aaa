"""`doorstep token --user NAME [--name LABEL] [--days N]`: issue an API token for an account (shown once);
`doorstep token --list --user NAME`: its tokens; `doorstep token --revoke ID`: revoke one."""

from django.core.management.base import BaseCommand, CommandError

from doorstep.accounts.models import User
from doorstep.accounts.selectors import api_tokens_of
from doorstep.accounts.services import api_token_create, api_token_revoke
from doorstep.core.errors import DomainError


class Command(BaseCommand):
    help = "签发、列出或吊销 API 令牌（令牌只显示一次，数据库只保存摘要；默认有效期见 DOORSTEP_API_TOKEN_DAYS）。"

    def add_arguments(self, parser):
        parser.add_argument("--user", help="账号用户名")
        parser.add_argument("--name", default="API", help="令牌名称，便于辨认用途")
        parser.add_argument("--days", type=int, default=None, help="有效天数（1–366，默认 DOORSTEP_API_TOKEN_DAYS）")
        parser.add_argument("--list", action="store_true", help="列出该账号的令牌")
        parser.add_argument("--revoke", metavar="ID", help="吊销编号为 ID 的令牌")

    def handle(self, *args, user: str | None, name: str, days: int | None, list: bool, revoke: str | None,
               **options):
        try:
            if revoke:
                row = api_token_revoke(actor=None, token_id=revoke)
                self.stdout.write(f"令牌 #{row.pk}（{row.name}）已吊销。")
                return
            if not user:
                raise CommandError("请用 --user 指定账号。")
            account = User.objects.filter(username=user, is_active=True).first()
            if account is None:
                raise CommandError(f"没有名为 {user} 的有效账号。")
            if list:
                for row in api_tokens_of(account):
                    self.stdout.write(f"#{row.pk}  {row.name:<20} 签发 {row.created_at:%Y-%m-%d}  "
                                      f"到期 {row.expires_at:%Y-%m-%d}  {row.state_label}")
                return
            token = api_token_create(actor=None, user=account, name=name, days=days)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"令牌（请妥善保存，不会再次显示）：{token}")
