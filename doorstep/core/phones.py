"""Phone numbers of residents and staff: one normalisation for storage, search and login.

Parsing is Google's libphonenumber (the `phonenumbers` package), whose metadata knows China's mobile ranges and
every area code: `+86 138 0000 0001`, `0086 138…`, `86-138…`, full-width and mixed-width digits and `138 0000 0001`
are one number. The canonical form is the national number as Chinese people write it without separators: a mobile
as 11 digits (`13800000001`, the login name of a resident's account), a landline with its trunk 0 and area code
(`073158888888`). A landline typed without an area code takes DOORSTEP_PHONE_AREA_CODE, the district's own (elderly
residents give their home number as they dial it locally).
"""

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext

from doorstep.core.errors import ValidationFailed

_LOCAL_NUMBER = re.compile(r"^[2-9]\d{6,7}$")  # a landline without its area code: 7 or 8 digits
_TYPED = re.compile(r"^[\d\s+\-().\u00a0]+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
MAX_PHONE_LENGTH = 12  # 0 + 3-digit area code + 8 digits; a mobile has 11


def _ascii(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


@lru_cache(maxsize=10000)
def _mobile_block_valid(block: str) -> bool:
    """Whether the 11-digit mobiles that begin with these five digits are valid mobiles. libphonenumber decides a
    Chinese mobile by its length and at most its first five digits (its metadata: `1(?:610\\d|740[0-5])\\d{6}|1(?:[38]\\d|…`),
    so one number of the block answers for all of it; a test compares the two paths on random numbers, so a new
    metadata release that looks further is caught."""
    return _parse_slow(block + "000000") == block + "000000"


def parse_phone(value: str) -> str | None:
    """The canonical form of a Chinese mobile or landline number, or None if `value` is not one. An 11-digit
    mobile typed plain (the import's and the login's usual case) is decided by its first five digits, cached."""
    if len(value) == 11 and value.isascii() and _MOBILE.match(value):
        return value if _mobile_block_valid(value[:5]) else None
    return _parse_slow(value)


def _parse_slow(value: str) -> str | None:
    text = _ascii(value)
    if not text or not _TYPED.match(text) or sum(c.isdigit() for c in text) > 16:
        return None
    digits = re.sub(r"\D", "", text)
    area = getattr(settings, "DOORSTEP_PHONE_AREA_CODE", "")
    if area and not text.startswith("+") and _LOCAL_NUMBER.match(digits):
        text = area + digits
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    national = str(number.national_number)
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
        return national if _MOBILE.match(national) else None
    return "0" + national


def normalize_phone(value: str) -> str:
    """parse_phone's canonical form, or the text as typed (cleaned of spaces) when it is no phone number: a lookup
    by it then simply finds nothing."""
    return parse_phone(value) or re.sub(r"\s", "", _ascii(value))


def validate_phone(value: str, *, field: str = "phone") -> str:
    """The canonical form, or ValidationFailed with a message in the reader's language."""
    phone = parse_phone(value)
    if phone is None:
        raise ValidationFailed(
            gettext("请填写11位手机号，或带区号的固定电话（如 0731-58888888）。"), field=field)
    return phone


def is_mobile(phone: str) -> bool:
    return bool(_MOBILE.match(phone))


def mask_phone(phone: str) -> str:
    """`138****0001` for a mobile, `0731-****8888` for a landline (area code kept: it says only the city)."""
    if is_mobile(phone):
        return phone[:3] + "****" + phone[-4:]
    if phone.startswith("0") and len(phone) >= 10:
        area = 3 if phone[1] in "12" else 4  # 010, 020-029 are three digits; the rest four
        return phone[:area] + "-" + "*" * (len(phone) - area - 4) + phone[-4:]
    return "*" * len(phone)


def looks_like_phone(query: str) -> bool:
    return parse_phone(query) is not None
