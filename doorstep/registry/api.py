"""Resident lookup endpoints: scoped, masked, reveal with a reason."""

from typing import Literal

from ninja import Field, Query, Router, Schema

from doorstep.audit.services import audit_record
from doorstep.registry.selectors import resident_age, resident_get_for_user, resident_search_for_user
from doorstep.registry.services import resident_reveal

router = Router(tags=["居民"])


class ResidentOut(Schema):
    id: int
    name: str
    gender: str
    age: int
    id_number_masked: str
    phone_masked: str
    grid_code: str
    address: str
    relation: str


class ResidentPage(Schema):
    total: int
    page: int
    pages: int
    understood_as: str
    items: list[ResidentOut]


class SearchParams(Schema):
    q: str = Field("", max_length=60, description="身份证号、手机号、姓名、拼音或首字母、楼栋地址")
    kind: Literal["auto", "id_number", "phone", "name", "pinyin", "address"] = "auto"
    sort: Literal["name", "-name", "birth_date", "-birth_date"] = "name"
    page: int = Field(1, ge=1, le=100000)


class RevealIn(Schema):
    field: Literal["id_number", "phone"]
    reason: str = Field(..., max_length=300)


class RevealOut(Schema):
    field: str
    value: str


def _out(r) -> dict:
    building = r.household.building
    return {"id": r.id, "name": r.name, "gender": r.gender, "age": resident_age(r),
            "id_number_masked": r.id_number_masked, "phone_masked": r.phone_masked, "grid_code": r.path,
            "address": f"{building.name}{r.household.room}", "relation": r.get_relation_display()}


@router.get("/", response=ResidentPage, summary="查询居民（脱敏，分页）")
def residents_search(request, params: Query[SearchParams]):
    result = resident_search_for_user(request.auth, query=params.q, kind=params.kind, sort=params.sort,
                                      page=params.page)
    if params.q:
        audit_record(actor=request.auth, action="registry.search", target_type="registry.resident",
                     summary={"kind": result.kind, "total": result.page.total, "channel": "api"})
    return {"total": result.page.total, "page": result.page.number, "pages": result.page.pages,
            "understood_as": result.kind, "items": [_out(r) for r in result.page.items]}


@router.get("/{resident_id}", response=ResidentOut, summary="居民详情（脱敏）")
def resident_detail(request, resident_id: int):
    resident = resident_get_for_user(request.auth, resident_id)
    audit_record(actor=request.auth, action="registry.view", target=resident, summary={"channel": "api"})
    return _out(resident)


@router.post("/{resident_id}/reveal", response=RevealOut, summary="查看完整身份证号或手机号（须填写事由，留痕）")
def resident_reveal_api(request, resident_id: int, payload: RevealIn):
    value = resident_reveal(actor=request.auth, resident_id=resident_id, field=payload.field, reason=payload.reason)
    return {"field": payload.field, "value": value}
