"""Resident ID numbers (居民身份证号) and mobile phone numbers: validation, normalisation, masking.

Validation is python-stdnum's `stdnum.cn.ric` (length, check digit, birth date, region code valid at birth);
on top of it an ID number must agree with the birth date and gender stored for the person.
"""

import datetime
import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from doorstep.core.errors import ValidationFailed

_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")

_RIC_MESSAGES = {
    stdnum_errors.InvalidLength: _("身份证号应为18位。"),
    stdnum_errors.InvalidFormat: _("身份证号前17位应为数字，最后一位为数字或X。"),
    stdnum_errors.InvalidChecksum: _("身份证号校验位不正确，请核对是否输错。"),
    stdnum_errors.InvalidComponent: _("身份证号中的出生日期或地区代码无效。"),
}


def normalize_id_number(value: str) -> str:
    return ric.compact(value or "").strip().upper()


def validate_id_number(value: str) -> str:
    """Return the normalised ID number or raise ValidationFailed with a Chinese message."""
    number = normalize_id_number(value)
    try:
        return ric.validate(number)
    except stdnum_errors.ValidationError as exc:
        for cls, message in _RIC_MESSAGES.items():
            if isinstance(exc, cls):
                raise ValidationFailed(message, field="id_number") from None
        raise ValidationFailed(gettext("身份证号无效。"), field="id_number") from None


def id_birth_date(number: str) -> datetime.date:
    return ric.get_birth_date(number)


def id_gender(number: str) -> str:
    """'M' or 'F': the 17th digit is odd for men and even for women."""
    return "M" if int(number[16]) % 2 else "F"


def check_id_matches_person(number: str, *, birth_date: datetime.date, gender: str) -> None:
    if id_birth_date(number) != birth_date:
        raise ValidationFailed(gettext("身份证号中的出生日期与登记的出生日期不一致。"), field="id_number")
    if id_gender(number) != gender:
        raise ValidationFailed(gettext("身份证号中的性别与登记的性别不一致。"), field="id_number")


def complete_id_number(first17: str) -> str:
    """The 18-digit number for 17 given digits (used by the demo generator and tests)."""
    return first17 + ric.calc_check_digit(first17 + "0")


def mask_id_number(number: str) -> str:
    return number[:4] + "*" * 10 + number[-4:] if len(number) == 18 else "*" * len(number)


def normalize_phone(value: str) -> str:
    digits = re.sub(r"[\s\-]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def validate_phone(value: str) -> str:
    phone = normalize_phone(value)
    if not _PHONE_RE.match(phone):
        raise ValidationFailed(gettext("手机号应为以1开头的11位数字。"), field="phone")
    return phone


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "*" * len(phone)


def looks_like_id_number(query: str) -> bool:
    q = normalize_id_number(query)
    return len(q) == 18 and q[:17].isdigit()


def looks_like_phone(query: str) -> bool:
    return bool(_PHONE_RE.match(normalize_phone(query)))
