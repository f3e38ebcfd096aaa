"""Open311 clients and their api_keys: issued by the command line (`doorstep open311 key --name 12345热线`), shown
once, kept only as a SHA-256 digest. Each client submits as its own service account: a dispatcher (指挥中心派遣员)
of the district's command center that cannot log in, so that every report it sends is numbered, audited and
idempotent per client like any other (incidents.services.intake, channel open311)."""

import hashlib
import secrets

from django.db import transaction
from django.utils.translation import gettext

from doorstep.audit.services import audit_record
from doorstep.core.errors import NotFound, ValidationFailed
from doorstep.incidents.models import Open311Client

KEY_PREFIX = "o311_"
KEY_MAX_LENGTH = 100  # a longer value is no key of ours: refused before it is hashed


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def client_for_key(key) -> Open311Client | None:
    """The active client holding `key`, with its service account and the account's org node (one query); None for
    a missing, unknown or revoked key."""
    key = str(key or "").strip()
    if not key or len(key) > KEY_MAX_LENGTH:
        return None
    return (Open311Client.objects.select_related("account__org_node")
            .filter(key_digest=key_digest(key), active=True, account__is_active=True).first())


def _district(code: str | None):
    from doorstep.org.models import OrgNode

    districts = OrgNode.objects.filter(level="district")
    node = districts.filter(code=code).first() if code else districts.order_by("code").first()
    if node is None:
        raise ValidationFailed(gettext("没有编码为 {code} 的区。").format(code=code) if code else
                               gettext("还没有区级组织，请先建立组织架构。"), field="district")
    return node


def open311_client_create(*, actor, name: str, district: str | None = None) -> tuple[Open311Client, str]:
    """Issue an api_key for a new client named `name` (unique, 1–60 characters) of the district `district` (its
    code; the first district when None), with its service account (role dispatcher at the district node, no usable
    password). Result: (the client, the plain key) — the key is returned once; only its digest is stored.
    ValidationFailed for an empty or taken name or an unknown district. Audit: incidents.open311_client_create."""
    from doorstep.accounts.models import User
    from doorstep.accounts.roles import Role

    name = " ".join(str(name or "").split())
    if not name or len(name) > 60:
        raise ValidationFailed(gettext("请填写客户端名称（1–60个字）。"), field="name")
    if Open311Client.objects.filter(name=name).exists():
        raise ValidationFailed(gettext("已有名为“{name}”的开放接口客户端。").format(name=name), field="name")
    node = _district(district)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        account = User(username=f"open311_{secrets.token_hex(5)}", role=Role.DISPATCHER, org_node=node,
                       full_name=name[:50], must_change_password=False)
        account.set_unusable_password()  # submits through the interface only, never through the login page
        account.save()
        client = Open311Client.objects.create(name=name, key_digest=key_digest(key), account=account)
        audit_record(actor=actor, action="incidents.open311_client_create", target=client,
                     summary={"name": name, "district": node.code, "account": account.username},
                     actor_label="" if actor else "doorstep")
    return client, key


def open311_client_deactivate(*, actor, name: str) -> Open311Client:
    """Stop a client's key (403 from then on; its reports stay). NotFound for an unknown name. Audit:
    incidents.open311_client_deactivate (once: deactivating twice changes nothing more)."""
    with transaction.atomic():
        client = Open311Client.objects.select_for_update().filter(name=" ".join(str(name or "").split())).first()
        if client is None:
            raise NotFound(gettext("没有这个开放接口客户端。"))
        if client.active:
            client.active = False
            client.save(update_fields=["active"])
            audit_record(actor=actor, action="incidents.open311_client_deactivate", target=client,
                         summary={"name": client.name}, actor_label="" if actor else "doorstep")
    return client


def open311_clients() -> list[Open311Client]:
    return list(Open311Client.objects.select_related("account__org_node").order_by("id"))
