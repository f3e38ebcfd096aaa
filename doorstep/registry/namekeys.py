"""Writing the search keys of residents' names (ResidentNameKey) and the readings staff enter for characters
pypinyin does not know (CharacterReading). Every write of a resident's name goes through residents_rekey; every
move of a resident (a new path) is followed by namekeys_follow, since the keys carry path and name for searching."""

from collections.abc import Iterable
from functools import lru_cache

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.audit.services import audit_record
from doorstep.core.errors import PermissionDenied, ValidationFailed
from doorstep.core.names import NameKeys, name_keys
from doorstep.registry.models import CharacterReading, Resident, ResidentNameKey


def staff_readings(names: Iterable[str] | None = None) -> dict[str, tuple[str, ...]]:
    """The readings staff entered for the characters that occur in `names` (every one entered when None). At most
    one query, none when no name has a character pypinyin lacks."""
    from doorstep.core.names import _char_readings

    qs = CharacterReading.objects.all()
    if names is not None:
        wanted = {c for n in names for c in n if ord(c) > 0x2E80 and not _char_readings(c)}
        if not wanted:
            return {}
        qs = qs.filter(character__in=wanted)
    return {row.character: tuple(row.readings.split()) for row in qs}


def name_key_rows(resident: Resident, keys: NameKeys) -> list[ResidentNameKey]:
    return [ResidentNameKey(resident_id=resident.pk, key=k, path=resident.path, name=resident.name)
            for k in keys.keys]


def namekeys_follow(residents) -> int:
    """Copy the current path and name of these residents (a queryset of residents, or their ids) onto their name
    keys, which a search scopes and sorts by (ResidentNameKey). Call in the same transaction after any write that
    moves a resident (a change of household, a grid redrawn, an import) without re-keying them. Returns the key rows
    updated."""
    if not isinstance(residents, QuerySet):
        residents = list(residents)
        if not residents:
            return 0
    own = Resident.objects.filter(pk=OuterRef("resident_id"))
    return (ResidentNameKey.objects.filter(resident_id__in=residents)
            .update(path=Subquery(own.values("path")[:1]), name=Subquery(own.values("name")[:1])))


def residents_rekey(residents: Iterable[Resident], *, extra: dict[str, tuple[str, ...]] | None = None) -> int:
    """Replace the name keys (and the first reading on the resident row) of these residents after their names (or a
    character's reading) changed. Returns how many key rows were written. Call inside the writing transaction."""
    residents = list(residents)
    if extra is None:
        extra = staff_readings(r.name for r in residents)
    ResidentNameKey.objects.filter(resident_id__in=[r.pk for r in residents]).delete()
    rows: list[ResidentNameKey] = []
    changed = []
    for r in residents:
        keys = name_keys(r.name, extra)
        if (r.name_pinyin, r.name_initials) != (keys.pinyin, keys.initials):
            r.name_pinyin, r.name_initials = keys.pinyin, keys.initials
            changed.append(r)
        rows.extend(name_key_rows(r, keys))
    if changed:
        Resident.objects.bulk_update(changed, ["name_pinyin", "name_initials"], batch_size=500)
    ResidentNameKey.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless syllable pypinyin's dictionary uses (about 420; ü written v: lv, nv): a staff-entered reading
    must be one of them."""
    from pypinyin.constants import PINYIN_DICT
    from pypinyin.contrib.tone_convert import to_normal

    return frozenset(to_normal(r) for value in PINYIN_DICT.values() for r in value.split(","))


# at most this many readings of one character: a rare character of a name has one or two; more only widen what a
# pinyin search matches
READINGS_MAX = 3


def character_reading_refusal(actor, action) -> str:
    """Why the actor may not take this reading action ("" when they may): the authority table
    (registry.changes.authority.READING_AUTHORITY), which the page asks too."""
    from doorstep.registry.changes.authority import reading_refusal

    node = actor.org_node if getattr(actor, "org_node_id", None) else None
    reason = reading_refusal(getattr(actor, "role", ""), action, node.level if node else "")
    return "" if reason is None else reason.text(_)


def character_reading_set(*, actor, character: str, readings: str) -> CharacterReading:
    """Enter (or correct) the pinyin of one character pypinyin does not know, and re-key every resident whose name
    has it. `readings`: toneless pinyin, at most READINGS_MAX, separated by spaces ("ji" for 𠮷).

    Errors: PermissionDenied unless the authority table lets the actor enter a reading (the community clerk and
    above), or overwrite one already entered (a district administrator); ValidationFailed for more than one
    character, a character pypinyin already reads, or readings that are not pinyin syllables or too many.
    Audit: registry.character_reading (with the readings replaced, when overwritten).
    """
    from doorstep.core.names import _char_readings
    from doorstep.registry.changes.authority import ReadingAction

    refused = character_reading_refusal(actor, ReadingAction.ENTER)
    if refused:
        raise PermissionDenied(refused)
    character = (character or "").strip()
    code = ord(character[0]) if len(character) == 1 else 0
    if not (0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or code >= 0x20000):  # CJK ideographs
        raise ValidationFailed(_("请只填一个汉字。"), field="character")
    if _char_readings(character):
        raise ValidationFailed(_("“{char}”已有拼音（{readings}），无需录入。").format(
            char=character, readings=" ".join(_char_readings(character))), field="character")
    words = tuple(dict.fromkeys((readings or "").lower().replace("ü", "v").split()))
    if not words or any(w not in pinyin_syllables() for w in words):
        raise ValidationFailed(_("拼音须是汉语拼音音节（不带声调，ü 写作 v），多个读音用空格分隔，如 ji。"), field="readings")
    if len(words) > READINGS_MAX:
        raise ValidationFailed(_("一个字最多录入{count}个读音。").format(count=READINGS_MAX), field="readings")
    with transaction.atomic():
        existing = CharacterReading.objects.select_for_update().filter(character=character).first()
        if existing is not None:
            refused = character_reading_refusal(actor, ReadingAction.OVERWRITE)
            if refused:
                raise PermissionDenied(_("“{char}”的读音已录入（{readings}）。{reason}").format(
                    char=character, readings=existing.readings, reason=refused))
        replaced = existing.readings if existing is not None else ""
        row, _created = CharacterReading.objects.update_or_create(
            character=character, defaults={"readings": " ".join(words), "entered_by": actor,
                                           "entered_at": timezone.now()})
        affected = list(Resident.objects.filter(name__contains=character).only("id", "name", "name_pinyin",
                                                                               "name_initials"))
        residents_rekey(affected, extra=staff_readings(r.name for r in affected))
        summary = {"character": character, "readings": row.readings, "residents": len(affected)}
        if replaced:
            summary["replaced"] = replaced
        audit_record(actor=actor, action="registry.character_reading", target=row, summary=summary)
    return row
