"""Masking personal numbers found in free text: ID numbers (18 characters, and the legacy 15 digits), mobile
numbers, landlines written with their area code, and the numbers of passports and travel permits (a letter and
eight digits), shaped as the pages show them (4303**********003X, 138****5678, 0731-****8888, E1*****78). Used where text leaves the records it belongs to — log lines (core/logs.py,
core/accesslog.py) and audit events (summaries, labels, reasons) — so a number typed into a search box or a login
name is never kept whole (issue #10, item 9)."""

import re

# Letters may touch an ID number ("id430302…", "…9714x"); digits may not (a 19-digit case number is no ID number).
_ID_NUMBER = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[0-9Xx])(?!\d)")
# A mobile number as people write it: with +86 / 86 in front, with spaces or dashes between 3-4-4 (138-0000-0001).
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")
_LEGACY_ID_NUMBER = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{3})(?!\d)")
# A landline as people write it: area code (010, 02x, 0xxx) and a dash or space, or the whole run of digits.
_LANDLINE = re.compile(r"(?<![\d-])(0(?:10|2\d|[3-9]\d\d))[- ]?\d{3,4}[- ]?(\d{4})(?![\d-])")
# Passports (E12345678, EA1234567), 港澳 permits (H/M + 8 or 10 digits): a letter, then digits.
_TRAVEL_DOCUMENT = re.compile(r"(?<![A-Za-z0-9])([EGDSPHMegdsphm][A-Za-z0-9])\d{5,6}(\d{2})(?:\d{2})?(?!\d)")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
# A digest written in hex (a file's SHA-256 in an audit summary) holds digit runs shaped like numbers by chance
# ("…f005821040282906e…" read as a 15-digit ID): it is kept whole, never a person's number.
_HEX_DIGEST = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{32,}(?![0-9A-Za-z])")


def mask_personal_numbers(text: str) -> str:
    """`text` with every ID-number-shaped and mobile-number-shaped run of digits masked (full-width digits read
    as digits first, so "４３０３…" is masked too; the rest of the text is kept as written)."""
    if not text or not any(c.isdigit() for c in text):  # isdigit() is also true of full-width digits
        return text
    if any("０" <= c <= "９" for c in text):
        text = text.translate(_FULL_WIDTH_DIGITS)
    digests = list(_HEX_DIGEST.finditer(text))
    if digests:
        parts, end = [], 0
        for digest in digests:
            parts += [_mask(text[end:digest.start()]), digest.group()]
            end = digest.end()
        return "".join([*parts, _mask(text[end:])])
    return _mask(text)


def _mask(text: str) -> str:
    text = _ID_NUMBER.sub(r"\1**********\2", text)
    text = _LEGACY_ID_NUMBER.sub(r"\1********\2", text)
    text = _PHONE.sub(r"\1****\2", text)
    text = _LANDLINE.sub(r"\1-****\2", text)
    return _TRAVEL_DOCUMENT.sub(r"\1*****\2", text)


def mask_in(value):
    """The same structure (dicts, lists, tuples, text, numbers) with every text masked; dict keys too."""
    if isinstance(value, str):
        return mask_personal_numbers(value)
    if isinstance(value, dict):
        return {mask_in(k): mask_in(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_in(v) for v in value]
    return value
