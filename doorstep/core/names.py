"""Pinyin keys for name search: full pinyin (`xiexiaobo`) and initials (`xxb`) for 谢小波."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Surnames whose reading differs from the common reading of the character (多音字姓氏).
_SURNAME_READINGS = {
    "单": "shan", "解": "xie", "曾": "zeng", "区": "ou", "仇": "qiu", "朴": "piao", "查": "zha",
    "繁": "po", "覃": "qin", "尉": "yu", "乐": "yue", "种": "chong", "盖": "ge", "万俟": "moqi",
    "尉迟": "yuchi", "召": "shao", "缪": "miao", "翟": "zhai", "相": "xiang", "员": "yun", "长孙": "zhangsun",
}


@lru_cache(maxsize=20000)
def _char_pinyin(char: str) -> str:
    return lazy_pinyin(char, style=Style.NORMAL, errors=lambda s: s.lower())[0]


@lru_cache(maxsize=200000)
def name_pinyin(name: str) -> tuple[str, str]:
    """Return (full, initials), lowercase ASCII; characters without pinyin keep themselves."""
    syllables: list[str] = []
    rest = name
    for surname in (name[:2], name[:1]):
        if surname in _SURNAME_READINGS:
            reading = _SURNAME_READINGS[surname]
            syllables.append(reading)
            rest = name[len(surname):]
            break
    syllables.extend(_char_pinyin(c) for c in rest)
    syllables = [s for s in syllables if s]
    return "".join(syllables), "".join(s[0] for s in syllables)
