"""Service centers kept by their administrators (issue #11, item 11): the center, windows (全科 or 专窗), opening hours
(weekday, Saturday, 错时延时) and AB posts — through the services and the pages, with bad input refused in Chinese,
nothing changed, every change audited, creates idempotent, and the street administrator kept to their own street."""

import datetime
import uuid

import pytest

from doorstep.accounts.models import User
from doorstep.audit.models import AuditEvent
from doorstep.cases.tests.test_pages import logged_in
from doorstep.catalog.models import Category
from doorstep.core.errors import NotFound, ValidationFailed
from doorstep.org.models import OpeningHours, OrgNode, Post, ServiceCenter, Window
from doorstep.org.services import (
    center_create,
    center_update,
    hours_add,
    hours_delete,
    post_create,
    post_update,
    window_create,
    window_delete,
    window_update,
)

pytestmark = pytest.mark.django_db


def key() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def admin():
    return User.objects.get(username="admin")


@pytest.fixture
def street_admin():
    return User.objects.get(username="admin_s01")


@pytest.fixture
def street_center(street_admin):
    return ServiceCenter.objects.filter(org_node=street_admin.org_node).first()


@pytest.fixture
def other_street_center():
    """A center of another street of the same district: the district administrator's, not admin_s01's."""
    district = OrgNode.objects.get(code="430302")
    street = OrgNode.objects.create(code="430302099", name="测试街道", level="street", parent=district)
    return ServiceCenter.objects.create(org_node=street, name="测试街道便民服务中心")


def audited(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# ---- services ----------------------------------------------------------------------------------------------------

def test_center_create_under_a_node_by_code_is_audited_and_a_replay_returns_the_first(admin, street_admin):
    node = street_admin.org_node
    k = key()
    center = center_create(actor=admin, idempotency_key=k, node_code=node.code, name="城正街第二便民服务点",
                           address="城正街1号", phone="0731-55581234")
    again = center_create(actor=admin, idempotency_key=k, node_code=node.code, name="城正街第二便民服务点",
                          address="城正街1号", phone="0731-55581234")
    assert again.pk == center.pk and ServiceCenter.objects.filter(name="城正街第二便民服务点").count() == 1
    event = AuditEvent.objects.filter(action="org.center_create").latest("id")
    assert event.target_id == str(center.pk) and event.actor_id == admin.pk


@pytest.mark.parametrize("fields, field, message", [
    ({"name": ""}, "name", "请填写名称"),
    ({"phone": "call me"}, "phone", "咨询电话应为带区号的固定电话"),
    ({"phone": "123"}, "phone", "咨询电话应为带区号的固定电话"),
    ({"phone": "1" * 25}, "phone", "咨询电话应为带区号的固定电话"),
    ({"phone": "0731-555"}, "phone", "咨询电话应为带区号的固定电话"),
    ({"node_code": ""}, "node", "请选择所属组织"),
    ({"node_code": "430304001"}, "node", "不在您的管辖范围内"),  # another district
    ({"name": "x" * 101}, "name", "不超过100个字"),
])
def test_center_create_refuses_bad_input_in_chinese_and_changes_nothing(street_admin, fields, field, message):
    before = ServiceCenter.objects.count()
    values = {"node_code": street_admin.org_node.code, "name": "新中心", "address": "", "phone": "", **fields}
    with pytest.raises(ValidationFailed, match=message) as info:
        center_create(actor=street_admin, idempotency_key=key(), **values)
    assert info.value.field == field and ServiceCenter.objects.count() == before


@pytest.mark.parametrize("typed, stored", [
    ("0731-55581234", "0731-55581234"), ("０７３１ ５５５８ １２３４", "0731-55581234"), ("(0731)55581234", "0731-55581234"),
    ("55581234", "0731-55581234"), ("0731-55581234转8001", "0731-55581234转8001"),
    ("0731-55581234 ext. 12", "0731-55581234转12"), ("+86 138 0000 0001", "13800000001"), ("12345", "12345"),
    ("010-12345678", "010-12345678"),
])
def test_a_center_phone_is_read_as_people_write_it_and_stored_as_the_pages_print_it(street_admin, typed, stored):
    center = center_create(actor=street_admin, idempotency_key=key(), node_code=street_admin.org_node.code,
                           name="新中心", address="", phone=typed)
    assert center.phone == stored


def test_a_street_administrator_keeps_only_the_centers_of_their_street(street_admin, street_center,
                                                                       other_street_center):
    with pytest.raises(ValidationFailed, match="不在您的管辖范围内"):
        center_create(actor=street_admin, idempotency_key=key(), node_code="430302099", name="越权中心")
    with pytest.raises(NotFound):
        window_create(other_street_center, actor=street_admin, idempotency_key=key(), number="1", name="1号窗口")
    with pytest.raises(NotFound):
        center_update(other_street_center, actor=street_admin, name="改名")
    assert not other_street_center.windows.exists()
    window = window_create(street_center, actor=street_admin, idempotency_key=key(), number="90", name="90号窗口")
    assert window.center_id == street_center.pk


@pytest.mark.parametrize("username", ["clerk_s01a", "leader", "approver_s01", "13800000001"])
def test_other_roles_keep_no_center(username, street_center):
    with pytest.raises(NotFound):
        window_create(street_center, actor=User.objects.get(username=username), idempotency_key=key(),
                      number="91", name="91号窗口")


def test_center_update_changes_fields_and_audits_only_real_changes(admin, street_center):
    events = audited("org.center_update")
    center_update(street_center, actor=admin, name=street_center.name, address="新地址88号", phone="0731-52345678")
    street_center.refresh_from_db()
    assert street_center.address == "新地址88号" and audited("org.center_update") == events + 1
    center_update(street_center, actor=admin, name=street_center.name, address="新地址88号", phone="0731-52345678")
    assert audited("org.center_update") == events + 1


def test_a_window_number_used_twice_is_refused_with_a_message(admin, street_center):
    taken = street_center.windows.order_by("number").first()
    before = street_center.windows.count()
    with pytest.raises(ValidationFailed, match=f"{taken.number}号窗口已经存在") as info:
        window_create(street_center, actor=admin, idempotency_key=key(), number=str(taken.number), name="重复")
    assert info.value.field == "number" and street_center.windows.count() == before
    other = window_create(street_center, actor=admin, idempotency_key=key(), number="77", name="77号窗口")
    with pytest.raises(ValidationFailed, match=f"{taken.number}号窗口已经存在"):
        window_update(other, actor=admin, number=taken.number, name="77号窗口")


@pytest.mark.parametrize("number, message", [("", "请填写窗口号"), ("0", "1–999"), ("abc", "1–999"), ("1000", "1–999"),
                                             ("-3", "1–999")])
def test_window_numbers_must_be_whole_numbers_in_range(admin, street_center, number, message):
    with pytest.raises(ValidationFailed, match=message):
        window_create(street_center, actor=admin, idempotency_key=key(), number=number, name="窗口")


def test_a_dedicated_window_names_its_categories_and_a_general_one_none(admin, street_center):
    with pytest.raises(ValidationFailed, match="专窗须选择至少一个办理类别") as info:
        window_create(street_center, actor=admin, idempotency_key=key(), number="60", name="社保专窗",
                      is_general=False)
    assert info.value.field == "categories"
    with pytest.raises(ValidationFailed, match="所选办理类别不存在"):
        window_create(street_center, actor=admin, idempotency_key=key(), number="60", name="社保专窗",
                      is_general=False, category_codes=["NOPE"])
    code = Category.objects.first().code
    window = window_create(street_center, actor=admin, idempotency_key=key(), number="60", name="社保专窗",
                           is_general=False, category_codes=[code])
    assert not window.is_general and [c.code for c in window.categories.all()] == [code]
    window_update(window, actor=admin, number="60", name="60号综合窗口", is_general=True, category_codes=[code])
    window.refresh_from_db()
    assert window.is_general and not window.categories.exists()
    assert AuditEvent.objects.filter(action="org.window_update", target_id=str(window.pk)).exists()
    window_id = window.pk
    window_delete(window, actor=admin)
    assert not Window.objects.filter(pk=window_id).exists()
    assert AuditEvent.objects.filter(action="org.window_delete", target_id=str(window_id)).exists()


@pytest.mark.parametrize("opens, closes, field, message", [
    ("25:00", "26:00", "opens", "“25:00”不是有效的时间"),
    ("08:60", "12:00", "opens", "不是有效的时间"),
    ("9点", "12:00", "opens", "不是有效的时间"),
    ("", "12:00", "opens", "请填写开始时间"),
    ("12:00", "08:30", "closes", "结束时间须晚于开始时间（12:00–08:30）"),
    ("09:00", "09:00", "closes", "结束时间须晚于开始时间"),
    ("08:30", "24:00", "closes", "不是有效的时间"),
])
def test_bad_times_are_refused_with_a_message_and_change_nothing(admin, other_street_center, opens, closes, field,
                                                                   message):
    with pytest.raises(ValidationFailed, match=message) as info:
        hours_add(other_street_center, actor=admin, idempotency_key=key(), weekdays=["0"], opens=opens,
                  closes=closes)
    assert info.value.field == field and not other_street_center.opening_hours.exists()


def test_hours_for_weekdays_saturday_and_staggered_and_no_overlap(admin, other_street_center):
    center = other_street_center
    hours_add(center, actor=admin, idempotency_key=key(), weekdays=["0", "1", "2", "3", "4"], opens="08:30",
              closes="12:00")
    hours_add(center, actor=admin, idempotency_key=key(), weekdays=["5"], opens="9:00", closes="12：00")
    hours_add(center, actor=admin, idempotency_key=key(), weekdays=["0", "1", "2", "3", "4"], opens="12:00",
              closes="14:00", kind="staggered")  # 午间不打烊: touches the morning period, does not overlap it
    rows = list(center.opening_hours.values_list("weekday", "opens", "closes", "kind"))
    assert len(rows) == 11
    assert (5, datetime.time(9), datetime.time(12), "regular") in rows
    assert center.opening_hours.filter(kind="staggered").count() == 5
    with pytest.raises(ValidationFailed, match="周三已有时段 08:30–12:00，与新时段重叠"):
        hours_add(center, actor=admin, idempotency_key=key(), weekdays=["2", "6"], opens="11:00", closes="13:00")
    assert center.opening_hours.count() == 11
    with pytest.raises(ValidationFailed, match="请至少选择一天"):
        hours_add(center, actor=admin, idempotency_key=key(), weekdays=[], opens="18:00", closes="20:00")
    with pytest.raises(ValidationFailed, match="星期只能选周一到周日"):
        hours_add(center, actor=admin, idempotency_key=key(), weekdays=["7"], opens="18:00", closes="20:00")
    with pytest.raises(ValidationFailed, match="时段类型"):
        hours_add(center, actor=admin, idempotency_key=key(), weekdays=["6"], opens="18:00", closes="20:00",
                  kind="night")
    assert audited("org.hours_add") >= 3
    saturday = center.opening_hours.get(weekday=5)
    hours_delete(center, saturday.pk, actor=admin)
    assert not center.opening_hours.filter(weekday=5).exists()
    assert AuditEvent.objects.filter(action="org.hours_delete", target_id=str(center.pk)).exists()


def test_hours_add_is_idempotent(admin, other_street_center):
    k = key()
    for _ in range(2):
        hours_add(other_street_center, actor=admin, idempotency_key=k, weekdays=["5"], opens="09:00",
                  closes="12:00")
    assert other_street_center.opening_hours.count() == 1
    assert OpeningHours.objects.filter(center=other_street_center, weekday=5).count() == 1


def test_posts_take_an_a_and_a_b_holder_of_the_centers_own_node(admin, street_center):
    staff = list(User.objects.filter(org_node=street_center.org_node, is_active=True,
                                     role__in=["clerk", "approver", "leader", "admin"]).order_by("id")[:2])
    a, b = staff
    elsewhere = User.objects.filter(role="clerk").exclude(org_node=street_center.org_node).first()
    resident = User.objects.get(username="13800000001")
    with pytest.raises(ValidationFailed, match="请选择A岗人员"):
        post_create(street_center, actor=admin, idempotency_key=key(), name="受理岗", holder_a_id="")
    for outsider in (elsewhere, resident):
        with pytest.raises(ValidationFailed, match=f"须是{street_center.org_node.name}的在岗工作人员") as info:
            post_create(street_center, actor=admin, idempotency_key=key(), name="受理岗", holder_a_id=a.pk,
                        holder_b_id=outsider.pk)
        assert info.value.field == "holder_b"
    with pytest.raises(ValidationFailed, match="A岗和B岗须是两个人"):
        post_create(street_center, actor=admin, idempotency_key=key(), name="受理岗", holder_a_id=a.pk,
                    holder_b_id=a.pk)
    post = post_create(street_center, actor=admin, idempotency_key=key(), name="测试受理岗", holder_a_id=str(a.pk),
                       holder_b_id=str(b.pk))
    assert post.org_node_id == street_center.org_node_id and post.acting_holder == a
    with pytest.raises(ValidationFailed, match="已有“测试受理岗”岗位"):
        post_create(street_center, actor=admin, idempotency_key=key(), name="测试受理岗", holder_a_id=a.pk)
    post_update(post, actor=admin, name="测试受理岗", holder_a_id=a.pk, holder_b_id=b.pk, a_absent=True)
    post.refresh_from_db()
    assert post.acting_holder == b
    with pytest.raises(ValidationFailed, match="须有B岗人员顶岗"):
        post_update(post, actor=admin, name="测试受理岗", holder_a_id=a.pk, holder_b_id="", a_absent=True)
    assert AuditEvent.objects.filter(action="org.post_update", target_id=str(post.pk)).exists()
    assert AuditEvent.objects.filter(action="org.post_create", target_id=str(post.pk)).exists()
    assert Post.objects.get(pk=post.pk).holder_b_id == b.pk


# ---- pages -------------------------------------------------------------------------------------------------------

def test_the_centers_page_is_a_tile_for_administrators_only(street_center, other_street_center):
    admin_page = logged_in("admin")
    home = admin_page.get("/").content.decode()
    assert "/org/centers/" in home
    listing = admin_page.get("/org/centers/").content.decode()
    assert street_center.name in listing and other_street_center.name in listing
    street = logged_in("admin_s01")
    listing = street.get("/org/centers/").content.decode()
    assert street_center.name in listing and other_street_center.name not in listing
    assert street.get(f"/org/centers/{other_street_center.pk}/").status_code == 404
    assert street.post(f"/org/centers/{other_street_center.pk}/windows/",
                       {"number": "1", "name": "x", "is_general": "1", "idempotency_key": key()}).status_code == 404
    for username in ("clerk_s01a", "leader", "13800000001"):
        client = logged_in(username)
        assert client.get("/org/centers/").status_code == 403
        assert "/org/centers/" not in client.get("/").content.decode()
    assert logged_in("admin").get("/org/centers/abc/").status_code == 404


def test_center_page_shows_windows_hours_and_posts_in_chinese(street_center):
    page = logged_in("admin_s01").get(f"/org/centers/{street_center.pk}/").content.decode()
    for text in ("窗口", "开放时间", "岗位（AB岗）", "周六", "错时延时", "添加窗口", "添加时段", "添加岗位",
                 street_center.org_node.name):
        assert text in page
    assert "org_node" not in page and "Holder" not in page


def test_an_empty_center_says_what_is_missing(other_street_center):
    page = logged_in("admin").get(f"/org/centers/{other_street_center.pk}/").content.decode()
    assert 'data-testid="windows-empty"' in page and 'data-testid="hours-empty"' in page
    assert 'data-testid="posts-empty"' in page


def test_new_center_form_chooses_the_node_by_name_and_keeps_what_was_typed_on_error():
    client = logged_in("admin_s01")
    form = client.get("/org/centers/new/").content.decode()
    node = User.objects.get(username="admin_s01").org_node
    assert f'value="{node.code}"' in form and f"{node.name}（街道）" in form
    response = client.post("/org/centers/new/", {"node": node.code, "name": "城正街夜间服务点", "address": "解放路9号",
                                                 "phone": "电话坏了", "idempotency_key": key()})
    page = response.content.decode()
    assert response.status_code == 400 and "咨询电话应为带区号的固定电话" in page
    assert 'value="城正街夜间服务点"' in page and 'value="解放路9号"' in page and 'value="电话坏了"' in page
    assert f'value="{node.code}" selected' in page
    assert not ServiceCenter.objects.filter(name="城正街夜间服务点").exists()
    response = client.post("/org/centers/new/", {"node": node.code, "name": "城正街夜间服务点", "address": "解放路9号",
                                                 "phone": "0731-55581234", "idempotency_key": key()})
    center = ServiceCenter.objects.get(name="城正街夜间服务点")
    assert response.status_code == 303 and response["Location"] == f"/org/centers/{center.pk}/"


def test_window_and_hours_forms_keep_what_was_typed_and_say_why(street_center):
    client = logged_in("admin")
    taken = street_center.windows.order_by("number").first().number
    category = Category.objects.order_by("code").last().code
    response = client.post(f"/org/centers/{street_center.pk}/windows/", {
        "number": str(taken), "name": "我的新窗口", "is_general": "0", "categories": [category],
        "idempotency_key": key()})
    page = response.content.decode()
    assert response.status_code == 400 and f"{taken}号窗口已经存在" in page and 'value="我的新窗口"' in page
    assert 'id="window-dedicated" checked' in page and f'id="window-cat-{category}" checked' in page
    response = client.post(f"/org/centers/{street_center.pk}/hours/", {
        "weekdays": ["5", "6"], "opens": "25:00", "closes": "12:00", "kind": "staggered", "idempotency_key": key()})
    page = response.content.decode()
    assert response.status_code == 400 and "“25:00”不是有效的时间" in page
    assert 'value="5" id="hours-day-5" checked' in page and 'value="6" id="hours-day-6" checked' in page
    assert 'value="25:00"' in page and 'value="staggered" selected' in page
    bad_post = client.post(f"/org/centers/{street_center.pk}/posts/", {"name": "岗", "holder_a": "abc",
                                                                       "idempotency_key": key()})
    assert bad_post.status_code == 400 and "在岗工作人员" in bad_post.content.decode()
    # no key at all: a clear message, not a 500
    no_key = client.post(f"/org/centers/{street_center.pk}/windows/", {"number": "55", "name": "x", "is_general": "1"})
    assert no_key.status_code == 400 and "提交编号" in no_key.content.decode()


def test_window_edit_and_delete_pages(street_center):
    client = logged_in("admin")
    window = street_center.windows.order_by("number").first()
    response = client.post(f"/org/centers/{street_center.pk}/windows/{window.pk}/", {
        "number": "88", "name": "88号综合窗口", "is_general": "1"})
    assert response.status_code == 303
    window.refresh_from_db()
    assert window.number == 88
    assert client.get(f"/org/centers/{street_center.pk}/windows/{window.pk}/delete/").status_code == 405
    # the demo's windows have called people (the hall's history): refused, and the page offers no delete button
    assert window.tickets.exists()
    refused = client.post(f"/org/centers/{street_center.pk}/windows/{window.pk}/delete/")
    assert refused.status_code == 409 and "不能删除" in refused.content.decode()
    assert Window.objects.filter(pk=window.pk).exists()
    page = client.get(f"/org/centers/{street_center.pk}/").content.decode()
    assert f"/windows/{window.pk}/delete/" not in page and "window-in-use" in page
    fresh = Window.objects.create(center=street_center, number=77, name="77号综合窗口")
    assert f"/windows/{fresh.pk}/delete/" in client.get(f"/org/centers/{street_center.pk}/").content.decode()
    assert client.post(f"/org/centers/{street_center.pk}/windows/{fresh.pk}/delete/").status_code == 303
    assert not Window.objects.filter(pk=fresh.pk).exists()
    assert client.post(f"/org/centers/{street_center.pk}/windows/{fresh.pk}/delete/").status_code == 404


def test_the_admin_center_form_chooses_the_node_by_name_not_by_raw_id(street_center):
    page = logged_in("admin").get(f"/admin/org/servicecenter/{street_center.pk}/change/").content.decode()
    assert "vForeignKeyRawIdAdminField" not in page
    assert f">{street_center.org_node}</option>" in page
    grid = OrgNode.objects.filter(level="grid").first()
    assert f'value="{grid.pk}"' not in page.split('name="org_node"')[1].split("</select>")[0]


# ---- posts whose holders stand elsewhere (a street clerk backing a community station) ----------------------------

@pytest.fixture
def station_post(street_admin):
    """The demo's community station post: A is the community's clerk, B a clerk of the street above it."""
    post = (Post.objects.filter(center__org_node__parent=street_admin.org_node)
            .select_related("center", "holder_b").order_by("pk").first())
    assert post.holder_b.org_node_id != post.center.org_node_id
    return post


def test_saving_a_post_unchanged_keeps_its_b_holder_from_another_node(station_post):
    client = logged_in("admin_s01")
    url = f"/org/centers/{station_post.center_id}/posts/{station_post.pk}/"
    form = client.get(url).content.decode()
    b = station_post.holder_b
    assert f'<option value="{b.pk}" selected>{b.full_name}（{b.role_label}，{b.org_node.name}）' in form
    response = client.post(url, {"name": station_post.name, "holder_a": str(station_post.holder_a_id),
                                 "holder_b": str(b.pk), "a_absent": ""})
    assert response.status_code == 303
    station_post.refresh_from_db()
    assert station_post.holder_b_id == b.pk
    page = client.get(f"/org/centers/{station_post.center_id}/")
    assert page.status_code == 200 and b.full_name in page.content.decode()


def test_a_kept_holder_may_stay_but_a_new_one_must_be_of_the_centers_node(admin, station_post):
    other_street_clerk = User.objects.filter(role="clerk", org_node__level="street").exclude(
        org_node=station_post.holder_b.org_node).exclude(pk=station_post.holder_a_id).first()
    with pytest.raises(ValidationFailed, match="须是.*的在岗工作人员") as info:
        post_update(station_post, actor=admin, name=station_post.name, holder_a_id=station_post.holder_a_id,
                    holder_b_id=other_street_clerk.pk)
    assert info.value.field == "holder_b"
    # the two current holders may swap places: both are kept holders
    post_update(station_post, actor=admin, name=station_post.name, holder_a_id=station_post.holder_b_id,
                holder_b_id=station_post.holder_a_id)
    station_post.refresh_from_db()
    assert station_post.holder_a.org_node_id != station_post.center.org_node_id
    User.objects.filter(pk=station_post.holder_a_id).update(is_active=False)
    with pytest.raises(ValidationFailed, match="账号已停用或已不是工作人员") as info:
        post_update(station_post, actor=admin, name=station_post.name, holder_a_id=station_post.holder_a_id,
                    holder_b_id=station_post.holder_b_id)
    assert info.value.field == "holder_a"


def test_a_post_without_holders_shows_not_set_instead_of_failing(station_post):
    Post.objects.filter(pk=station_post.pk).update(holder_a=None, holder_b=None)
    client = logged_in("admin_s01")
    response = client.get(f"/org/centers/{station_post.center_id}/")
    assert response.status_code == 200
    row = response.content.decode().split(station_post.name, 1)[1].split("</tr>", 1)[0]
    assert row.count("未设置") == 2
    form = client.get(f"/org/centers/{station_post.center_id}/posts/{station_post.pk}/")
    assert form.status_code == 200


def test_a_deactivated_holder_is_offered_marked_and_must_be_replaced(station_post):
    b = station_post.holder_b
    User.objects.filter(pk=b.pk).update(is_active=False)
    client = logged_in("admin_s01")
    url = f"/org/centers/{station_post.center_id}/posts/{station_post.pk}/"
    assert f"{b.full_name}（{b.role_label}，已停用）" in client.get(url).content.decode()
    response = client.post(url, {"name": station_post.name, "holder_a": str(station_post.holder_a_id),
                                 "holder_b": str(b.pk)})
    assert response.status_code == 400 and "账号已停用或已不是工作人员" in response.content.decode()
    station_post.refresh_from_db()
    assert station_post.holder_b_id == b.pk
