"""Personal names: one stored spelling per person, and every key a person might search the name by.

Normalising (normalize_name): the middle dot of Uyghur, Tibetan, Mongolian and transliterated names is stored as one
character, U+00B7 "·" (the 间隔号 of GB/T 15834-2011 标点符号用法 §4.15), whichever look-alike was typed (•, ・, ．,
‧, ∙, ⋅, ･, or "." between Chinese characters), so one person cannot exist under three spellings. Characters outside
the Basic Multilingual Plane (CJK extensions B–I: 𠮷, 𰀀 …) are kept as they are.

Search keys (name_keys): the name with its dots removed, every pinyin reading of it and every string of initials.
A character with several readings (多音字: 阚 kan/han, 卜 bu/bo, 薄 bo/bao) gives one key per reading — pypinyin's
heteronym lists, the reading a surname takes (SURNAME_READINGS) first — so 阚杰 is found by `kanjie`, `hanjie`,
`kj` and `hj`. A character pypinyin does not know is read by what staff entered for it (registry
CharacterReading); until then it adds nothing to the pinyin keys (王𰀀 is still found by `wang`).
"""

import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext
from pypinyin import Style, pinyin

from doorstep.core.errors import ValidationFailed

NAME_MAX_LENGTH = 50  # characters (code points), the same in the services, the forms, the import and the column
NAME_DOT = "\u00b7"
_DOT_LOOKALIKES = "\u2022\u30fb\uff0e\u2027\u2219\u22c5\uff65\u0387\u16eb\u2e31\u00b7\u318d"
_DOTS = str.maketrans({c: NAME_DOT for c in _DOT_LOOKALIKES})
_ALLOWED_PUNCTUATION = {" ", NAME_DOT, "-", "'", "."}  # "." stays only between Latin letters (John F. Kennedy)
MAX_READINGS = 64  # full-pinyin keys per name; pypinyin orders each character's readings by use, commonest first
PINYIN_KEY_MAX_LENGTH = 6 * NAME_MAX_LENGTH  # the longest syllable (zhuang, shuang) has six letters

# The reading a character takes as a surname where that differs from its commonest reading. The source is the
# surname entries of 《现代汉语词典》(7th ed.) for the characters pypinyin lists with several readings; they only
# decide which reading comes first (sorting, the pinyin shown): every reading is a search key either way.
SURNAME_READINGS = {
    "单": "shan", "解": "xie", "曾": "zeng", "区": "ou", "仇": "qiu", "朴": "piao", "查": "zha", "繁": "po",
    "覃": "qin", "尉": "wei", "乐": "yue", "种": "chong", "盖": "ge", "召": "shao", "缪": "miao", "翟": "zhai",
    "相": "xiang", "员": "yun", "阚": "kan", "卜": "bu", "薄": "bo", "秘": "bi", "折": "she", "句": "gou",
    "隗": "wei", "柏": "bai", "藏": "zang", "郇": "huan", "能": "nai", "谌": "chen", "莘": "shen", "蕃": "pi",
    "祭": "zhai", "长": "chang", "重": "chong", "都": "du", "叶": "ye", "沈": "shen", "宁": "ning", "华": "hua",
    "纪": "ji", "任": "ren", "车": "che",
    # compound surnames: one reading per character
    "万俟": "mo qi", "尉迟": "yu chi", "长孙": "zhang sun", "单于": "chan yu", "澹台": "tan tai", "令狐": "ling hu",
}


@dataclass(frozen=True)
class NameKeys:
    """`pinyin` and `initials`: the first reading (surname reading first), shown and sorted by; `keys`: every
    search key, each at most PINYIN_KEY_MAX_LENGTH characters, deduplicated, in order; `unread`: the characters
    nobody has a reading for yet."""

    pinyin: str
    initials: str
    keys: tuple[str, ...]
    unread: tuple[str, ...]


def _is_han(char: str) -> bool:
    return unicodedata.name(char, "").startswith("CJK ") or "\u3400" <= char <= "\u9fff" or char >= "\U00020000"


def normalize_name(value: str, *, field: str = "name") -> str:
    """The stored spelling of a name, or ValidationFailed: spaces trimmed and single, dots made one, at most
    NAME_MAX_LENGTH characters, letters of any script (with their combining marks), the middle dot, spaces, "-", "'"
    and "." (after a Latin initial) only (no digits, no control or direction-override characters)."""
    text = unicodedata.normalize("NFC", value or "").translate(_DOTS)
    text = " ".join(text.split())
    text = re.sub(r"(?<=[^\x00-\x7f])\.|\.(?=[^\x00-\x7f])", NAME_DOT, text)  # "." beside Chinese is a dot
    text = re.sub(r"\s*" + NAME_DOT + r"[\s" + NAME_DOT + r"]*", NAME_DOT, text)  # one dot, however many typed
    text = re.sub(r"(?<=[^\x00-\u024f]) (?=[^\x00-\u024f])", "", text)  # 王 小 雨: no spaces inside a Chinese name
    if not text:
        raise ValidationFailed(gettext("请填写姓名。"), field=field)
    if len(text) > NAME_MAX_LENGTH:
        raise ValidationFailed(gettext("姓名不能超过{count}个字。").format(count=NAME_MAX_LENGTH), field=field)
    for char in text:
        if char in _ALLOWED_PUNCTUATION or unicodedata.category(char)[0] in "LM":
            continue
        raise ValidationFailed(gettext("姓名中不能有“{char}”：只能是文字、间隔号“·”和空格。").format(
            char=char if char.isprintable() else f"U+{ord(char):04X}"), field=field)
    if text[0] in _ALLOWED_PUNCTUATION or text[-1] in _ALLOWED_PUNCTUATION:
        raise ValidationFailed(gettext("姓名不能以标点开头或结尾。"), field=field)
    return text


def name_for_search(value: str) -> str:
    """A name as typed into a search box, in the form of its search key: dots unified then dropped, spaces
    dropped (`买买提.艾力`, `买买提艾力` → `买买提艾力`)."""
    text = unicodedata.normalize("NFC", value or "").translate(_DOTS).replace(".", NAME_DOT)
    return "".join(text.replace(NAME_DOT, "").split())


@lru_cache(maxsize=50000)
def _char_readings(char: str) -> tuple[str, ...]:
    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors=lambda _c: [[]])
    found = readings[0] if readings else []
    return tuple(dict.fromkeys(r for r in found if r and r.isascii() and r.isalpha()))


def _latin_word(word: str) -> str:
    folded = unicodedata.normalize("NFKD", word)
    return "".join(c for c in folded if c.isascii() and c.isalpha()).lower()


def _syllables(name: str, extra: Mapping[str, tuple[str, ...]]) -> tuple[list[tuple[str, ...]], list[str]]:
    """One tuple of readings per syllable of `name` (a Chinese character, or a word of Latin letters), and the
    characters without any reading."""
    out: list[tuple[str, ...]] = []
    unread: list[str] = []
    rest = name
    for surname in (name[:2], name[:1]):
        reading = SURNAME_READINGS.get(surname)
        if reading:
            if len(surname) == 2:  # a compound surname reads one way only
                out.extend((r,) for r in reading.split())
            else:
                out.append((reading, *(r for r in _char_readings(surname) if r != reading)))
            rest = name[len(surname):]
            break
    for word in re.split(r"[\s" + NAME_DOT + r"\-'.]+", rest):
        latin = ""
        for char in word:
            if char.isascii() or not _is_han(char) and char.isalpha() and _latin_word(char):
                latin += char
                continue
            if latin:
                out.append((_latin_word(latin),))
                latin = ""
            readings = extra.get(char) or _char_readings(char)
            if readings:
                out.append(tuple(readings))
            elif unicodedata.category(char)[0] == "L":
                unread.append(char)
        if latin and _latin_word(latin):
            out.append((_latin_word(latin),))
    return out, unread


def readings_in_order(options: list[tuple[str, ...]], limit: int) -> list[tuple[str, ...]]:
    """At most `limit` ways to read a name, one reading per syllable from `options` (each syllable's readings, the
    likeliest first), the most plausible first: the first readings; then each character read another way wherever
    it occurs (卜 as bu in all three places of 阿卜杜热合曼·阿卜杜克力木·阿卜杜拉); then one syllable read another
    way, then two, and so on. (Taking itertools.product in order and cutting at `limit` varied only the last
    syllables of a long name, so 阿卜杜拉 was never keyed as abudula.)"""
    if not options:
        return []
    base = tuple(o[0] for o in options)
    out = {base: None}
    groups: dict[tuple[str, ...], list[int]] = {}
    for position, choice in enumerate(options):
        if len(choice) > 1:
            groups.setdefault(choice, []).append(position)
    for choice, positions in groups.items():  # the same readings at several places: most likely one character
        for other in choice[1:]:
            reading = list(base)
            for position in positions:
                reading[position] = other
            out.setdefault(tuple(reading), None)
            if len(out) >= limit:
                return list(out)
    ambiguous = [p for p, choice in enumerate(options) if len(choice) > 1]
    for count in range(1, len(ambiguous) + 1):
        for positions in itertools.combinations(ambiguous, count):
            for others in itertools.product(*(options[p][1:] for p in positions)):
                reading = list(base)
                for position, other in zip(positions, others, strict=True):
                    reading[position] = other
                out.setdefault(tuple(reading), None)
                if len(out) >= limit:
                    return list(out)
    return list(out)


def name_keys(name: str, extra: Mapping[str, tuple[str, ...]] | None = None) -> NameKeys:
    """Every search key of a stored name (see the module's docstring). `extra` maps characters to readings staff
    entered (CharacterReading). Pure; at most MAX_READINGS full readings and as many initials strings."""
    syllables, unread = _syllables(name, extra or {})
    fulls = ["".join(p)[:PINYIN_KEY_MAX_LENGTH] for p in readings_in_order(syllables, MAX_READINGS)]
    first_letters = [tuple(dict.fromkeys(r[0] for r in s)) for s in syllables]
    initials = ["".join(p)[:NAME_MAX_LENGTH] for p in readings_in_order(first_letters, MAX_READINGS)]
    plain = name_for_search(name)
    keys = tuple(dict.fromkeys([plain, *fulls, *initials]))
    return NameKeys(pinyin=fulls[0] if fulls else "", initials=initials[0] if initials else "", keys=keys,
                    unread=tuple(dict.fromkeys(unread)))


@lru_cache(maxsize=200000)
def plain_name_keys(name: str) -> NameKeys:
    """name_keys without staff readings, cached (the demo and the import key hundreds of thousands of names, many
    of them alike)."""
    return name_keys(name)


def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of the first reading, lowercase ASCII: 谢小波 → ("xiexiaobo", "xxb")."""
    keys = plain_name_keys(name)
    return keys.pinyin, keys.initials
