"""Wish endpoints for volunteers' phone apps: the wall, the wishes a volunteer may claim (own community first), a
claim (with an Idempotency-Key), one's claims and giving a place back — the same services and selectors as the pages,
cut to the token's account. What they return about a wish is what the public wall shows: the beneficiary masked, no
household, no address.

The OpenAPI texts are lazy: /api/docs says them in the request's language (doorstep.api)."""

import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Query, Router, Schema, Status

from doorstep.core.errors import PermissionDenied
from doorstep.core.idempotency import HEADER, REPLAYED_HEADER, was_replayed
from doorstep.wishes.models import WishCategory
from doorstep.wishes.selectors.wishes import claimable_for_volunteer, my_claims, wall_wishes
from doorstep.wishes.services.claims import wish_claim, wish_release
from doorstep.wishes.services.common import volunteer_of
from doorstep.wishes.workflow import WISH_STATE_CONTEXT, WISH_STATE_LABELS

router = Router(tags=[_("微心愿")])
PAGE_MAX = 50


class WishOut(Schema):
    id: int
    number: str
    title: str
    category: str
    beneficiary: str = Field(..., description=_("心愿人（脱敏，只显示姓）"))
    community: str
    value_yuan: int
    places: int
    claimed: int
    state: str
    state_label: str
    published_at: datetime.datetime | None
    expires_at: datetime.datetime | None


class ListIn(Schema):
    area: str = Field("", description=_("街道（9位）或社区（12位）编码"))
    category: str = ""
    q: str = Field("", max_length=60)
    offset: int = Field(0, ge=0, le=10000)
    limit: int = Field(20, ge=1, le=PAGE_MAX)


class ClaimIn(Schema):
    group_name: str = Field("", max_length=60, description=_("代表团队认领时的团队名称（可空）"))


class ClaimOut(Schema):
    id: int
    state: str
    group_name: str
    claimed_at: datetime.datetime
    wish: WishOut


class ReleaseIn(Schema):
    reason: str = Field("", max_length=300)


def _wish_out(wish) -> dict:
    return {"id": wish.pk, "number": wish.number, "title": wish.title, "category": wish.category,
            "beneficiary": wish.beneficiary_masked, "community": wish.community.name, "value_yuan": wish.value_yuan,
            "places": wish.places, "claimed": wish.claimed, "state": wish.state,
            "state_label": pgettext(WISH_STATE_CONTEXT, WISH_STATE_LABELS[wish.state]),
            "published_at": wish.published_at, "expires_at": wish.expires_at}


def _claim_out(claim) -> dict:
    return {"id": claim.pk, "state": claim.state, "group_name": claim.group_name, "claimed_at": claim.claimed_at,
            "wish": _wish_out(claim.wish)}


def _volunteer(request):
    volunteer = volunteer_of(request.auth)
    if volunteer is None:
        raise PermissionDenied(gettext("只有已报到并经社区确认的志愿者可以认领心愿。"))
    return volunteer


@router.get("", response=list[WishOut], summary=_("心愿墙：待认领和已认领的心愿"))
def wall(request, params: Query[ListIn]):
    category = params.category if params.category in WishCategory.values else ""
    rows = wall_wishes(area=params.area, category=category, q=params.q)[params.offset:params.offset + params.limit]
    return [_wish_out(w) for w in rows]


@router.get("/claimable", response=list[WishOut], summary=_("我可认领的心愿（本社区优先）"))
def claimable(request, params: Query[ListIn]):
    volunteer = _volunteer(request)
    category = params.category if params.category in WishCategory.values else ""
    rows = claimable_for_volunteer(volunteer, now=timezone.now(), category=category, q=params.q)
    return [_wish_out(w) for w in rows[params.offset:params.offset + params.limit]]


@router.post("/{wish_id}/claims", response={201: ClaimOut}, summary=_("认领心愿"))
def claim(request, wish_id: int, payload: ClaimIn, response: HttpResponse,
          idempotency_key: str | None = Header(None, alias=HEADER, description=_(
              "必填：本次提交的唯一编号。重试时带同一编号只认领一次，返回第一次的结果（响应头 Idempotent-Replayed: true）。"))):
    found = wish_claim(actor=request.auth, wish_id=wish_id, group_name=payload.group_name,
                       idempotency_key=idempotency_key)
    if was_replayed(found):
        response[REPLAYED_HEADER] = "true"
    return Status(201, _claim_out(found))


@router.get("/claims", response=list[ClaimOut], summary=_("我的认领"))
def claims(request, tab: str = "active"):
    volunteer = _volunteer(request)
    return [_claim_out(c) for c in my_claims(volunteer, tab=tab)[:PAGE_MAX]]


@router.post("/{wish_id}/release", response=WishOut, summary=_("放弃认领"))
def release(request, wish_id: int, payload: ReleaseIn):
    return _wish_out(wish_release(actor=request.auth, wish_id=wish_id, reason=payload.reason))
