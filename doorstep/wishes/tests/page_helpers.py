"""What the wish pages' tests share (no tests here): 谢小波's household in 展览桥 (grid 430302001002001) as the
household a wish is for, its grid worker and community clerk, confirmed volunteers, wishes made through the services
in any state, a real small JPEG, a logged-in client."""

import functools
import io
import itertools
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from doorstep.conftest import user
from doorstep.core.crypto import blind_index, encrypt
from doorstep.org.models import OrgNode
from doorstep.wishes.models import Volunteer, Wish
from doorstep.wishes.services import claims, wishes

OPEN = ("posted", "published", "claimed", "fulfilled")


def _busy():
    return Wish.objects.filter(state__in=OPEN).values("beneficiary_id")


@functools.cache
def _home_id() -> int:
    """A resident account whose household has no open wish of the demo's and whose name has three characters or
    more (the wall must never show it); its grid has a grid worker."""
    from doorstep.accounts.models import User

    for account in User.objects.select_related("resident").filter(
            role="resident", resident__status="active", resident__path__startswith="430302001").order_by("id")[:300]:
        r = account.resident
        if len(r.name) >= 3 and not Wish.objects.filter(household_id=r.household_id, state__in=OPEN).exists() \
                and User.objects.filter(role="grid_worker", org_node__code=r.path).exists():
            return account.pk
    raise AssertionError("no resident account fits")


def xie():
    """The household's resident account (named for 谢小波, the demo's first; any account that fits)."""
    from doorstep.accounts.models import User

    return User.objects.select_related("org_node", "resident__household__building").get(pk=_home_id())


def grid_code() -> str:
    return xie().resident.path


def community_code() -> str:
    return grid_code()[:12]


def other_community_code() -> str:
    """Another community of the same street."""
    return OrgNode.objects.filter(level="community", code__startswith=community_code()[:9]).exclude(
        code=community_code()).order_by("code").values_list("code", flat=True)[0]


def clerk():
    return user("clerk_c" + community_code()[6:])


def other_clerk():
    return user("clerk_c" + other_community_code()[6:])


def grid_worker_of(resident):
    from doorstep.accounts.models import User

    return User.objects.select_related("org_node", "resident").filter(
        role="grid_worker", org_node__code=resident.path).order_by("username").first()


def grid_worker():
    return grid_worker_of(xie().resident)


def other_grid_worker():
    from doorstep.accounts.models import User

    return User.objects.select_related("org_node", "resident").filter(
        role="grid_worker", org_node__level="grid").exclude(org_node__code=grid_code()).order_by("username")[0]


def other_resident():
    """A resident account of another household."""
    from doorstep.accounts.models import User

    return User.objects.select_related("org_node", "resident").filter(
        role="resident", resident__status="active").exclude(
        resident__household_id=xie().resident.household_id).order_by("id")[0]


def neighbours(n: int, code: str | None = None) -> list:
    """Residents of the community (default: the household's) with no open wish, one per household, other than the
    household's, each in a grid with a grid worker."""
    from doorstep.registry.models import Resident

    code = code or community_code()
    seen, found = {xie().resident.household_id}, []
    for r in Resident.objects.filter(path__startswith=code, status="active").exclude(pk__in=_busy()).order_by(
            "id")[:600]:
        if r.household_id not in seen and grid_worker_of(r) is not None:
            seen.add(r.household_id)
            found.append(r)
        if len(found) == n:
            break
    return found


_serial = itertools.count(1)


def volunteer(community: str | None = None, *, state: str = "active"):
    """A new volunteer account with its registration (confirmed unless `state` says otherwise)."""
    from doorstep.accounts.models import User

    n = next(_serial)
    now = timezone.now()
    phone = f"1391234{n:04d}"
    account = User.objects.create(username=f"wall_v{n}_{uuid.uuid4().hex[:6]}", role="volunteer",
                                  full_name=f"志愿者{n}号")
    node = OrgNode.objects.get(code=community or community_code())
    Volunteer.objects.create(
        user=account, community=node, number=f"W{node.code}{n:04d}" if state == "active" else None,
        name=account.full_name, phone_enc=encrypt(phone), phone_index=blind_index("phone", phone),
        phone_masked=phone[:3] + "****" + phone[-4:], state=state, applied_at=now,
        confirmed_at=now if state == "active" else None)
    return user(account.username)


def key() -> str:
    return str(uuid.uuid4())


def post(*, beneficiary=None, title: str = "一个新书包", places: int = 1, story_consent: bool = True,
         value: int = 80, actor=None) -> Wish:
    beneficiary = beneficiary or xie().resident
    actor = actor or grid_worker_of(beneficiary)
    return wishes.wish_post(actor=actor, beneficiary_id=beneficiary.pk, title=title, description="上学用",
                            value_yuan=value, places=places, story_consent=story_consent, idempotency_key=key())


def published(**kwargs) -> Wish:
    wish = post(**kwargs)
    return wishes.wish_publish(actor=user("clerk_c" + wish.community.code[6:]), wish_id=wish.pk)


def claimed(claimant=None, **kwargs) -> Wish:
    """A claimed wish; `wish.claimant` is the volunteer's account (a new one unless given)."""
    claimant = claimant or volunteer()
    wish = published(**kwargs)
    claims.wish_claim(actor=claimant, wish_id=wish.pk, idempotency_key=key())
    wish = Wish.objects.get(pk=wish.pk)
    wish.claimant = claimant
    return wish


def fulfilled(claimant=None, **kwargs) -> Wish:
    wish = claimed(claimant, **kwargs)
    done = claims.wish_fulfil(actor=wish.claimant, wish_id=wish.pk, note="送到了", photos=[jpeg()],
                              idempotency_key=key())
    done.claimant = wish.claimant
    return done


def closed(**kwargs) -> Wish:
    wish = fulfilled(**kwargs)
    done = claims.wish_confirm(actor=grid_worker_of(wish.beneficiary), wish_id=wish.pk, story_consent=True)
    done.claimant = wish.claimant
    return done


def jpeg(name: str = "done.jpg") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (200, 40, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def client_for(account=None) -> Client:
    client = Client()
    if account is not None:
        client.force_login(account)
    return client


def page(response) -> str:
    return response.content.decode()
