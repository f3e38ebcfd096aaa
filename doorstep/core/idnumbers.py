"""Identity document numbers a resident may hold: parsing, normalising, validating, masking.

Six document types (DocumentType). Three share the 18-character shape of GB 11643-1999 (公民身份号码: six-digit
code, eight-digit birth date, three-digit sequence whose last digit is odd for men and even for women, one ISO 7064
MOD 11-2 check character), and so carry birth date and gender:

- 居民身份证: the code is any administrative-division code ever issued (GB/T 2260, the history python-stdnum keeps
  in `stdnum/cn/loc.dat`) — the code is where the number was *issued*, which for everyone born before their
  county's code existed is a code younger than they are (430302 雨湖区 dates from 1984; its residents born in 1950
  carry it). stdnum's `ric.validate` ties the code to the birth year and refuses them, so only its check-digit
  and date rules are used here. A 15-digit number (issued before 1999) is converted to 18 digits by the rule of
  GB 11643-1999: "19" before the two-digit year, then the check character.
- 港澳台居民居住证 (国务院办公厅 国办发〔2018〕81号): the code is 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan).
- 外国人永久居留身份证, 2023 edition (国家移民管理局, 新版外国人永久居留身份证机读信息规则, 2023-12-01): "9", the
  two-digit province that accepted the application, a three-digit nationality code, birth date, sequence, and
  the same MOD 11-2 check character.

Three carry no check character and no birth date, so only their format is checked (a digit typed wrong in them
can be caught by nobody but the person holding the document): passports (ICAO Doc 9303: up to nine letters and
digits in the machine-readable zone; Chinese ordinary passports E+8 digits or E+letter+7 digits), 港澳居民来往内地
通行证 (H or M, 8 digits, and 2 more on cards issued before 2013 counting renewals) and 台湾居民来往大陆通行证 (8
digits since 2015; 10 before).

What a person types is normalised before any check: full-width characters (NFKC), spaces and dashes inside the
number, lowercase letters.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum import numdb
from stdnum.cn import ric

from doorstep.core.errors import ValidationFailed


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", _("居民身份证")
    HMT_RESIDENCE = "hmt_residence", _("港澳台居民居住证")
    FOREIGN_PERMANENT = "foreign_permanent", _("外国人永久居留身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO_PERMIT = "hk_macao_permit", _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan_permit", _("台湾居民来往大陆通行证")


# Types whose number has the 18-character GB 11643 shape (birth date, gender, check character).
CHECKED_TYPES = (DocumentType.ID_CARD, DocumentType.HMT_RESIDENCE, DocumentType.FOREIGN_PERMANENT)
HMT_CODES = ("810000", "820000", "830000")
EARLIEST_BIRTH_YEAR = 1880  # no one alive was born earlier; a year before it is a typing error
MAX_DOCUMENT_LENGTH = 18  # the longest number any type allows (passports are refused past it)

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d\u2043_"
_CLEAN = str.maketrans("", "", _DASHES)
_EIGHTEEN = re.compile(r"^\d{17}[\dX]$")
_FIFTEEN = re.compile(r"^\d{15}$")
_HK_MACAO = re.compile(r"^[HM]\d{8}(\d{2})?$")
_TAIWAN = re.compile(r"^\d{8}(\d{2})?$")
# ICAO 9303 passport numbers are letters and digits; ours allows the longer numbers some states print.
_PASSPORT = re.compile(r"^(?=.*\d)[A-Z0-9]{5,17}$")
_CN_PASSPORT = re.compile(r"^E(\d{8}|[A-HJ-NP-Z]\d{7})$")


@dataclass(frozen=True)
class Document:
    """A validated document number. `number` is canonical (uppercase ASCII, no separators); `converted_from` holds
    the 15-digit number it was converted from, if any; birth_date and gender ('M'/'F') only for CHECKED_TYPES."""

    type: str
    number: str
    birth_date: datetime.date | None = None
    gender: str | None = None
    converted_from: str = ""

    @property
    def masked(self) -> str:
        return mask_document(self.number)

    @property
    def type_label(self) -> str:
        return str(DocumentType(self.type).label)

    @property
    def index_value(self) -> str:
        """What the blind index is computed over: the bare number for the 18-character types (their codes and
        prefixes never overlap, and the ID numbers stored before other types existed keep their index), the type
        and the number for the others (a passport and a permit may share digits)."""
        return self.number if self.type in CHECKED_TYPES else f"{self.type}:{self.number}"

    def note(self) -> str:
        """What the person should be told about how their input was read ("" when it was read as typed)."""
        if self.converted_from:
            return gettext("15位身份证号已按国家标准（GB 11643-1999）转换为18位：{number}。").format(
                number=self.masked)
        return ""


def clean_document_text(value: str) -> str:
    """Full-width to ASCII, separators and spaces removed, uppercase: what every check and every lookup starts from
    (`４３０３ ０２-１９５０…ｘ` → `4303021950…X`)."""
    text = unicodedata.normalize("NFKC", value or "").translate(_CLEAN)
    return "".join(text.split()).upper()


def normalize_id_number(value: str) -> str:
    """The cleaned text of an ID-card-shaped number; a 15-digit number is returned converted to 18 digits."""
    number = clean_document_text(value)
    return convert_15_to_18(number) if _FIFTEEN.match(number) else number


def convert_15_to_18(number15: str) -> str:
    """GB 11643-1999's rule for numbers issued before 1999: the year gets "19" in front, then the check character
    is computed (`430302500601002` → `43030219500601002X`-shaped)."""
    return complete_id_number(number15[:6] + "19" + number15[6:])


def complete_id_number(first17: str) -> str:
    """The 18-character number for 17 given digits (stdnum's calc_check_digit reads all but the last character)."""
    return first17 + ric.calc_check_digit(first17 + "0")


@lru_cache(maxsize=8192)  # a scan of stdnum's table: 350 µs a number, 300,000 of them in a ledger import
def _region_ever_issued(code: str) -> bool:
    """Whether `code` is a county-level (or prefecture/province-level) code GB/T 2260 has ever listed, whatever
    years it was valid in (stdnum's loc.dat keeps the history as "[1984-]雨湖区")."""
    return any("county" in props for _part, props in numdb.get("cn/loc").info(code))


def _refuse(message, field: str) -> None:
    raise ValidationFailed(message, field=field)


def _birth_and_gender(number: str, field: str, *, today: datetime.date) -> tuple[datetime.date, str]:
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < EARLIEST_BIRTH_YEAR or born > today:
        _refuse(gettext("证件号码中的出生日期无效。"), field)
    return born, ("M" if int(number[16]) % 2 else "F")


def _parse_eighteen(number: str, wanted: str, field: str, today: datetime.date) -> Document:
    if number[17] != ric.calc_check_digit(number):
        _refuse(gettext("证件号码校验位不正确，请核对是否输错。"), field)
    if number.startswith(HMT_CODES):
        kind = DocumentType.HMT_RESIDENCE
    elif number[0] == "9":
        kind = DocumentType.FOREIGN_PERMANENT
        if not any("province" in props for _p, props in numdb.get("cn/loc").info(number[1:3] + "0000")):
            _refuse(gettext("外国人永久居留身份证号码第2-3位应为受理地的省级代码。"), field)
    else:
        kind = DocumentType.ID_CARD
        if not _region_ever_issued(number[:6]):
            _refuse(gettext("身份证号前6位不是已发布过的行政区划代码。"), field)
    if wanted not in ("auto", kind):
        _refuse(gettext("这是{found}的号码，不是{wanted}的号码。").format(
            found=DocumentType(kind).label, wanted=DocumentType(wanted).label), field)
    born, gender = _birth_and_gender(number, field, today=today)
    return Document(type=kind, number=number, birth_date=born, gender=gender)


def parse_document(value: str, document_type: str = "auto", *, field: str = "id_number",
                   today: datetime.date | None = None) -> Document:
    """Read a document number as typed.

    `document_type` is a DocumentType value, or "auto" for the 18- and 15-character numbers (which say their own
    type). Returns a Document; raises ValidationFailed (on `field`) with a message saying what is wrong: an unknown
    type, a length or character that no number of that type has, a wrong check character, a birth date that does
    not exist or lies ahead, a code never issued, or a number of one type given as another.
    """
    today = today or timezone.localdate()
    if document_type != "auto" and document_type not in DocumentType.values:
        _refuse(gettext("不支持的证件类型。"), "document_type")
    number = clean_document_text(value)
    if not number:
        _refuse(gettext("请填写证件号码。"), field)
    if document_type in ("auto", *CHECKED_TYPES):
        if _FIFTEEN.match(number) and document_type in ("auto", DocumentType.ID_CARD):
            document = _parse_eighteen(convert_15_to_18(number), DocumentType.ID_CARD, field, today)
            return Document(type=document.type, number=document.number, birth_date=document.birth_date,
                            gender=document.gender, converted_from=number)
        if len(number) != 18:
            _refuse(gettext("身份证号应为18位（或旧版15位）。") if document_type in ("auto", DocumentType.ID_CARD)
                    else gettext("证件号码应为18位。"), field)
        if not _EIGHTEEN.match(number):
            _refuse(gettext("证件号码前17位应为数字，最后一位为数字或X。"), field)
        return _parse_eighteen(number, document_type, field, today)
    if document_type == DocumentType.HK_MACAO_PERMIT:
        if not _HK_MACAO.match(number):
            _refuse(gettext("港澳居民来往内地通行证号码应为H或M加8位数字（旧证另有2位换证次数）。"), field)
    elif document_type == DocumentType.TAIWAN_PERMIT:
        if not _TAIWAN.match(number):
            _refuse(gettext("台湾居民来往大陆通行证号码应为8位数字（旧证10位）。"), field)
    elif not _PASSPORT.match(number):
        _refuse(gettext("护照号码应为5到17位字母和数字。"), field)
    elif number.startswith("E") and len(number) == 9 and not _CN_PASSPORT.match(number):
        _refuse(gettext("中国护照号码应为E加8位数字，或E加1个字母和7位数字。"), field)
    return Document(type=document_type, number=number)


def document_candidates(query: str) -> list[Document]:
    """Every document a search query could be (an exact lookup tries them all): an 18- or 15-character number is
    one; "H12345678" may be a permit or a passport; eight digits may be a Taiwan permit. [] if none."""
    found = []
    for kind in ("auto", DocumentType.HK_MACAO_PERMIT, DocumentType.TAIWAN_PERMIT, DocumentType.PASSPORT):
        try:
            found.append(parse_document(query, kind))
        except ValidationFailed:
            continue
        if kind == "auto":
            return found  # an 18- or 15-character number is nothing else
    return found


def document_index_values(query: str) -> list[str]:
    """What the blind index of each document the query could be is computed over (see Document.index_value)."""
    return [d.index_value for d in document_candidates(query)]


def looks_like_id_number(query: str) -> bool:
    """Shaped like a 居民身份证-family number (18 characters, or the legacy 15 digits), valid or not: a search
    for it is an exact lookup, never a name search."""
    q = clean_document_text(query)
    return bool(_FIFTEEN.match(q)) or (len(q) == 18 and q[:17].isdigit())


def looks_like_document(query: str) -> bool:
    """Shaped like any document number (a query with digits and no Chinese): searched exactly, never by name."""
    q = clean_document_text(query)
    return looks_like_id_number(q) or bool(_HK_MACAO.match(q) or _TAIWAN.match(q) or _PASSPORT.match(q))


def validate_id_number(value: str) -> str:
    """The canonical 18-character number of a 居民身份证, 港澳台居民居住证 or 外国人永久居留身份证 (15 digits
    converted), or ValidationFailed."""
    return parse_document(value, "auto").number


def id_birth_date(number: str) -> datetime.date:
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def id_gender(number: str) -> str:
    """'M' or 'F': the 17th digit is odd for men and even for women."""
    return "M" if int(number[16]) % 2 else "F"


def check_id_matches_person(number: str, *, birth_date: datetime.date, gender: str) -> None:
    """For the 18-character types: the number must agree with the birth date and gender given for the person."""
    if id_birth_date(number) != birth_date:
        raise ValidationFailed(gettext("证件号码中的出生日期与登记的出生日期不一致。"), field="id_number")
    if id_gender(number) != gender:
        raise ValidationFailed(gettext("证件号码中的性别与登记的性别不一致。"), field="id_number")


def mask_document(number: str) -> str:
    """`4303**********002X` for the 18-character numbers; the first two and last two characters of others
    (`E1*****78`); all stars below six characters."""
    if len(number) == 18:
        return number[:4] + "*" * 10 + number[-4:]
    if len(number) >= 6:
        return number[:2] + "*" * (len(number) - 4) + number[-2:]
    return "*" * len(number)
