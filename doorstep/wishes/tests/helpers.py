"""What the wish tests share: a community of the small demo, its clerk and grid workers, residents of it, confirmed
volunteers made on the spot, a tiny JPEG, and one-line calls of the services with fresh idempotency keys."""

import io
import itertools

from doorstep.accounts.models import User
from doorstep.conftest import user
from doorstep.core.crypto import blind_index, encrypt
from doorstep.core.idempotency import new_key
from doorstep.core.phones import mask_phone
from doorstep.org.models import OrgNode
from doorstep.registry.models import Resident
from doorstep.wishes.models import Volunteer
from doorstep.wishes.services.claims import wish_claim
from doorstep.wishes.services.wishes import wish_post, wish_publish

COMMUNITY = "430302001002"  # 展览桥 of the small demo
OTHER_COMMUNITY = "430302001001"  # 金地花园
_serial = itertools.count(1)


def community(code: str = COMMUNITY) -> OrgNode:
    return OrgNode.objects.get(code=code)


def clerk(code: str = COMMUNITY) -> User:
    return user(f"clerk_c{code[-6:]}")


def grid_worker_of(resident: Resident) -> User:
    return User.objects.select_related("org_node").filter(role="grid_worker", org_node__code=resident.path).order_by(
        "username").first()


def residents_of(code: str = COMMUNITY, n: int = 5) -> list[Resident]:
    """Active residents of the community with no open wish, one per household, names of three characters or more."""
    from doorstep.wishes.models import Wish

    busy = Wish.objects.exclude(state__in=["closed", "rejected", "cancelled", "expired"]).values("beneficiary_id")
    seen, found = set(), []
    for r in Resident.objects.filter(path__startswith=code, status="active").exclude(pk__in=busy).order_by(
            "id")[:400]:
        if r.household_id not in seen and len(r.name) >= 3:
            seen.add(r.household_id)
            found.append(r)
        if len(found) == n:
            break
    return found


def volunteer(code: str = COMMUNITY, *, active: bool = True) -> User:
    """A new volunteer account registered with the community (confirmed unless `active` is False)."""
    from django.utils import timezone

    n = next(_serial)
    phone = f"1390000{n:04d}"
    account = User.objects.create(username=f"vt{n}_{new_key()[:6]}", role="volunteer", full_name=f"志愿者{n}")
    node = community(code)
    Volunteer.objects.create(user=account, community=node, name=account.full_name, phone_enc=encrypt(phone),
                             phone_index=blind_index("phone", phone), phone_masked=mask_phone(phone),
                             state="active" if active else "applied", applied_at=timezone.now(),
                             number=f"T{node.code}{n:05d}"[:20] if active else None)
    return User.objects.get(pk=account.pk)


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def post(actor, resident: Resident, *, title: str = "一个新书包", places: int = 1, value: int = 120, **kwargs):
    return wish_post(actor=actor, beneficiary_id=resident.pk, title=title, value_yuan=value, places=places,
                     idempotency_key=kwargs.pop("key", None) or new_key(), **kwargs)


def published(resident: Resident | None = None, *, places: int = 1, code: str = COMMUNITY, **kwargs):
    """A wish posted by the community's clerk and published."""
    resident = resident or residents_of(code, 1)[0]
    wish = post(clerk(code), resident, places=places, **kwargs)
    return wish_publish(actor=clerk(code), wish_id=wish.pk)


def claim(actor, wish, **kwargs):
    return wish_claim(actor=actor, wish_id=wish.pk, idempotency_key=kwargs.pop("key", None) or new_key(), **kwargs)
