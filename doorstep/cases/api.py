"""Case endpoints: accept at a window, act on a case, read the ledger and one case — the same services and
selectors as the pages, cut to the token's account.

The OpenAPI texts are lazy: /api/openapi.json and /api/docs say them in the request's language (doorstep.api)."""

import base64
import binascii
import datetime
from typing import Literal

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from ninja import Field, Header, Query, Router, Schema, Status

from doorstep.cases.models import Channel, Delivery
from doorstep.cases.selectors import case_detail_for_user, case_list_for_user, supervision_limits
from doorstep.cases.services import (
    DeliveryProofIn,
    case_accept_at_window,
    case_search_record,
    case_transition,
)
from doorstep.cases.supervision import sla_mark
from doorstep.cases.workflow import STATE_CONTEXT, STATE_LABELS, Action, State
from doorstep.core.idempotency import HEADER, REPLAYED_HEADER, was_replayed
from doorstep.core.ratelimit import LIST, rate_limited

router = Router(tags=[_("办件")])


class AcceptIn(Schema):
    item: str = Field(..., max_length=20, description=_("事项编码"))
    applicant_id: int = Field(..., ge=1, description=_("申请人（居民）id"))
    materials_present: list[int] = Field(default_factory=list, max_length=50, description=_("已收取的纸质材料 id"))
    consent: bool = Field(False, description=_("申请人已同意调取共享数据"))
    delivery: Literal["pickup", "home", "post"] = Delivery.PICKUP
    channel: Literal["window", "grid"] = Channel.WINDOW
    ineligible_acknowledged: bool = Field(False, description=_("资格核查不符合时：已告知申请人，申请人坚持申请（承诺件）"))


class ActionIn(Schema):
    action: Literal[tuple(a.value for a in Action if a != Action.RATE)]  # type: ignore[valid-type]
    note: str = Field("", max_length=300, description=_("理由（不予受理、不予批准、补正时必填）"))
    confirm_unreceived: bool = Field(False, description=_("批准/不予批准时上报的纸质材料尚未签收：确认已核对电子材料"))
    recipient_name: str = Field("", max_length=50, description=_("送达时必填：签收人姓名"))
    relation: Literal["", "self", "spouse", "child", "parent", "relative", "agent"] = Field(
        "", description=_("送达时必填：签收人与申请人关系（self 本人、spouse 配偶、child 子女、parent 父母、relative 其他亲属、agent 受托代收人）"))
    signature_png: str = Field("", max_length=700_000, description=_("送达时：签收人签名，PNG 的 base64（送达照片请在页面上传）"))


class CaseOut(Schema):
    id: int
    number: str
    item: str
    item_name: str
    state: str
    state_label: str
    channel: str
    review_level: str
    review_node: str
    accepted_at: datetime.datetime | None
    due_date: datetime.date | None
    mark: str
    public_code: str


class CasePage(Schema):
    total: int = Field(..., description=_("总数；total_capped 为 true 时表示“至少这么多”（计数到上限为止）"))
    total_capped: bool = False
    page: int | None = Field(None, description=_("页码；按 cursor 翻到的页为 null"))
    pages: int | None = Field(None, description=_("总页数；总数封顶时为 null"))
    next_cursor: str | None = Field(None, description=_("下一页的翻页位置（作为 cursor 参数传回）；没有下一页时为 null"))
    prev_cursor: str | None = Field(None, description=_("按 cursor 翻到的页的上一页位置；页码页请用 page - 1"))
    items: list[CaseOut]


class LedgerParams(Schema):
    state: str = Field("", max_length=24)
    mark: Literal["", "red", "yellow"] = ""
    q: str = Field("", max_length=40, description=_("办件编号（前缀）；窗口人员查其他单位的办件：“办件编号 查询码”或申请人身份证号"))
    sort: Literal["-id", "id", "due_date", "-due_date", "item", "-item", "state", "-state"] = "-id"
    page: int = Field(1, ge=1, description=_("页码，最多到第 50 页；更后面请用 cursor（否则 400）"))
    cursor: str = Field("", max_length=512, description=_("翻页位置：上一页返回的 next_cursor 或 prev_cursor"))


def _out(case, limits=None) -> dict:
    today, limit = limits or supervision_limits()
    return {"id": case.id, "number": case.number, "item": case.item.code, "item_name": case.item.name,
            "state": case.state, "state_label": pgettext(STATE_CONTEXT, STATE_LABELS[State(case.state)]),
            "channel": case.channel,
            "review_level": case.review_level, "review_node": case.review_node.name, "accepted_at": case.accepted_at,
            "due_date": case.due_date, "mark": sla_mark(case.state, case.due_date, today=today, yellow_limit=limit),
            "public_code": case.public_code}


@router.post("/", response={201: CaseOut}, summary=_("窗口受理（全区通办）"))
def case_accept(request, payload: AcceptIn, response: HttpResponse,
                idempotency_key: str | None = Header(None, alias=HEADER, description=_(
                    "必填：本次提交的唯一编号（UUID，或8–64位字母、数字及 . _ : -）。重试时带同一编号：只受理一次，"
                    "返回第一次的结果，响应头 Idempotent-Replayed: true；同一编号换了内容返回 409；缺少返回 400。"))):
    case = case_accept_at_window(actor=request.auth, item_code=payload.item, applicant_id=payload.applicant_id,
                                 materials_present=payload.materials_present, consent=payload.consent,
                                 delivery=payload.delivery, channel=payload.channel,
                                 ineligible_acknowledged=payload.ineligible_acknowledged,
                                 idempotency_key=idempotency_key)
    if was_replayed(case):
        response[REPLAYED_HEADER] = "true"
    return Status(201, _out(case))


@router.get("/", response=CasePage, summary=_("办件台账（分页、筛选、排序）"))
@rate_limited(LIST)
def case_ledger(request, params: Query[LedgerParams]):
    page = case_list_for_user(request.auth, page=params.page, cursor=params.cursor, state=params.state,
                              mark=params.mark, q=params.q, sort=params.sort)
    case_search_record(actor=request.auth, query=params.q, cases=page.items)
    limits = supervision_limits()
    return {"total": page.total, "total_capped": page.total_capped, "page": page.number, "pages": page.pages,
            "next_cursor": page.next_cursor or None, "prev_cursor": page.prev_cursor or None,
            "items": [_out(c, limits) for c in page.items]}


@router.get("/{case_id}", response=CaseOut, summary=_("办件详情"))
def case_get(request, case_id: int):
    case, _ = case_detail_for_user(request.auth, case_id)
    return _out(case)


@router.post("/{case_id}/actions", response=CaseOut, summary=_("办理操作（转报、批准、办结、送达……）"))
def case_act(request, case_id: int, payload: ActionIn):
    proof = None
    if payload.action == Action.DELIVER.value:
        try:
            signature = base64.b64decode(payload.signature_png, validate=True) if payload.signature_png else b""
        except (binascii.Error, ValueError):
            signature = b"-"  # not a PNG: the service says the signature cannot be read
        proof = DeliveryProofIn(recipient_name=payload.recipient_name, relation=payload.relation,
                                signature_png=signature)
    case = case_transition(actor=request.auth, case_id=case_id, action=payload.action, note=payload.note,
                           confirm_unreceived=payload.confirm_unreceived, proof=proof)
    return _out(case)
