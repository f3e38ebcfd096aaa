"""The registration pages over HTTP (issue #15 item 1): the public 志愿者报到 form and its 待社区确认 page, a
resident told to use a separate account, bad input answered in Chinese with nothing made, a doubled submission
registering once; the community's roster (tabs and counts, search by name, skill, number and phone, filters,
export with masked phones, buttons only where the table allows, bounded queries); one registration's page with the
audited reveal; 我的报到; and a volunteer finding no resident data under /residents/."""

import io
import re
import uuid

import pytest
from django.test import Client

from doorstep.accounts.models import User
from doorstep.audit.models import AuditEvent
from doorstep.conftest import user
from doorstep.registry.models import Resident
from doorstep.wishes.authority import Extra, permitted
from doorstep.wishes.models import Volunteer
from doorstep.wishes.services import volunteers as svc
from doorstep.wishes.services.common import volunteer_relations
from doorstep.wishes.tests.test_volunteers import (
    JINDI,
    PASSWORD,
    ZHANLAN,
    account,
    clerk,
    community,
    make_volunteer,
    new_phone,
    register,
)
from doorstep.wishes.workflow import RegistrationAction

pytestmark = pytest.mark.django_db

JOIN = "/volunteers/join/"
ROSTER = "/volunteers/roster/"


def client_for(who=None) -> Client:
    client = Client()
    if who is not None:
        client.force_login(who)
    return client


def page(response) -> str:
    return response.content.decode()


def join_form(**changes) -> dict:
    data = {"community": str(community().pk), "name": "刘志强", "phone": new_phone(), "password": PASSWORD,
            "kind": "volunteer", "employer": "湘潭电机厂", "position": "技术员", "skills": "电器维修、摄影",
            "offers": ["donation", "pairing"], "availability": ["weekend"], "idempotency_key": str(uuid.uuid4())}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def error_of(response, testid: str = "join-error") -> str:
    found = re.search(rf'data-testid="{testid}">([^<]*)', page(response))
    return found.group(1) if found else ""


# ---- 志愿者报到 ------------------------------------------------------------------------------------------------------

def test_the_public_form_offers_the_communities_by_street_the_three_offers_and_says_what_is_shared():
    html = page(client_for().get(JOIN))
    assert 'data-testid="privacy-notice"' in html and "138****0001" in html and "志愿者编号" in html
    assert '<optgroup label="城正街街道">' in html and "金地花园社区" in html
    assert html.count('name="offers"') == 3 and "认领服务岗位" in html and "认交困难朋友" in html
    assert 'name="idempotency_key"' in html and 'name="viewport"' in html
    narrowed = page(client_for().get(JOIN + "?q=展览桥"))
    assert "展览桥社区" in narrowed and "金地花园社区" not in narrowed


def test_a_person_registers_on_the_phone_and_sees_it_waits_for_the_community():
    client = client_for()
    data = join_form()
    response = client.post(JOIN, data)
    assert response.status_code == 303 and response["Location"] == "/volunteers/join/done/"
    volunteer = Volunteer.objects.get(phone_index=svc.blind_index("phone", data["phone"]))
    assert volunteer.state == "applied" and volunteer.name == "刘志强"
    done = page(client.get(response["Location"]))
    assert "待社区确认" in done and "金地花园社区" in done
    mine = page(client.get("/volunteers/me/"))
    assert "待确认" in mine and volunteer.phone_masked in mine and data["phone"] not in mine
    assert 'data-testid="leave"' not in mine and 'data-testid="reveal-form"' not in mine


def test_a_doubled_submission_registers_once():
    data = join_form()
    first, second = client_for().post(JOIN, data), client_for().post(JOIN, data)
    assert first.status_code == second.status_code == 303
    assert Volunteer.objects.filter(phone_index=svc.blind_index("phone", data["phone"])).count() == 1


@pytest.mark.parametrize("changes, words", [
    ({"community": None}, "社区"),
    ({"community": "12345678901234567890"}, "社区"),
    ({"community": "x" * 5000}, "社区"),
    ({"name": None}, "姓名"),
    ({"name": "李" * 10000}, "姓名"),
    ({"phone": "13"}, "手机号"),
    ({"phone": "1" * 5000}, "手机号"),
    ({"phone": None}, "手机号"),
    ({"password": None}, "密码"),
    ({"kind": None}, "身份"),
    ({"offers": ["everything"]}, "三认"),
    ({"skills": "技" * 5000}, "技能"),
    ({"employer": "厂" * 5000}, "工作单位"),
    ({"idempotency_key": None}, "提交编号"),
])
def test_bad_input_is_answered_in_chinese_with_the_form_kept_and_nothing_made(changes, words):
    users = User.objects.count()
    response = client_for().post(JOIN, join_form(**changes))
    assert response.status_code == 400 and words in error_of(response)
    assert User.objects.count() == users and 'data-testid="join-form"' in page(response)
    assert PASSWORD not in page(response)


def test_a_phone_already_registered_is_told_to_log_in():
    response = client_for().post(JOIN, join_form(phone="13800000001"))
    assert response.status_code == 400 and "该手机号已注册，请直接登录" in error_of(response)


def test_a_logged_in_resident_is_told_to_use_a_separate_volunteer_account():
    client = client_for(user("13800000001"))
    html = page(client.get(JOIN))
    assert 'data-testid="resident-notice"' in html and 'data-testid="join-form"' not in html
    response = client.post(JOIN, join_form())
    assert response.status_code == 403 and "单独的志愿者账号" in page(response)


def test_a_volunteer_with_a_registration_goes_to_their_own_page():
    volunteer = make_volunteer()
    assert client_for(account(volunteer)).get(JOIN)["Location"] == "/volunteers/me/"


# ---- the roster ----------------------------------------------------------------------------------------------------

def test_the_community_sees_its_roster_by_tab_with_counts_and_confirms_from_it():
    waiting = register(name="孙待确认")
    active = make_volunteer(name="钱在册")
    client = client_for(clerk())
    html = page(client.get(ROSTER))
    assert 'data-testid="roster-community">金地花园社区' in html
    assert "孙待确认" in html and "钱在册" not in html  # 待确认 is the first tab
    counts = dict(re.findall(r'data-testid="count-(\w+)">(\d+)<', html))
    assert int(counts["applied"]) >= 1 and int(counts["active"]) >= 1
    assert 'data-testid="confirm"' in html and 'data-testid="reject"' in html
    assert waiting.user.username not in html and waiting.phone_masked in html
    assert "钱在册" in page(client.get(ROSTER + "?tab=active"))
    response = client.post(f"/volunteers/{waiting.pk}/confirm/", {"next": ROSTER + "?tab=applied"})
    assert response.status_code == 303 and response["Location"] == ROSTER + "?tab=applied"
    waiting.refresh_from_db()
    assert waiting.state == "active" and waiting.number in page(client.get(f"/volunteers/{waiting.pk}/"))
    assert active.number in page(client.get(ROSTER + "?tab=active"))


def test_the_roster_finds_by_skill_number_employer_and_phone_and_filters_by_offer():
    volunteer = register(name="周摄影", skills="航拍、书法", employer="湘潭钢铁集团", offers=["donation"])
    phone = volunteer.user.username
    client = client_for(clerk())
    for query in ("航拍", "湘潭钢铁", "周摄影", phone, f"{phone[:3]} {phone[3:7]} {phone[7:]}"):
        html = page(client.get(ROSTER, {"tab": "applied", "q": query}))
        table = html[html.find('data-testid="roster"'):html.find("</table>")]
        assert "周摄影" in table, query
        # only the search box and the forms' way back echo what the searcher typed
        assert phone not in re.sub(r'(value|href)="[^"]*"', "", table)
    assert "周摄影" not in page(client.get(ROSTER, {"tab": "applied", "offer": "pairing"}))
    assert "周摄影" in page(client.get(ROSTER, {"tab": "applied", "offer": "donation"}))
    assert "周摄影" not in page(client.get(ROSTER, {"tab": "applied", "kind": "volunteer"}))
    empty = page(client.get(ROSTER, {"tab": "applied", "q": "没有这个人"}))
    assert 'data-testid="roster-empty"' in empty


def test_the_roster_export_has_masked_phones_only():
    from openpyxl import load_workbook

    volunteer = register(name="吴导出")
    response = client_for(clerk()).get(ROSTER, {"tab": "applied", "format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["说明", "志愿者名册"] and book.active.title == "说明"
    about = dict(book["说明"].iter_rows(values_only=True))
    assert "志愿者名册" in about["内容"] and about["范围"] == clerk().org_node.name and about["行数"] >= 1
    assert about["导出时间"] and about["说明"]
    sheet = book["志愿者名册"]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row]
    assert "吴导出" in cells and volunteer.phone_masked in cells and volunteer.user.username not in cells


BUTTONS = ((RegistrationAction.CONFIRM, "confirm"), (RegistrationAction.REJECT, "reject"))


def table_allows(actor, action, volunteer) -> bool:
    return permitted(actor.role, action, volunteer_relations(actor, volunteer))


@pytest.mark.parametrize("username, opens", [
    ("clerk_c001001", 200),
    ("admin_s01", 200),
    ("leader_s01", 200),
    ("gw_001001001", 403),
    ("13800000001", 403),
    ("clerk_s01a", 403),  # a street's window clerk is not a community's staff
])
def test_each_role_opens_the_roster_only_as_the_table_says_with_only_its_buttons(username, opens):
    waiting = register(name="郑按钮")
    actor = user(username)
    response = client_for(actor).get(ROSTER, {"community": community().pk})
    assert response.status_code == opens
    html = page(response)
    for action, testid in BUTTONS:
        assert (f'data-testid="{testid}"' in html) == (opens == 200 and table_allows(actor, action, waiting))
    assert ("郑按钮" in html) == (opens == 200)
    assert table_allows(user("clerk_c001001"), RegistrationAction.CONFIRM, waiting)
    assert not table_allows(user("leader_s01"), RegistrationAction.CONFIRM, waiting)


def test_a_volunteer_cannot_open_the_roster_and_a_clerk_cannot_open_another_communitys():
    assert client_for(account(make_volunteer())).get(ROSTER).status_code == 403
    assert client_for(clerk()).get(ROSTER, {"community": community(ZHANLAN).pk}).status_code == 404
    assert client_for(clerk()).get(ROSTER, {"community": "x" * 3000}).status_code == 404


def test_the_roster_reads_a_bounded_number_of_queries(django_assert_max_num_queries):
    for i in range(25):
        make_volunteer(name=f"名册{i:02d}")
    client = client_for(clerk())
    client.get(ROSTER + "?tab=active")  # the session and caches
    with django_assert_max_num_queries(12):
        assert client.get(ROSTER + "?tab=active").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(ROSTER + "?tab=active&page=2&q=名册").status_code == 200


# ---- one registration ----------------------------------------------------------------------------------------------

def test_the_community_reveals_a_phone_with_a_reason_on_the_page_and_it_is_audited():
    volunteer = register()
    phone = volunteer.user.username
    client = client_for(clerk())
    html = page(client.get(f"/volunteers/{volunteer.pk}/"))
    assert 'data-testid="reveal-form"' in html and phone not in html and volunteer.phone_masked in html
    short = client.post(f"/volunteers/{volunteer.pk}/reveal/", {"reason": "看"})
    assert short.status_code == 400 and "事由" in page(short) and phone not in page(short)
    shown = client.post(f"/volunteers/{volunteer.pk}/reveal/", {"reason": "通知参加周末活动"})
    assert shown.status_code == 200 and phone in page(shown)
    assert AuditEvent.objects.filter(action="volunteer.reveal_phone", target_id=str(volunteer.pk),
                                     result="ok").count() == 1


@pytest.mark.parametrize("username, status", [
    ("clerk_c001001", 200),
    ("admin_s01", 200),
    ("leader_s01", 200),
    ("clerk_c001002", 404),
    ("gw_001001001", 404),
    ("13800000001", 404),
])
def test_each_role_sees_a_registration_only_with_its_buttons_and_never_the_whole_phone(username, status):
    volunteer = register()
    actor = user(username)
    response = client_for(actor).get(f"/volunteers/{volunteer.pk}/")
    html = page(response)
    assert response.status_code == status and volunteer.user.username not in html
    shown = status == 200
    assert ('data-testid="reveal-form"' in html) == (shown and table_allows(actor, Extra.REVEAL_PHONE, volunteer))
    for action, testid in BUTTONS:
        assert (f'data-testid="{testid}"' in html) == (shown and table_allows(actor, action, volunteer))
    assert ('data-testid="reveal-form"' in html) == (username == "clerk_c001001")


def test_a_volunteer_reads_their_own_registration_but_not_anothers_and_moves_nothing_else():
    own, other = make_volunteer(), register()
    client = client_for(account(own))
    html = page(client.get(f"/volunteers/{own.pk}/"))
    assert 'data-testid="leave"' in html and 'data-testid="confirm"' not in html and 'reveal-form' not in html
    assert client.get(f"/volunteers/{other.pk}/").status_code == 404
    assert client.post(f"/volunteers/{other.pk}/confirm/").status_code == 404
    other.refresh_from_db()
    assert other.state == "applied"


@pytest.mark.parametrize("path", ["/volunteers/999999999/", "/volunteers/99999999999999999999999/",
                                  "/volunteers/0/", "/volunteers/abc/"])
def test_bad_ids_are_not_found(path):
    assert client_for(clerk()).get(path).status_code == 404


def test_an_unknown_action_or_a_refused_move_changes_nothing():
    volunteer = register()
    client = client_for(clerk())
    assert client.post(f"/volunteers/{volunteer.pk}/promote/").status_code == 404
    refused = client.post(f"/volunteers/{volunteer.pk}/reject/", {"reason": ""})
    assert refused.status_code == 400 and "原因" in error_of(refused, "volunteer-error")
    left = client.post(f"/volunteers/{volunteer.pk}/leave/", {"reason": "不再参加"})
    assert left.status_code == 409 and "当前状态为" in error_of(left, "volunteer-error")
    volunteer.refresh_from_db()
    assert volunteer.state == "applied"


# ---- 我的报到 and 代为报到 -------------------------------------------------------------------------------------------

def test_a_volunteer_edits_their_profile_and_leaves_on_their_own_page():
    volunteer = make_volunteer()
    client = client_for(account(volunteer))
    saved = client.post("/volunteers/me/", {"kind": "volunteer", "skills": "剪纸、象棋", "offers": ["service_post"],
                                            "availability": ["weekday_evening"]})
    assert saved.status_code == 303
    volunteer.refresh_from_db()
    assert volunteer.skills == ["剪纸", "象棋"] and volunteer.offers == ["service_post"]
    bad = client.post("/volunteers/me/", {"kind": "volunteer", "skills": "、".join(str(i) for i in range(20))})
    assert bad.status_code == 400 and "技能特长" in error_of(bad, "profile-error")
    assert client.post(f"/volunteers/{volunteer.pk}/leave/", {"reason": ""}).status_code == 303
    volunteer.refresh_from_db()
    assert volunteer.state == "left"


def test_the_community_registers_someone_at_the_station_from_the_roster():
    client = client_for(clerk())
    assert 'data-testid="register-at-station"' in page(client.get(ROSTER))
    data = join_form(name="冯代登")
    response = client.post("/volunteers/roster/new/", data)
    assert response.status_code == 303
    volunteer = Volunteer.objects.get(name="冯代登")
    assert volunteer.state == "active" and account(volunteer).must_change_password
    assert response["Location"] == f"/volunteers/{volunteer.pk}/"
    assert client.post("/volunteers/roster/new/", data).status_code == 303  # the same key: once
    assert Volunteer.objects.filter(name="冯代登").count() == 1
    assert client_for(user("gw_001001001")).get("/volunteers/roster/new/").status_code == 403


# ---- scope ---------------------------------------------------------------------------------------------------------

def test_a_volunteer_finds_no_resident_data_under_residents():
    resident = Resident.objects.filter(path__startswith=JINDI, status="active").order_by("id").first()
    client = client_for(account(make_volunteer()))
    for path in ("/residents/", f"/residents/?q={resident.name}", f"/residents/{resident.pk}/"):
        response = client.get(path)
        html = page(response)
        assert response.status_code in (403, 404), path
        assert resident.name not in html and resident.id_number_masked not in html
        assert not resident.phone_masked or resident.phone_masked not in html


def test_public_registration_is_limited_per_client_address(settings):
    settings.DOORSTEP_RATE_TRACK = "2/m"
    client = client_for()
    for _i in range(2):
        assert client.post(JOIN, join_form(phone="13")).status_code == 400
    refused = client.post(JOIN, join_form())
    assert refused.status_code == 429 and "请求过于频繁" in page(refused)
    assert client_for().get(JOIN).status_code == 200  # reading the form is not counted
