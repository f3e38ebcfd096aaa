"""Ids as people and clients send them: a row id is 1 to 18 digits. Anything else — words, signs, a number past
what the database's bigint holds (SQLite raises OverflowError on it) — is the same NotFound as a missing row."""

from doorstep.core.errors import NotFound

MAX_DIGITS = 18


def parse_id(raw) -> int:
    """The id in `raw` (an int or its digits); NotFound for anything else."""
    if isinstance(raw, bool):
        raise NotFound()
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw if raw is not None else "").strip()
        if not text.isascii() or not text.isdigit() or len(text) > MAX_DIGITS:
            raise NotFound()
        value = int(text)
    if not 0 < value < 10 ** MAX_DIGITS:
        raise NotFound()
    return value
