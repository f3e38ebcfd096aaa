"""The service-hours ledger and its certificate (issue #15 item 4; 民政部令第67号): corrections are new rows with
negative minutes, never edits; the certificate's total is the ledger's sum and it names the volunteer by number, never
by an ID number; its PDF; the issuance is audited; the verification code; who may read a ledger; the Excel export."""

import datetime
import io
import re

import pytest
from django.test import Client

from doorstep.audit.models import AuditEvent
from doorstep.conftest import user
from doorstep.core.errors import NotFound, PermissionDenied, ValidationFailed
from doorstep.wishes.models import HoursEntry, Volunteer
from doorstep.wishes.services.activities import signup_check_in
from doorstep.wishes.services.hours import hours_certificate_issue, hours_correct
from doorstep.wishes.tests.helpers import OTHER_COMMUNITY, clerk, volunteer
from doorstep.wishes.tests.test_activities import START, confirmed, post_activity, sign_up

pytestmark = pytest.mark.django_db
ID_NUMBER = re.compile(r"\d{17}[\dXx]")


def client_for(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def served(me, n: int = 2):
    """`me` served n activities of two hours each, a day apart; their ledger rows."""
    for k in range(n):
        shift = datetime.timedelta(days=k)
        a = post_activity(starts=START + shift, ends=START + shift + datetime.timedelta(hours=2),
                          title=f"敬老院服务{k}")
        confirmed(me, a)
    return list(HoursEntry.objects.filter(volunteer__user=me).order_by("served_on"))


def test_a_correction_is_a_new_negative_row_and_the_original_is_never_edited():
    me = volunteer()
    entry = served(me, 1)[0]
    fix = hours_correct(actor=clerk(), entry_id=entry.pk, minutes_delta="-30", reason="提前离开")
    assert fix.minutes == -30 and fix.signup_id is None and fix.note == "提前离开" and fix.activity == entry.activity
    assert HoursEntry.objects.get(pk=entry.pk).minutes == 120
    assert sum(HoursEntry.objects.filter(volunteer__user=me).values_list("minutes", flat=True)) == 90
    assert AuditEvent.objects.filter(action="hours.correct", target_id=str(fix.pk)).exists()


@pytest.mark.parametrize("delta", ["30", "0", "", "abc", "-1.5", "-121", "- 5", None])
def test_a_correction_only_takes_minutes_off_and_never_below_zero(delta):
    entry = served(volunteer(), 1)[0]
    with pytest.raises(ValidationFailed):
        hours_correct(actor=clerk(), entry_id=entry.pk, minutes_delta=delta, reason="核对")
    assert HoursEntry.objects.filter(activity=entry.activity).count() == 1


def test_a_correction_needs_a_reason_and_the_right_person_and_an_original_row():
    me = volunteer()
    entry = served(me, 1)[0]
    with pytest.raises(ValidationFailed):
        hours_correct(actor=clerk(), entry_id=entry.pk, minutes_delta=-10, reason=" ")
    for who in (me, clerk(OTHER_COMMUNITY), user("leader_s01"), volunteer()):
        with pytest.raises(PermissionDenied):
            hours_correct(actor=who, entry_id=entry.pk, minutes_delta=-10, reason="核对")
    fix = hours_correct(actor=clerk(), entry_id=entry.pk, minutes_delta=-10, reason="核对")
    with pytest.raises(ValidationFailed):
        hours_correct(actor=clerk(), entry_id=fix.pk, minutes_delta=-10, reason="核对")
    with pytest.raises(NotFound):
        hours_correct(actor=clerk(), entry_id="abc", minutes_delta=-10, reason="核对")


def test_the_certificate_total_is_the_ledger_sum_and_the_issuance_is_audited():
    me = volunteer()
    entries = served(me, 3)
    hours_correct(actor=clerk(), entry_id=entries[0].pk, minutes_delta=-45, reason="提前离开")
    v = Volunteer.objects.get(user=me)
    cert = hours_certificate_issue(actor=me, volunteer_id=v.pk)
    ledger_sum = sum(HoursEntry.objects.filter(volunteer=v).values_list("minutes", flat=True))
    assert cert.total_minutes == ledger_sum == 3 * 120 - 45 and cert.total_hours == "5.2"
    assert [r["minutes"] for r in cert.rows] == [75, 120, 120] and cert.start == START.date()
    assert AuditEvent.objects.filter(action="wishes.certificate", actor_id=me.pk, target_id=str(v.pk)).exists()
    one_day = hours_certificate_issue(actor=me, volunteer_id=v.pk, start=START.date() + datetime.timedelta(days=1),
                                      end=START.date() + datetime.timedelta(days=1))
    assert one_day.total_minutes == 120 and len(one_day.rows) == 1


def test_who_may_issue_a_certificate():
    me = volunteer()
    served(me, 1)
    v = Volunteer.objects.get(user=me)
    for who in (clerk(), user("admin_s01"), user("leader_s01"), me):
        assert hours_certificate_issue(actor=who, volunteer_id=v.pk).total_minutes == 120
    for who in (clerk(OTHER_COMMUNITY), volunteer(), user("13800000001")):
        with pytest.raises(PermissionDenied):
            hours_certificate_issue(actor=who, volunteer_id=v.pk)
    with pytest.raises(ValidationFailed):
        hours_certificate_issue(actor=me, volunteer_id=v.pk, start=START.date(),
                                end=START.date() - datetime.timedelta(days=1))


def test_the_certificate_page_shows_the_volunteer_number_the_rows_and_no_id_number():
    me = volunteer()
    served(me, 2)
    v = Volunteer.objects.get(user=me)
    response = client_for(me).get("/activities/hours/certificate/")
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert v.number in html and v.name in html and "志愿服务记录证明" in html and "民政部令第67号" in html
    assert re.search(r'data-testid="cert-total">4\.0 小时（240 分钟）', html)
    assert html.count('data-testid="cert-row"') == 2 and "敬老院服务1" in html and v.community.name in html
    assert not ID_NUMBER.search(html) and "<svg" in html and "/activities/hours/verify/" in html
    assert client_for(me).get("/activities/hours/certificate/", {"from": "2026-02-30"}).status_code == 400


def test_the_certificate_pdf_is_a_pdf():
    me = volunteer()
    served(me, 1)
    response = client_for(me).get("/activities/hours/certificate/", {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="wishes.certificate", summary__format="pdf").exists()


def test_the_verification_page_confirms_a_certificate_and_refuses_an_altered_code():
    me = volunteer()
    entry = served(me, 1)[0]
    v = Volunteer.objects.get(user=me)
    cert = hours_certificate_issue(actor=me, volunteer_id=v.pk)
    public = Client()
    page = public.get(f"/activities/hours/verify/{cert.code}/").content.decode()
    assert v.number in page and "一致" in page and "2.0" in page and v.name not in page
    assert public.get(f"/activities/hours/verify/{cert.code[:-2]}xx/").status_code == 404
    hours_correct(actor=clerk(), entry_id=entry.pk, minutes_delta=-60, reason="核对")
    assert "不一致" in public.get(f"/activities/hours/verify/{cert.code}/").content.decode()


def test_the_ledger_page_for_the_volunteer_and_for_the_staff_who_may_see_it():
    me = volunteer()
    served(me, 2)
    v = Volunteer.objects.get(user=me)
    mine = client_for(me).get("/activities/hours/").content.decode()
    assert 'data-testid="total-hours">4.0<' in mine and mine.count('data-testid="ledger-row"') == 2
    assert 'data-testid="correct-form"' not in mine
    staff = client_for(clerk()).get(f"/activities/hours/{v.pk}/").content.decode()
    assert staff.count('data-testid="correct-form"') == 2
    assert 'data-testid="correct-form"' not in client_for(user("leader_s01")).get(
        f"/activities/hours/{v.pk}/").content.decode()
    for who in (clerk(OTHER_COMMUNITY), volunteer()):
        assert client_for(who).get(f"/activities/hours/{v.pk}/").status_code == 404
        assert client_for(who).get(f"/activities/hours/{v.pk}/certificate/").status_code == 404
    assert client_for(clerk()).get("/activities/hours/99999999999/").status_code == 404
    assert client_for(volunteer(active=False)).get("/activities/hours/").status_code == 404


def test_a_correction_over_http_and_its_refusal():
    me = volunteer()
    entry = served(me, 1)[0]
    v = Volunteer.objects.get(user=me)
    client = client_for(clerk())
    bad = client.post(f"/activities/hours/entries/{entry.pk}/correct/", {"minutes_delta": "30", "reason": "x"})
    assert bad.status_code == 400 and "负的分钟数" in bad.content.decode()
    ok = client.post(f"/activities/hours/entries/{entry.pk}/correct/", {"minutes_delta": "-20", "reason": "核对"})
    assert ok.status_code == 303 and ok["Location"] == f"/activities/hours/{v.pk}/"
    assert client_for(me).post(f"/activities/hours/entries/{entry.pk}/correct/",
                               {"minutes_delta": "-20", "reason": "x"}).status_code == 403
    assert client_for(clerk(OTHER_COMMUNITY)).post(f"/activities/hours/entries/{entry.pk}/correct/",
                                                   {"minutes_delta": "-20", "reason": "x"}).status_code == 404


def test_the_excel_export_gives_each_volunteers_total_for_the_period():
    from openpyxl import load_workbook

    me, other = volunteer(), volunteer()
    served(me, 2)
    a = post_activity(title="文明劝导")
    confirmed(other, a)
    response = client_for(clerk()).get("/activities/hours/export/", {"from": START.date().isoformat()})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["说明", "服务时长"] and book.active.title == "说明"
    about = dict(book["说明"].iter_rows(values_only=True))
    assert "志愿服务时长" in about["内容"] and clerk().org_node.name in about["范围"] and about["导出时间"]
    rows = list(book["服务时长"].iter_rows(values_only=True))
    assert about["行数"] == len(rows) - 1
    by_number = {r[1]: r for r in rows[1:]}
    mine = by_number[Volunteer.objects.get(user=me).number]
    assert mine[4:] == (2, 240, 4.0)
    assert by_number[Volunteer.objects.get(user=other).number][5] == 120
    assert client_for(me).get("/activities/hours/export/").status_code == 403
    assert client_for(clerk()).get("/activities/hours/export/", {"to": "yesterday"}).status_code == 400
    later = client_for(clerk()).get("/activities/hours/export/", {"from": "2099-01-01"})
    empty = load_workbook(io.BytesIO(later.content))
    assert len(list(empty["服务时长"].iter_rows())) == 1 and dict(empty["说明"].iter_rows(values_only=True))["行数"] == 0


def test_an_unconfirmed_check_in_leaves_the_ledger_empty():
    me = volunteer()
    a = post_activity()
    sign_up(me, a)
    signup_check_in(actor=me, token=a.checkin_token, now=START)
    v = Volunteer.objects.get(user=me)
    assert hours_certificate_issue(actor=me, volunteer_id=v.pk).total_minutes == 0
    assert 'data-testid="ledger-empty"' in client_for(me).get("/activities/hours/").content.decode()
