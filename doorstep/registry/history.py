"""A resident's record as it was on any date (issue #12 item 5): the versions registry.changes writes, and the reads
eligibility and dashboards need (the record as it was, not as it is).

Design (docs/decisions.md, "Registry history"): a version table (ResidentVersion), one row per stretch of a
resident's record with the fields that change — household, grid, name, relation, status, flags, phone (masked and
its blind index), document (type and masked number) — valid from `valid_from` to `valid_to` (exclusive). An as-of
read is one indexed lookup (resident, valid_from ≤ D, newest first), not a replay of events.

- The open version (valid_to NULL) always reads as the live Resident row: whatever another write path changed since
  (a grid redrawn, a name re-keyed, a ledger re-import) is what the record says now.
- A resident without any version (the demo's 300,000, residents registered at the window or imported) reads as its
  current row from its birth date on: no migration writes rows for them. The first change applied to such a
  resident first writes that baseline (valid from the birth date) and closes it on the change's date.
- Valid time is the date the change took effect in the world (the birth, the death, the move); phone, flag and
  correction changes take effect on the day they are approved (the record said otherwise until then).
- A change reported late (dated before the resident's latest version: a move of 11-30 approved after a phone change
  that took effect 12-01) is written where it belongs: the version covering its date is split there, a version
  with the change's fields starts on its date, and every later version — and the live row — takes the fields it
  sets, as those later changes did not touch them. When a later version did change one of those fields (or the
  change archives the resident and a later one moved them), the change is refused naming that later change and its
  date (history_check_effective): which of the two is right is the reviewer's call, not the code's.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from doorstep.core.errors import ValidationFailed
from doorstep.registry.models import (
    IncomeRecord,
    Resident,
    ResidentStatus,
    ResidentVersion,
)

FLAG_FIELDS = ("is_elderly_alone", "is_disabled", "is_low_income", "is_migrant", "is_party_member", "is_veteran")
VERSIONED_FIELDS = ("household_id", "path", "name", "gender", "birth_date", "relation", "status", "status_date",
                    "document_type", "id_number_masked", "phone_index", "phone_masked", *FLAG_FIELDS)


def version_snapshot(resident: Resident) -> dict:
    """The versioned fields of a resident row, as a ResidentVersion would hold them."""
    return {f: getattr(resident, f) for f in VERSIONED_FIELDS}


# A change that archives a resident (a death, a move out of the district) cannot be slipped in before a later change
# of where they live or of their status: the one archived on that date could not have moved or married after it.
ARCHIVING_CONFLICTS = ("household_id", "path", "relation", "status", "status_date")


def _versions(resident_id: int) -> list[ResidentVersion]:
    return list(ResidentVersion.objects.filter(resident_id=resident_id).order_by("valid_from", "id")
                .select_related("change"))


def _changed(version: ResidentVersion, previous: ResidentVersion) -> set[str]:
    return {f for f in VERSIONED_FIELDS if getattr(version, f) != getattr(previous, f)}


def _field_labels(fields) -> str:
    labels = []
    for f in VERSIONED_FIELDS:  # in the table's order, the household once for its two columns
        if f not in fields or (f == "path" and "household_id" in fields):
            continue
        label = _("住址（户）") if f in ("household_id", "path") else str(
            ResidentVersion._meta.get_field(f).verbose_name)
        if label not in labels:
            labels.append(label)
    return pgettext("list separator", "、").join(labels)


def _version_source(version: ResidentVersion) -> str:
    if version.change_id:
        return str(version.change.get_kind_display())
    return _("台账导入")


def history_check_effective(resident: Resident, effective: datetime.date, *, fields=VERSIONED_FIELDS,
                            versions: list | None = None) -> None:
    """ValidationFailed unless a change setting `fields` (versioned field names) may take effect on `effective`:
    not after today, not before the registry first held the resident, and — when it is dated before later versions
    — none of those later versions changed a field it sets (ARCHIVING_CONFLICTS too, for a change of status). The
    refusal names the later change and its date. One query (none when `versions` are given)."""
    if effective > timezone.localdate():
        raise ValidationFailed(_("生效日期不能晚于今天。"), field="effective_date")
    versions = _versions(resident.pk) if versions is None else versions
    if not versions:
        return  # held since birth: the kinds check a date against the birth date
    if effective < versions[0].valid_from:
        raise ValidationFailed(_("生效日期不能早于该居民在本区登记的日期（{date}）。").format(
            date=versions[0].valid_from.isoformat()), field="effective_date")
    wanted = set(fields) & set(VERSIONED_FIELDS)
    if "status" in wanted:
        wanted |= set(ARCHIVING_CONFLICTS)
    for previous, version in zip(versions, versions[1:], strict=False):
        if version.valid_from <= effective:
            continue
        clash = _changed(version, previous) & wanted
        if clash:
            raise ValidationFailed(_("该居民{date}已有一项“{change}”改过{fields}，这项变更的生效日期不能早于{date}。").format(
                date=version.valid_from.isoformat(), change=_version_source(version), fields=_field_labels(clash)),
                field="effective_date")


def history_record(resident: Resident, *, before: dict | None, effective: datetime.date, change=None,
                   fields=None) -> None:
    """Append the version a change made. Call after saving the changed resident, inside the writing transaction,
    with the resident row locked and history_check_effective passed. `before`: version_snapshot(resident) taken
    before the change (None for a resident the change created). `fields`: the versioned fields the change sets
    (default: those that differ from `before`); a change dated before later versions gives them these fields."""
    now = timezone.now()
    after = version_snapshot(resident)
    if before is None:
        ResidentVersion.objects.create(resident_id=resident.pk, valid_from=effective, recorded_at=now, change=change,
                                       **after)
        return
    versions = _versions(resident.pk)
    later = [v for v in versions if v.valid_from > effective]
    if not later:
        rows = []
        open_version = versions[-1] if versions and versions[-1].valid_to is None else None
        if open_version is None:  # the first change of a resident the registry held without history
            rows.append(ResidentVersion(resident_id=resident.pk, valid_from=before["birth_date"], valid_to=effective,
                                        recorded_at=now, **before))
        else:  # what the live row said until now, including other write paths' changes, ends today
            for field, value in before.items():
                setattr(open_version, field, value)
            open_version.valid_to = effective
            open_version.save(update_fields=[*VERSIONED_FIELDS, "valid_to"])
        rows.append(ResidentVersion(resident_id=resident.pk, valid_from=effective, recorded_at=now, change=change,
                                    **after))
        ResidentVersion.objects.bulk_create(rows)
        return
    # reported late: split the version covering `effective` there, and carry the change into every later version
    setting = [f for f in VERSIONED_FIELDS if (before[f] != after[f] if fields is None else f in fields)]
    covering = [v for v in versions if v.valid_from <= effective][-1]
    inserted = ResidentVersion(resident_id=resident.pk, valid_from=effective, valid_to=covering.valid_to,
                               recorded_at=now, change=change,
                               **{f: after[f] if f in setting else getattr(covering, f) for f in VERSIONED_FIELDS})
    covering.valid_to = effective
    for v in later:
        for f in setting:
            setattr(v, f, after[f])
    ResidentVersion.objects.bulk_update([covering, *later], [*VERSIONED_FIELDS, "valid_to"])
    inserted.save()


def history_record_many(befores: dict[int, dict], *, effective: datetime.date, ledger_import=None) -> int:
    """history_record for many residents changed by one bulk write (the ledger import's updates), with no change
    request behind them: `befores` maps each resident id to version_snapshot() taken before the write; call after
    it, in the same transaction. `ledger_import`: the LedgerImport job that wrote them (None from the command
    line), which the resident page names. Three statements per 500 residents. Returns the versions written."""
    now = timezone.now()
    ids = list(befores)
    written = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        open_versions = {v.resident_id: v for v in ResidentVersion.objects.filter(resident_id__in=chunk,
                                                                                  valid_to=None)}
        rows, closing = [], []
        for resident in Resident.objects.filter(pk__in=chunk).only("id", *VERSIONED_FIELDS):
            before = befores[resident.pk]
            current = open_versions.get(resident.pk)
            if current is None:
                rows.append(ResidentVersion(resident_id=resident.pk, valid_from=before["birth_date"],
                                            valid_to=effective, recorded_at=now, **before))
            else:
                for name, value in before.items():
                    setattr(current, name, value)
                current.valid_to = effective
                closing.append(current)
            rows.append(ResidentVersion(resident_id=resident.pk, valid_from=effective, recorded_at=now,
                                        ledger_import=ledger_import, **version_snapshot(resident)))
        if closing:
            ResidentVersion.objects.bulk_update(closing, [*VERSIONED_FIELDS, "valid_to"])
        ResidentVersion.objects.bulk_create(rows)
        written += len(rows)
    return written


def resident_as_of(resident_id: int, day: datetime.date):
    """The resident's record as it was on `day`: a ResidentVersion (a past stretch) or the live Resident (the open
    version, or a resident without history since birth) — both carry the versioned fields under the same names —
    or None when the registry did not hold them that day (not yet born or not yet moved in). A deceased or moved-out
    resident reads with that status. One or two queries."""
    version = (ResidentVersion.objects.filter(resident_id=resident_id, valid_from__lte=day)
               .order_by("-valid_from", "-id").first())
    if version is not None:
        if version.valid_to is not None and version.valid_to > day:
            return version
        if version.valid_to is None:
            return Resident.objects.filter(pk=resident_id).first()
        return None  # not expected: versions are contiguous
    if ResidentVersion.objects.filter(resident_id=resident_id).exists():
        return None  # the registry's first version of them starts later
    resident = Resident.objects.filter(pk=resident_id).first()
    return resident if resident is not None and resident.birth_date <= day else None


def _covering(day: datetime.date) -> Q:
    return Q(valid_from__lte=day) & Q(valid_to__gt=day)


def household_members_as_of(household_id: int, day: datetime.date) -> list:
    """The members a household had on `day` (alive and in the district): for each, what resident_as_of gives.
    Three queries."""
    closed = list(ResidentVersion.objects.filter(_covering(day), household_id=household_id,
                                                 status=ResidentStatus.ACTIVE))
    live = list(_live_members(day).filter(household_id=household_id))
    members = {v.resident_id: v for v in closed}
    members.update({r.pk: r for r in live})
    return sorted(members.values(), key=lambda m: getattr(m, "resident_id", None) or m.pk)


def _live_members(day: datetime.date):
    """Residents whose live row describes them on `day`: no history and born by then, or an open version that
    began by then; and active."""
    any_version = ResidentVersion.objects.filter(resident_id=OuterRef("pk"))
    open_since = ResidentVersion.objects.filter(resident_id=OuterRef("pk"), valid_to=None, valid_from__lte=day)
    return Resident.objects.filter(status=ResidentStatus.ACTIVE, birth_date__lte=day).filter(
        ~Exists(any_version) | Exists(open_since))


def household_sizes_as_of(household_ids, day: datetime.date) -> dict[int, int]:
    """How many members each household had on `day`: two grouped queries for any number of households."""
    ids = list(household_ids)
    sizes: dict[int, int] = {}
    for hid, n in (ResidentVersion.objects.filter(_covering(day), household_id__in=ids, status=ResidentStatus.ACTIVE)
                   .values_list("household_id").annotate(n=Count("id"))):
        sizes[hid] = sizes.get(hid, 0) + n
    for hid, n in _live_members(day).filter(household_id__in=ids).values_list("household_id").annotate(n=Count("id")):
        sizes[hid] = sizes.get(hid, 0) + n
    return sizes


def _age(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def resident_facts_as_of(resident_id: int, *, year: int, day: datetime.date) -> dict[str, float | None] | None:
    """registry.selectors.resident_facts as the record was on `day`: age on that day, household income per head
    over the members the household had that day. None when the registry did not hold the resident that day."""
    return residents_facts_as_of([resident_id], year=year, day=day).get(int(resident_id))


def residents_facts_as_of(resident_ids, *, year: int, day: datetime.date) -> dict[int, dict[str, float | None]]:
    """resident_facts_as_of for many residents: five grouped queries per 500 residents. Residents the registry did
    not hold on `day` are left out. Each value also says the resident's `status` that day."""
    ids = list(dict.fromkeys(int(i) for i in resident_ids))
    result: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        live = {r.pk: r for r in Resident.objects.filter(id__in=chunk).only("id", "birth_date", "household_id",
                                                                           "status")}
        versioned = set(ResidentVersion.objects.filter(resident_id__in=chunk).values_list("resident_id", flat=True)
                        .distinct())
        records = {}
        for v in ResidentVersion.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day),
                                                resident_id__in=chunk, valid_from__lte=day):
            records[v.resident_id] = live.get(v.resident_id) if v.valid_to is None else v
        for pk, r in live.items():
            if pk not in versioned and r.birth_date <= day:
                records[pk] = r
        records = {pk: r for pk, r in records.items() if r is not None}
        households = {r.household_id for r in records.values()}
        sizes = household_sizes_as_of(households, day)
        totals = dict(IncomeRecord.objects.filter(household_id__in=households, year=year).values_list("household_id")
                      .annotate(s=Sum("amount")))
        for pk, r in records.items():
            total = totals.get(r.household_id)
            result[pk] = {"age": _age(r.birth_date, day),
                          "household_income_per_head_year": None if total is None
                          else float(total) / (sizes.get(r.household_id) or 1),
                          "status": r.status}
    return result


@dataclass
class HistoryEntry:
    """One step of a resident's history as the detail page shows it: the version, the change that made it (None for
    the record as first held and for an import), what wrote it (`source`: "change" a change request, "import" a
    ledger import — `ledger_import` its job when a page's import, None from the command line — or "original" the
    record as the registry first held it), and what it changed: (field label, before, after), masked."""

    version: object
    change: object | None
    changes: list[tuple[str, str, str]]
    source: str = "original"
    ledger_import: object | None = None


def _shown(resident_or_version, field: str, households: dict) -> str:
    value = getattr(resident_or_version, field)
    if field == "household_id":
        h = households.get(value)
        return _("{building}{room}（{number}）").format(building=h.building.name, room=h.room,
                                                     number=h.number) if h else str(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.date):
        return value.isoformat()
    display = getattr(resident_or_version, f"get_{field}_display", None)
    if display is not None and field != "household_id":
        return str(display())
    return str(value or "—")


HISTORY_FIELDS = ("household_id", "relation", "name", "gender", "birth_date", "status", "status_date",
                  "document_type", "id_number_masked", "phone_masked", *FLAG_FIELDS)


def resident_history(resident: Resident) -> list[HistoryEntry]:
    """The resident's versions, newest first, each with the change that made it and the fields it changed. The
    open version is shown as the live row. Three queries."""
    from doorstep.registry.models import Household

    versions = list(ResidentVersion.objects.filter(resident_id=resident.pk).order_by("valid_from", "id")
                    .select_related("change__proposer", "change__reviewer", "ledger_import__owner"))
    if not versions:
        return []
    households = {h.pk: h for h in Household.objects.filter(
        pk__in={v.household_id for v in versions} | {resident.household_id}).select_related("building")}
    labels = {f: str(ResidentVersion._meta.get_field(f.removesuffix("_id")).verbose_name) for f in HISTORY_FIELDS}
    labels["household_id"] = _("住址（户）")
    entries = []
    previous = None
    for v in versions:
        shown = resident if v.valid_to is None else v
        diff = []
        if previous is not None:
            for f in HISTORY_FIELDS:
                before, after = _shown(previous, f, households), _shown(shown, f, households)
                if before != after:
                    diff.append((labels[f], before, after))
        # a version with neither a change nor an import's job is the original record — unless an earlier version
        # exists, when only a command-line import (which has no job) can have written it
        source = ("change" if v.change_id else "import" if v.ledger_import_id or previous is not None
                  else "original")
        entries.append(HistoryEntry(version=v, change=v.change, changes=diff, source=source,
                                    ledger_import=v.ledger_import))
        previous = shown
    return entries[::-1]
