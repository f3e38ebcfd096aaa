"""Resident lookup endpoints: scoped, masked, reveal with a reason."""

from typing import Literal

from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from doorstep.audit.services import audit_record
from doorstep.core.ratelimit import LIST, rate_limited
from doorstep.registry.selectors import resident_age, resident_get_for_user
from doorstep.registry.services import resident_lookup, resident_reveal

router = Router(tags=[_("居民")])


class ResidentOut(Schema):
    id: int
    name: str
    gender: str
    age: int
    document_type: str = Field(..., description=_("证件类型：id_card 居民身份证、hmt_residence 港澳台居民居住证、foreign_permanent 外国人永久居留身份证、passport 护照、hk_macao_permit 港澳居民来往内地通行证、taiwan_permit 台湾居民来往大陆通行证"))
    id_number_masked: str
    phone_masked: str
    grid_code: str
    address: str
    relation: str
    status: str = Field("active", description=_("登记状态：active 在册、deceased 已死亡、moved_out 已迁出本区（后两者已归档，不能作为申请人）"))
    openable: bool = Field(True, description=_("能否凭这次查询打开该居民（窗口人员按姓名查到的其他辖区居民为 false，需凭身份证号或手机号查询）"))


class ResidentPage(Schema):
    total: int = Field(..., description=_("总数；total_capped 为 true 时表示“至少这么多”"))
    total_capped: bool = False
    page: int | None = Field(None, description=_("页码；按 cursor 翻到的页为 null"))
    pages: int | None = Field(None, description=_("总页数；总数封顶时为 null"))
    next_cursor: str | None = Field(None, description=_("下一页的翻页位置（作为 cursor 参数传回）；没有下一页时为 null"))
    understood_as: str
    note: str = Field("", description=_("输入是如何理解的（如15位身份证号已转换为18位）；按原样理解时为空"))
    items: list[ResidentOut]


class SearchParams(Schema):
    q: str = Field("", max_length=60, description=_("证件号码（各类证件，15位身份证号自动转换）、电话（手机或带区号的固定电话，任意写法）、姓名、拼音或首字母、楼栋地址"))
    kind: Literal["auto", "id_number", "phone", "name", "pinyin", "address"] = "auto"
    sort: Literal["name", "-name", "birth_date", "-birth_date"] = "name"
    page: int = Field(1, ge=1, description=_("页码，最多到第 50 页；更后面请用 cursor"))
    cursor: str = Field("", max_length=512, description=_("翻页位置：上一页返回的 next_cursor"))


class RevealIn(Schema):
    field: Literal["id_number", "phone"]
    reason: str = Field(..., max_length=300)


class RevealOut(Schema):
    field: str
    value: str


def _out(r) -> dict:
    building = r.household.building
    return {"id": r.id, "name": r.name, "gender": r.gender, "age": resident_age(r),
            "document_type": r.document_type, "id_number_masked": r.id_number_masked, "phone_masked": r.phone_masked,
            "grid_code": r.path,
            "address": f"{building.name}{r.household.room}", "relation": r.get_relation_display(),
            "status": r.status, "openable": getattr(r, "openable", True)}


@router.get("/", response=ResidentPage, summary=_("查询居民（脱敏，分页）"))
@rate_limited(LIST)
def residents_search(request, params: Query[SearchParams]):
    result = resident_lookup(actor=request.auth, query=params.q, kind=params.kind, sort=params.sort,
                             page=params.page, channel="api", cursor=params.cursor)
    page = result.page
    return {"total": page.total, "total_capped": page.total_capped, "page": page.number, "pages": page.pages,
            "next_cursor": page.next_cursor or None, "understood_as": result.kind, "note": result.note,
            "items": [_out(r) for r in page.items]}


@router.get("/{resident_id}", response=ResidentOut, summary=_("居民详情（脱敏）"))
def resident_detail(request, resident_id: int):
    resident = resident_get_for_user(request.auth, resident_id)
    audit_record(actor=request.auth, action="registry.view", target=resident, summary={"channel": "api"})
    return _out(resident)


@router.post("/{resident_id}/reveal", response=RevealOut, summary=_("查看完整身份证号或手机号（须填写事由，留痕）"))
def resident_reveal_api(request, resident_id: int, payload: RevealIn):
    value = resident_reveal(actor=request.auth, resident_id=resident_id, field=payload.field, reason=payload.reason)
    return {"field": payload.field, "value": value}
