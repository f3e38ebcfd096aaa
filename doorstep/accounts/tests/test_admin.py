"""The Django admin is the district administrator's: one login with lockout and audit, master data only, cut to the
administrator's subtree; stateful models read-only or absent; the audit trail only for auditors, in their scope."""

import pytest
from django.test import Client

from doorstep.accounts.models import LoginThrottle, User
from doorstep.accounts.selectors import account_key
from doorstep.audit.models import AuditEvent
from doorstep.catalog.models import ServiceItem
from doorstep.conftest import user
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.org.models import OrgNode, ServiceCenter, Window

pytestmark = pytest.mark.django_db


def logged_in(username, address="10.20.0.1"):
    client = Client(REMOTE_ADDR=address)
    assert client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


def _promised_item() -> ServiceItem:
    return ServiceItem.objects.filter(kind="promised", promised_days__gt=1).order_by("id").first()


def test_admin_login_counts_failures_holds_back_and_audits():
    client = Client(REMOTE_ADDR="10.21.0.1")
    for _ in range(10):
        response = client.post("/admin/login/", {"username": "admin", "password": "wrong-Password1"})
        assert response.status_code in (400, 403)
    assert response.status_code == 403 and "分钟后再试" in response.content.decode()
    district_admin = user("admin")
    assert AuditEvent.objects.filter(action="auth.login_failed", target_id=str(district_admin.pk)).count() >= 5
    assert AuditEvent.objects.filter(action="auth.locked", target_id=str(district_admin.pk)).exists()
    assert LoginThrottle.objects.get(kind="account", key=account_key("admin")).blocked_until is not None
    # the right password does not open the admin while the account waits, from another address either
    other = Client(REMOTE_ADDR="10.21.0.2")
    response = other.post("/admin/login/", {"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 403
    assert other.get("/admin/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.login_blocked", target_id=str(district_admin.pk)).exists()


def test_admin_login_page_is_our_login_and_opens_the_admin():
    client = Client(REMOTE_ADDR="10.22.0.1")
    assert "登录家门口办事" in client.get("/admin/login/").content.decode()
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": DEMO_PASSWORD,
                                                           "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.login", actor_id=user("admin").pk).exists()


@pytest.mark.parametrize("username", ["admin_s01", "clerk_s01a", "leader", "13800000001"])
def test_only_district_administrators_enter_the_admin(username):
    client = logged_in(username)
    item = _promised_item()
    for url in ["/admin/", "/admin/org/servicecenter/", f"/admin/catalog/serviceitem/{item.pk}/change/",
                "/admin/accounts/user/"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/catalog/serviceitem/{item.pk}/change/", {"promised_days": 1}).status_code == 403
    item.refresh_from_db()
    assert item.promised_days > 1
    assert "主数据管理" not in client.get("/").content.decode().split("<main")[0]  # no menu entry to a refusal


def test_a_street_administrator_cannot_change_a_district_items_promised_days():
    client = logged_in("admin_s01")
    item = _promised_item()
    before = item.promised_days
    response = client.post(f"/admin/catalog/serviceitem/{item.pk}/change/", {
        "code": item.code, "name": item.name, "category": item.category_id, "approval_level": item.approval_level,
        "kind": item.kind, "promised_days": 1})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.promised_days == before


def test_the_catalog_is_read_only_even_for_the_district_administrator():
    client = logged_in("admin")
    item = _promised_item()
    url = f"/admin/catalog/serviceitem/{item.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="promised_days"' not in page.content.decode()
    response = client.post(url, {"code": item.code, "name": item.name, "category": item.category_id,
                                  "approval_level": item.approval_level, "kind": item.kind, "promised_days": 1})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.promised_days > 1
    assert client.get("/admin/catalog/serviceitem/add/").status_code == 403


def test_stateful_models_are_not_in_the_admin():
    client = logged_in("admin")
    for url in ["/admin/audit/auditevent/", "/admin/cases/case/", "/admin/ratings/rating/",
                "/admin/notifications/notification/", "/admin/password_change/"]:
        assert client.get(url).status_code == 404, url


def test_the_account_list_shows_staff_only_read_only():
    client = logged_in("admin")
    page = client.get("/admin/accounts/user/", {"q": "138"}).content.decode()
    assert "13800000001" not in page
    assert client.get("/admin/accounts/user/", {"q": "clerk_s01a"}).content.decode().count("clerk_s01a") >= 1
    resident = user("13800000001")
    assert client.get(f"/admin/accounts/user/{resident.pk}/change/").status_code == 302  # not in the list: gone
    assert client.get("/admin/accounts/user/add/").status_code == 403


def test_the_district_administrator_edits_a_centers_windows_and_it_is_audited():
    client = logged_in("admin")
    center = ServiceCenter.objects.filter(org_node__code__startswith="430302").order_by("id").first()
    url = f"/admin/org/servicecenter/{center.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    windows = list(center.windows.order_by("number"))
    hours = list(center.opening_hours.all())
    data = {"name": center.name, "org_node": center.org_node_id, "address": center.address, "phone": center.phone,
            "latitude": center.latitude or "", "longitude": center.longitude or "",
            "windows-TOTAL_FORMS": str(len(windows) + 1), "windows-INITIAL_FORMS": str(len(windows)),
            "opening_hours-TOTAL_FORMS": str(len(hours)), "opening_hours-INITIAL_FORMS": str(len(hours))}
    for i, w in enumerate(windows):
        data.update({f"windows-{i}-id": w.pk, f"windows-{i}-center": center.pk, f"windows-{i}-number": w.number,
                     f"windows-{i}-name": w.name, f"windows-{i}-is_general": "on" if w.is_general else ""})
    new = len(windows)
    data.update({f"windows-{new}-center": center.pk, f"windows-{new}-number": 99, f"windows-{new}-name": "临时窗口",
                 f"windows-{new}-is_general": "on"})
    for i, h in enumerate(hours):
        data.update({f"opening_hours-{i}-id": h.pk, f"opening_hours-{i}-center": center.pk,
                     f"opening_hours-{i}-weekday": h.weekday, f"opening_hours-{i}-opens": h.opens.strftime("%H:%M"),
                     f"opening_hours-{i}-closes": h.closes.strftime("%H:%M"), f"opening_hours-{i}-kind": h.kind})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    window = Window.objects.get(center=center, number=99)
    event = AuditEvent.objects.filter(action="admin.add", target_type="org.window").latest("id")
    assert event.target_id == str(window.pk) and event.actor_id == user("admin").pk


def test_the_admin_is_cut_to_the_administrators_district():
    client = logged_in("admin")
    other = OrgNode.objects.get(code="430304001")
    assert "对照街道" not in client.get("/admin/org/orgnode/", {"q": "对照"}).content.decode()
    response = client.get(f"/admin/org/orgnode/{other.pk}/change/")
    assert response.status_code == 302  # Django's answer for an object outside the list
    # the shape of the tree is not edited here: only names
    own = OrgNode.objects.get(code="430302001")
    page = client.get(f"/admin/org/orgnode/{own.pk}/change/").content.decode()
    assert 'name="name"' in page and 'name="code"' not in page
    assert client.get("/admin/org/orgnode/add/").status_code == 403


def test_audit_browsing_needs_the_auditor_capability_and_stays_in_its_scope():
    assert logged_in("admin_s01").get("/audit/").status_code == 403
    street_admin = User.objects.get(username="admin_s01")
    street_admin.is_auditor = True
    street_admin.save(update_fields=["is_auditor"])
    logged_in("leader")  # an event at the district, above the street
    logged_in("clerk_other")  # and one in another district
    logged_in("clerk_s01a")
    page = logged_in("admin_s01").get("/audit/", {"action": "auth.login"})
    assert page.status_code == 200
    labels = {e.actor_label for e in page.context["page"].items}
    assert user("clerk_s01a").full_name in labels
    assert user("leader").full_name not in labels and user("clerk_other").full_name not in labels
    assert all(e.org_path.startswith(street_admin.org_node.code) for e in page.context["page"].items)
