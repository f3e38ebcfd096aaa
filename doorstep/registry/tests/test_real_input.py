"""The registry on real input (issue #12 items 1-3, as tests): every document type, every kind of name and every way
of writing a phone is registered, stored once, and found — by the same search the pages and the API run."""

import datetime
import re

import pytest
from django.test import Client

from doorstep.conftest import user
from doorstep.core.crypto import decrypt
from doorstep.core.errors import ValidationFailed
from doorstep.core.idnumbers import DocumentType, complete_id_number
from doorstep.core.names import NAME_DOT, NAME_MAX_LENGTH
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.registry.models import CharacterReading, Household, Resident, ResidentNameKey
from doorstep.registry.namekeys import character_reading_set
from doorstep.registry.selectors import resident_search_for_user
from doorstep.registry.services import resident_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def household():
    return Household.objects.filter(path__startswith="430302").order_by("id").first()


def _number(first11: str, birth: datetime.date, seq: int = 1) -> str:
    return complete_id_number(f"{first11[:6]}{birth:%Y%m%d}{seq:03d}")


def register(household, name, *, birth=datetime.date(1990, 3, 15), gender="M", number=None, kind="auto",
             phone=""):
    if number is None:
        number = _number("430302", birth, 1 if gender == "M" else 2)
    return resident_register(actor=None, household=household, name=name, gender=gender, birth_date=birth,
                             id_number=number, document_type=kind, phone=phone)


def found_names(query, *, who="admin", **kwargs):
    result = resident_search_for_user(user(who), query=query, page_size=100, **kwargs)
    return [r.name for r in result.page.items], result


def test_a_local_born_before_the_district_code_existed_is_registered_and_found(household):
    woman = register(household, "周桂英", birth=datetime.date(1950, 6, 1), gender="F",
                     number="430302195006010026")
    assert woman.document_type == DocumentType.ID_CARD and woman.id_number_masked == "4303**********0026"
    for typed in ("430302195006010026", "４３０３０２１９５００６０１００２６", "430302 19500601 0026", "430302500601002"):
        names, result = found_names(typed)
        assert names == ["周桂英"] and result.kind == "id_number", typed
    _, legacy = found_names("430302500601002")
    assert "15位" in legacy.note and "4303**********0026" in legacy.note


@pytest.mark.parametrize(("kind", "number", "masked"), [
    (DocumentType.HMT_RESIDENCE, "810000199003150015", "8100**********0015"),
    (DocumentType.FOREIGN_PERMANENT, complete_id_number("94384019900315001"), None),
    (DocumentType.PASSPORT, "E12345678", "E1*****78"),
    (DocumentType.HK_MACAO_PERMIT, "H12345678", "H1*****78"),
    (DocumentType.TAIWAN_PERMIT, "87654321", "87****21"),
])
def test_every_document_type_is_stored_encrypted_indexed_masked_and_found_exactly(household, kind, number, masked):
    resident = register(household, "林嘉欣", number=number, kind=kind)
    assert resident.document_type == kind
    assert decrypt(resident.id_number_enc) == number and number not in resident.id_number_index
    assert resident.id_number_masked == (masked or number[:4] + "*" * 10 + number[-4:])
    names, result = found_names(number.lower())
    assert names == ["林嘉欣"] and result.kind in ("id_number", "phone")  # 8 digits: a 台胞证 or a local landline
    assert result.page.items[0].id_number_masked == resident.id_number_masked
    with pytest.raises(ValidationFailed, match="已登记"):
        register(household, "林嘉欣", number=number, kind=kind)


def test_a_passport_and_a_permit_with_the_same_characters_are_two_documents(household):
    register(household, "甲", number="H12345678", kind=DocumentType.HK_MACAO_PERMIT)
    register(household, "乙", number="H12345678", kind=DocumentType.PASSPORT)
    assert sorted(found_names("H12345678")[0]) == ["乙", "甲"]


def test_the_number_and_the_person_must_agree_for_the_types_that_carry_birth_and_gender(household):
    with pytest.raises(ValidationFailed, match="出生日期"):
        register(household, "林嘉欣", number="810000199003150015", birth=datetime.date(1990, 3, 16))
    with pytest.raises(ValidationFailed, match="居住证"):
        register(household, "林嘉欣", number="810000199003150015", kind=DocumentType.ID_CARD)


@pytest.mark.parametrize(("name", "queries"), [
    ("阚杰", ["kanjie", "hanjie", "kj", "hj", "阚杰", "阚"]),
    ("卜柳", ["buliu", "boliu", "bl"]),
    ("薄超亮", ["bochaoliang", "baochaoliang", "bcl"]),
    ("买买提·艾力", ["maimaiti", "maimaitiaili", "mmtal", "买买提艾力", "买买提·艾力", "买买提.艾力", "买买提•艾力"]),
    ("𠮷野家", ["𠮷野家", "𠮷", "yejia"]),
    ("䶮小龙", ["yanxiaolong", "yxl", "䶮"]),
])
def test_a_name_is_found_by_every_plausible_reading_and_spelling(household, name, queries):
    register(household, name)
    for query in queries:
        names, _ = found_names(query, sort="relevance")
        assert name in names, query


def test_a_name_with_a_character_beyond_the_common_range_is_found_by_its_prefix(household):
    # the old prefix range ended at "~", before every character past the BMP: "wang" lost 王𰀀
    register(household, "王𰀀")
    names, _ = found_names("王𰀀")
    assert names == ["王𰀀"]
    names, _ = found_names("wang", sort="relevance")
    assert names[0] == "王𰀀"  # the whole reading first


def test_every_look_alike_dot_is_one_person(household):
    first = register(household, "古丽巴哈尔•吐尔逊", gender="F")
    assert first.name == "古丽巴哈尔" + NAME_DOT + "吐尔逊"
    for typed in ("古丽巴哈尔・吐尔逊", "古丽巴哈尔．吐尔逊", "古丽巴哈尔.吐尔逊"):
        assert [r.pk for r in resident_search_for_user(user("admin"), query=typed).page.items] == [first.pk]


def test_staff_enter_the_reading_of_a_character_nobody_knows_and_the_name_is_found_by_it(household):
    resident = register(household, "𠮷小明")
    assert "jixiaoming" not in found_names("jixiaoming")[0]
    character_reading_set(actor=user("admin"), character="𠮷", readings="ji")
    assert CharacterReading.objects.get(character="𠮷").readings == "ji"
    assert "𠮷小明" in found_names("jixiaoming")[0] and "𠮷小明" in found_names("jxm", sort="relevance")[0]
    resident.refresh_from_db()
    assert resident.name_pinyin == "jixiaoming"
    later = register(household, "𠮷大明", gender="F")  # registered after the reading: keyed with it at once
    assert ResidentNameKey.objects.filter(resident=later, key="jidaming").exists()


@pytest.mark.parametrize(("character", "readings", "message"), [
    ("王", "wang", "已有拼音"), ("𠮷𠮷", "ji", "一个汉字"), ("a", "ji", "一个汉字"), ("𠮷", "jí", "音节"),
    ("𠮷", "", "音节"), ("𠮷", "zhuangzhuang", "音节"),
])
def test_a_reading_that_is_no_pinyin_or_for_a_known_character_is_refused(character, readings, message):
    with pytest.raises(ValidationFailed, match=message):
        character_reading_set(actor=user("admin"), character=character, readings=readings)
    assert not CharacterReading.objects.exists()


def test_a_name_of_the_maximum_length_is_stored_and_a_longer_one_refused_the_same_on_every_database(household):
    longest = "庄" * NAME_MAX_LENGTH
    resident = register(household, longest)
    resident.refresh_from_db()
    assert resident.name == longest and len(resident.name_pinyin) == 6 * NAME_MAX_LENGTH
    assert longest in found_names("庄" * 3)[0]
    thirty_three = "欧阳" + "娜" * 31
    assert register(household, thirty_three, gender="F").name == thirty_three
    with pytest.raises(ValidationFailed, match=str(NAME_MAX_LENGTH)):
        register(household, "庄" * (NAME_MAX_LENGTH + 1), birth=datetime.date(1991, 1, 1))


@pytest.mark.parametrize("typed", ["+86 139 0000 0077", "0086 139 0000 0077", "86-13900000077",
                                   "１３９ ００００ ００７７", "139-0000-0077"])
def test_a_phone_written_any_way_is_stored_once_and_found_any_way(household, typed):
    resident = register(household, "陈晓东", phone=typed)
    assert decrypt(resident.phone_enc) == "13900000077" and resident.phone_masked == "139****0077"
    for query in ("13900000077", "+86 139 0000 0077", "0086-139-0000-0077", "１３９００００００７７"):
        assert found_names(query)[0] == ["陈晓东"], query


def test_a_landline_is_stored_with_its_area_code_and_found_with_or_without_it(household):
    resident = register(household, "姜奶奶", gender="F", birth=datetime.date(1938, 2, 2), phone="0731-5888 8877")
    assert decrypt(resident.phone_enc) == "073158888877" and resident.phone_masked == "0731-****8877"
    for query in ("0731-58888877", "073158888877", "58888877", "(0731) 5888 8877", "+86 731 5888 8877"):
        assert "姜奶奶" in found_names(query)[0], query


def test_a_resident_logs_in_with_the_phone_written_as_people_write_it():
    for typed in ("138 0000 0001", "+86 138 0000 0001", "１３８００００００01", "86-138-0000-0001"):
        client = Client()
        response = client.post("/accounts/login/", {"username": typed, "password": DEMO_PASSWORD})
        assert response.status_code == 302, typed


def test_an_account_needs_a_mobile_not_a_landline(household):
    from doorstep.accounts.services import user_create_resident

    resident = register(household, "姜奶奶", gender="F", birth=datetime.date(1938, 2, 2))
    with pytest.raises(ValidationFailed, match="手机号"):
        user_create_resident(actor=user("admin"), resident=resident, phone="0731-58888877", password="x" * 12)


def test_a_name_with_characters_no_name_holds_changes_nothing(household):
    before = Resident.objects.count()
    for bad in ("王1明", "王\u202e明", "<b>王</b>", ""):
        with pytest.raises(ValidationFailed):
            register(household, bad)
    assert Resident.objects.count() == before


def test_the_window_and_the_api_find_a_local_born_before_1984_by_every_form_of_the_number(household):
    from doorstep.accounts.services import api_token_create

    register(household, "周桂英", birth=datetime.date(1950, 6, 1), gender="F", number="430302195006010026")
    clerk = Client()
    clerk.force_login(user("clerk_s01a"))
    for typed in ("430302195006010026", "430302500601002", "４３０３０２１９５００６０１００２６"):
        page = clerk.get("/window/", {"q": typed}).content.decode()
        assert "周桂英" in page and "4303**********0026" in page, typed
        assert ('data-testid="search-note"' in page) == (len(typed) == 15), typed
    page = clerk.get("/residents/", {"q": "430302500601002"}).content.decode()
    assert 'data-testid="search-note"' in page and "15位" in page
    token = api_token_create(actor=user("clerk_s01a"), user=user("clerk_s01a"), name="test")
    answer = Client().get("/api/v1/residents/", {"q": "430302500601002"}, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [r["name"] for r in answer["items"]] == ["周桂英"] and answer["items"][0]["document_type"] == "id_card"
    assert "15" in answer["note"] and answer["understood_as"] == "id_number"


def test_the_deceased_no_longer_count_in_todays_facts_but_did_before_and_are_marked_in_search():
    """Eligibility reads the household as it was on the day (registry.history): a member who died is not a member
    any more — income per head rises — but on a day before the death they were."""
    from doorstep.registry.models import IncomeRecord
    from doorstep.registry.selectors import household_members_for_user, resident_facts
    from doorstep.registry.tests.changes_helpers import propose_and_approve, resident_of, worker

    gw = worker()
    parent = resident_of(gw, relation="parent")
    head = Resident.objects.filter(household_id=parent.household_id).exclude(pk=parent.pk).order_by("id").first()
    members = Resident.objects.filter(household_id=parent.household_id, status="active").count()
    IncomeRecord.objects.filter(household_id=parent.household_id, year=2025).delete()
    IncomeRecord.objects.create(household_id=parent.household_id, year=2025, kind="wage", amount=60000)
    today = datetime.date.today()
    before = resident_facts(head, year=2025, today=today)["household_income_per_head_year"]
    assert before == 60000 / members
    died = today - datetime.timedelta(days=3)
    propose_and_approve(gw, "death", {"effective_date": str(died)}, resident_id=parent.pk)
    assert resident_facts(head, year=2025, today=today)["household_income_per_head_year"] == 60000 / (members - 1)
    week_ago = today - datetime.timedelta(days=7)
    assert resident_facts(head, year=2025, today=week_ago)["household_income_per_head_year"] == 60000 / members
    assert parent.pk not in {m.pk for m in household_members_for_user(gw, head)}
    rows = resident_search_for_user(gw, query=parent.name).page.items
    assert next(r for r in rows if r.pk == parent.pk).get_status_display() == "已死亡"


def test_a_phone_with_the_international_prefix_is_a_phone_search_not_an_old_id_number(household):
    register(household, "陈晓东", phone="13900000077")
    names, result = found_names("0086 139 0000 0077")
    assert names == ["陈晓东"] and result.kind == "phone"


def test_invisible_format_characters_in_a_query_are_dropped(household):
    register(household, "阚杰")
    assert "阚杰" in found_names("阚\u202e杰")[0] and "阚杰" in found_names("kan\u200bjie")[0]


def _empty_search(account, query: str) -> str:
    c = Client()
    c.force_login(account)
    page = c.get("/residents/", {"q": query}).content.decode()
    assert 'data-testid="search-empty"' in page, query
    return re.search(r'data-testid="search-scope">([^<]*)<', page).group(1)


def test_a_search_that_finds_nobody_says_the_area_it_covered_without_telling_whether_the_person_is_elsewhere():
    clerk = user("clerk_c001001")  # a community's window clerk: names are searched in the community only
    community = clerk.org_node
    inside = set(Resident.objects.filter(path__startswith=community.code).values_list("name", flat=True))
    elsewhere = (Resident.objects.filter(path__startswith="430302").exclude(path__startswith=community.code)
                 .exclude(name__in=inside).values_list("name", flat=True).first())
    assert elsewhere and found_names(elsewhere, who="admin")[0]
    said = _empty_search(clerk, elsewhere)
    assert community.name in said and "证件号码或手机号" in said
    assert _empty_search(clerk, "查无此人名字") == said  # the same words for a name registered nowhere
    gw = user("gw_001001003")  # a grid worker sees the grid
    assert gw.org_node.name in _empty_search(gw, elsewhere)
    assert "全区" in _empty_search(clerk, complete_id_number("43030219900101009"))  # numbers cover the district


def test_the_search_count_says_person_for_one_and_people_for_more_in_english(household):
    from django.conf import settings

    register(household, "独一无二")
    c = Client()
    c.force_login(user("admin"))
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    count = re.search(r'data-testid="search-count">([^<]*)<', c.get("/residents/", {"q": "独一无二"}).content.decode())
    assert count.group(1).startswith("1 person")
    many = re.search(r'data-testid="search-count">([^<]*)<', c.get("/residents/", {"q": "王"}).content.decode())
    assert re.match(r"[\d,]+\+? people", many.group(1))


@pytest.mark.parametrize("early", ["1800-01-01", "0001-01-01"])
def test_a_date_before_1880_asks_for_a_later_date_not_an_earlier_one(early):
    admin = user("admin")
    r = Resident.objects.filter(status="active").order_by("id").first()
    client = Client()
    client.force_login(admin)
    page = client.get(f"/residents/{r.pk}/", {"as_of": early}).content.decode()
    assert "请选择 1880-01-01 以后的日期" in page and "请选择今天或以前的日期" not in page


def test_a_reading_entered_before_can_be_corrected_on_the_page_by_the_district_admin_only(household):
    resident = register(household, "𠮷小红", gender="F")
    character_reading_set(actor=user("admin"), character="𠮷", readings="ji")
    clerk = user(f"clerk_c{resident.path[6:12]}")
    for who, shown in ((clerk, False), (user("admin"), True)):
        client = Client()
        client.force_login(who)
        page = client.get(f"/residents/{resident.pk}/").content.decode()
        assert ('data-testid="reading-corrections"' in page) is shown, who.username
    assert 'value="ji"' in page
    client.post(f"/residents/{resident.pk}/reading/", {"character": "𠮷", "readings": "ji jie"})
    assert CharacterReading.objects.get(character="𠮷").readings == "ji jie"


def test_someone_who_died_keeps_the_age_they_died_at_and_is_offered_no_call():
    gw = user("gw_001001003")
    r = (Resident.objects.filter(path=gw.org_node.code, status="active", birth_date__lte=datetime.date(1950, 1, 1))
         .exclude(phone_index="").order_by("id").first())
    died = datetime.date(2016, 6, 1)
    Resident.objects.filter(pk=r.pk).update(status="deceased", status_date=died)
    result = resident_search_for_user(gw, query=r.name, kind="name")
    (row,) = [x for x in result.page.items if x.pk == r.pk]
    from doorstep.registry.selectors import resident_age

    assert resident_age(row) == died.year - r.birth_date.year - ((6, 1) < (r.birth_date.month, r.birth_date.day))
    client = Client()
    client.force_login(gw)
    page = client.get("/residents/", {"q": r.name}).content.decode()
    card = page[page.index(f"/residents/{r.pk}/"):]
    card = card[:card.index('data-testid="resident-card"') if 'data-testid="resident-card"' in card else len(card)]
    assert "已死亡" in card and 'data-testid="call-resident"' not in card
