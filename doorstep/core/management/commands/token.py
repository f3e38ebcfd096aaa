"""`doorstep token --user NAME [--name LABEL] [--days N]`: issue an API token for an account (shown once);
`doorstep token --list --user NAME`: its tokens; `doorstep token --revoke ID`: revoke one."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from doorstep.accounts.models import User
from doorstep.accounts.selectors import api_tokens_of
from doorstep.accounts.services import api_token_create, api_token_revoke
from doorstep.core.errors import DomainError


class Command(BaseCommand):
    @property
    def help(self) -> str:  # worded when the parser is made, in the language then active (argparse needs a str)
        return gettext("签发、列出或吊销 API 令牌（令牌只显示一次，数据库只保存摘要；默认有效期见 DOORSTEP_API_TOKEN_DAYS）。")

    def add_arguments(self, parser):
        parser.add_argument("--user", help=gettext("账号用户名"))
        parser.add_argument("--name", default="API", help=gettext("令牌名称，便于辨认用途"))
        parser.add_argument("--days", type=int, default=None, help=gettext("有效天数（1–366，默认 DOORSTEP_API_TOKEN_DAYS）"))
        parser.add_argument("--list", action="store_true", help=gettext("列出该账号的令牌"))
        parser.add_argument("--revoke", metavar="ID", help=gettext("吊销编号为 ID 的令牌"))

    def handle(self, *args, user: str | None, name: str, days: int | None, list: bool, revoke: str | None,
               **options):
        try:
            if revoke:
                row = api_token_revoke(actor=None, token_id=revoke)
                self.stdout.write(gettext("令牌 #{id}（{name}）已吊销。").format(id=row.pk, name=row.name))
                return
            if not user:
                raise CommandError(gettext("请用 --user 指定账号。"))
            account = User.objects.filter(username=user, is_active=True).first()
            if account is None:
                raise CommandError(gettext("没有名为 {user} 的有效账号。").format(user=user))
            if list:
                for row in api_tokens_of(account):
                    self.stdout.write(gettext("#{id}  {name} 签发 {issued}  到期 {expires}  {state}").format(
                        id=row.pk, name=f"{row.name:<20}", issued=f"{row.created_at:%Y-%m-%d}",
                        expires=f"{row.expires_at:%Y-%m-%d}", state=row.state_label))
                return
            token = api_token_create(actor=None, user=account, name=name, days=days)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(gettext("令牌（请妥善保存，不会再次显示）：{token}").format(token=token))
