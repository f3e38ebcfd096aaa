"""Journey 15 end to end on phones (issue #15 item 7; STORIES.md): an in-service party member registers with the
Xiyuan community on a 375 px phone and its station's clerk confirms her (a volunteer number); a grid worker collects
a neighbour's micro-wish on a visit and the clerk publishes it to the public wall, where the beneficiary shows
masked; 李哲 (a confirmed party member of Xiyuan) finds 丁雪琴's wish — a day out by wheelchair — first among the
wishes near him, claims it, fulfils it with a photo; her grid worker confirms it on her word; the clerk pairs 李哲
with the family and he logs his first visit, whose needs the grid worker reads."""

import io

import pytest
from PIL import Image

from doorstep.accounts.models import User
from doorstep.registry.models import Resident
from doorstep.wishes.models import Pairing, PairingVisit, Volunteer, Wish

from .conftest import _page
from .test_clerk_reveal import login

pytestmark = pytest.mark.browser

NEW_MEMBER_PHONE = "13912345678"


def _jpeg(path) -> str:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


WIDEST = """() => [...document.querySelectorAll('*')].filter(e => e.scrollWidth > 376 || e.getBoundingClientRect().right > 376).slice(0, 8).map(e => e.tagName + '.' + e.className + ' sw=' + e.scrollWidth + ' r=' + Math.round(e.getBoundingClientRect().right))"""


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, (page.url, page.evaluate(WIDEST))


def _phone(browser, live_server, contexts, violations):
    context, page, seen = _page(browser, live_server, 375, 812)
    contexts.append(context)
    violations.append(seen)
    return page


def test_a_member_registers_a_wish_is_collected_published_claimed_fulfilled_confirmed_and_a_family_paired(
        world, browser, live_server, tmp_path):
    xiyuan_code = Resident.objects.get(name="丁雪琴").path[:12]
    ding = Resident.objects.get(name="丁雪琴")
    ding_wish = Wish.objects.get(beneficiary=ding, state="published")
    clerk_name = f"clerk_c{xiyuan_code[-6:]}"
    ding_gw = User.objects.filter(role="grid_worker", org_node__code=ding.path).order_by("username").first()
    contexts, violations = [], []
    try:
        # 1. A party member registers with Xiyuan on her phone
        member = _phone(browser, live_server, contexts, violations)
        member.goto("/volunteers/join/?q=西苑")
        member.select_option("[data-testid=community]", value=str(
            User.objects.get(username=clerk_name).org_node_id))
        member.fill("#name", "韩晓梅")
        member.fill("#phone", NEW_MEMBER_PHONE)
        member.fill("#password", "Xiyuan@2026go")
        member.check("#kind-party_member")
        member.fill("#employer", "湘潭市第一人民医院")
        member.fill("#position", "护士长")
        member.fill("[data-testid=skills]", "医疗 护理")
        member.check("#offer-pairing")
        member.check("#time-weekend")
        _fits(member)
        member.click("[data-testid=join-submit]")
        member.wait_for_selector("[data-testid=join-done]")
        registration = Volunteer.objects.get(user__username=NEW_MEMBER_PHONE)
        assert registration.state == "applied" and registration.number is None

        # 2. The station's clerk confirms her: she gets a volunteer number
        desk = _phone(browser, live_server, contexts, violations)
        login(desk, clerk_name)
        desk.goto("/volunteers/roster/?state=applied")
        with desk.expect_navigation():
            desk.locator("[data-testid=roster-row]:has-text('韩晓梅') [data-testid=confirm]").click()
        registration.refresh_from_db()
        assert registration.state == "active" and registration.number.startswith("V" + xiyuan_code)
        _fits(desk)

        # 3. A grid worker collects a neighbour's wish on a visit (Xiyuan, not 丁雪琴's household)
        neighbour = Resident.objects.filter(path__startswith=xiyuan_code, status="active").exclude(
            household_id=ding.household_id).exclude(wishes__state__in=["posted", "published", "claimed",
                                                                        "fulfilled"]).order_by("id").first()
        gw_account = User.objects.filter(role="grid_worker", org_node__code=neighbour.path).order_by(
            "username").first()
        field = _phone(browser, live_server, contexts, violations)
        login(field, gw_account.username)
        field.goto(f"/wishes/collect/?resident={neighbour.pk}")
        field.wait_for_selector("[data-testid=picked]")
        field.fill("#title", "一个新书包")
        field.fill("#value_yuan", "120")
        with field.expect_navigation():
            field.click("[data-testid=submit-post]")
        collected = Wish.objects.get(beneficiary=neighbour, title="一个新书包")
        assert collected.state == "posted" and collected.source == "visit"
        _fits(field)

        # 4. The clerk publishes it; the public wall shows it with the beneficiary masked
        desk.goto("/wishes/review/?tab=posted")
        with desk.expect_navigation():
            desk.locator(f"[data-testid=review-row]:has-text('{collected.number}') [data-testid=btn-publish]").click()
        collected.refresh_from_db()
        assert collected.state == "published"
        public = _phone(browser, live_server, contexts, violations)
        public.goto("/wishes/?q=新书包")
        card = public.locator("[data-testid=wish-card]", has_text="一个新书包").first
        assert card.locator("[data-testid=wish-beneficiary]").inner_text().strip() == collected.beneficiary_masked
        assert neighbour.name not in public.content()
        _fits(public)

        # 5. 李哲 finds 丁雪琴's wish first among those near him, claims it and fulfils it with a photo
        li = _phone(browser, live_server, contexts, violations)
        login(li, "volunteer1")
        li.goto("/wishes/near/")
        first = li.locator("[data-testid=wish-card]").first
        assert ding_wish.title in li.locator("[data-testid=wishes]").inner_text()
        assert "丁雪琴" not in li.content()
        ding_card = li.locator("[data-testid=wish-card]", has_text=ding_wish.title).first
        assert first.is_visible()
        with li.expect_navigation():
            ding_card.locator("[data-testid=btn-claim]").click()
        ding_wish.refresh_from_db()
        assert ding_wish.claimed == 1 and ding_wish.state == "claimed"
        li.goto("/wishes/claims/")
        row = li.locator("[data-testid=claim-card]", has_text=ding_wish.title).first
        row.locator("[data-testid=btn-fulfil]").click()
        row.locator("input[type=file]").set_input_files(_jpeg(tmp_path / "day-out.jpg"))
        row.locator("textarea[name=note]").fill("陪丁奶奶去湘江边走了一圈")
        with li.expect_navigation():
            row.locator("[data-testid=submit-fulfil]").click()
        ding_wish.refresh_from_db()
        assert ding_wish.state == "fulfilled" and ding_wish.photos.count() == 1
        _fits(li)

        # 6. Her grid worker confirms it on her word, with her consent to tell the story
        field.goto("/")
        field.context.clear_cookies()
        login(field, ding_gw.username)
        field.goto("/wishes/grid/")
        grid_row = field.locator("[data-testid=wish-row]", has_text=ding_wish.title).first
        grid_row.locator("[data-testid=form-confirm] input[name=story_consent]").check()
        with field.expect_navigation():
            grid_row.locator("[data-testid=btn-confirm]").click()
        ding_wish.refresh_from_db()
        assert ding_wish.state == "closed" and ding_wish.story_consent

        # 7. The clerk pairs 李哲 with the family; he logs a visit; the grid worker reads the needs found
        desk.goto(f"/volunteers/pairings/new/?wish={ding_wish.pk}")
        li_number = Volunteer.objects.get(user__username="volunteer1").number
        desk.fill("#volunteer_number", li_number)
        with desk.expect_navigation():
            desk.click("[data-testid=pairing-submit]")
        pairing = Pairing.objects.get(household_id=ding.household_id, volunteer__user__username="volunteer1",
                                      state="active")
        li.goto(f"/volunteers/pairings/{pairing.pk}/")
        li.fill("#done", "上门陪聊，帮忙打扫卫生")
        li.fill("#needs", "轮椅刹车松了，需要维修")
        with li.expect_navigation():
            li.click("[data-testid=visit-submit]")
        assert PairingVisit.objects.filter(pairing=pairing).count() == 1
        assert "丁雪琴" not in li.content()
        field.goto(f"/volunteers/pairings/{pairing.pk}/")
        assert "轮椅刹车松了" in field.content()
    finally:
        for context in contexts:
            context.close()
    assert not [v for seen in violations for v in seen], violations
