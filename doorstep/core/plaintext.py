"""Free text people type (a report, a reason, a note): the characters that are never part of what they meant.

Unicode's bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) reorder how a
line is shown without changing what it says — "Trojan Source" (Boucher & Anderson, 2021) — so a stored report could
read differently to the department than to the command center. C0/C1 control characters (other than a line break
or a tab) and the zero-width space and BOM are invisible in every view and only hide text from search. They are
removed before free text is stored; the zero-width joiner (U+200D) stays, since emoji sequences need it.
"""

import re

_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def strip_invisible(text: str) -> str:
    """`text` without direction overrides, control characters (line breaks and tabs kept), zero-width spaces or
    BOMs. Pure; str → str."""
    return _INVISIBLE.sub("", text)
