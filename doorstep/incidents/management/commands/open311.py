"""`doorstep open311 key --name 12345热线 [--district 430302]`: issue an Open311 api_key (printed once, only its
digest is kept) with the client's service account; `doorstep open311 list`: the clients; `doorstep open311 revoke
--name NAME`: stop a client's key."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from doorstep.core.errors import DomainError
from doorstep.incidents.open311.clients import (
    open311_client_create,
    open311_client_deactivate,
    open311_clients,
)


class Command(BaseCommand):
    @property
    def help(self) -> str:  # worded when the parser is made, in the language then active (argparse needs a str)
        return gettext("开放接口（Open311 GeoReport v2）客户端：签发 api_key（只显示一次）、列出、停用。")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["key", "list", "revoke"],
                            help=gettext("key：签发；list：列出；revoke：停用"))
        parser.add_argument("--name", help=gettext("客户端名称，如 12345热线"))
        parser.add_argument("--district", help=gettext("所属区的编码（默认第一个区）"))

    def handle(self, *args, action: str, name: str | None, district: str | None, **options):
        try:
            if action == "list":
                for client in open311_clients():
                    state = gettext("启用") if client.active else gettext("已停用")
                    self.stdout.write(gettext("{name}  区 {district}  账号 {account}  签发 {created}  {state}").format(
                        name=client.name, district=client.account.org_node.code, account=client.account.username,
                        created=f"{client.created_at:%Y-%m-%d}", state=state))
                return
            if not name:
                raise CommandError(gettext("请用 --name 指定客户端名称。"))
            if action == "revoke":
                client = open311_client_deactivate(actor=None, name=name)
                self.stdout.write(gettext("开放接口客户端“{name}”已停用。").format(name=client.name))
                return
            client, key = open311_client_create(actor=None, name=name, district=district)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(gettext("api_key（请妥善保存，不会再次显示）：{key}").format(key=key))
