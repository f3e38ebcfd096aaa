"""Reading the service-hours ledger (issue #15 item 4): a volunteer's rows with the activity and who confirmed them,
their total, the rows of a certificate, what a certificate's verification code says, and a community's totals per
volunteer for a period (the Excel export). Who may read a volunteer's ledger is the table's Extra.SEE_HOURS (the
volunteer themself; the community's staff; leaders and administrators over it)."""

import datetime

from django.db.models import Count, Q, Sum

from doorstep.core.errors import NotFound, ValidationFailed
from doorstep.wishes.authority import Extra, permitted
from doorstep.wishes.models import HoursEntry, Volunteer
from doorstep.wishes.services.common import (
    community_relations,
    get_or_404,
    registration_of,
    volunteer_relations,
)

VERIFY_SALT = "doorstep.wishes.certificate"
EXPORT_ROWS_MAX = 20000


def hours_text(minutes: int) -> str:
    """Minutes as hours with one decimal (90 → "1.5")."""
    return f"{(minutes or 0) / 60:.1f}"


def volunteer_for_hours(user, volunteer_id=None) -> Volunteer:
    """The volunteer whose ledger `user` asks for: their own registration (any state: a volunteer who left keeps
    their record) when no id is given, else one the table lets them see. NotFound for a missing volunteer and for
    one out of reach alike."""
    if volunteer_id is None:
        mine = registration_of(user)
        if mine is None or not mine.number:
            raise NotFound(_not_registered())
        return mine
    volunteer = get_or_404(Volunteer.objects.select_related("community", "user"), volunteer_id)
    if not permitted(user.role, Extra.SEE_HOURS, volunteer_relations(user, volunteer)):
        raise NotFound()
    return volunteer


def _not_registered() -> str:
    from django.utils.translation import gettext

    return gettext("您还没有经社区确认的志愿者登记，暂无服务时长记录。")


def ledger(volunteer: Volunteer) -> tuple[list[HoursEntry], int]:
    """Every ledger row of the volunteer, by date, with the activity and who recorded it; and the total minutes.
    Two queries whatever the number of rows."""
    rows = list(HoursEntry.objects.filter(volunteer=volunteer).select_related("activity", "recorded_by")
                .order_by("-served_on", "-id"))
    for r in rows:
        r.hours = hours_text(r.minutes)
    return rows, sum(r.minutes for r in rows)


def certificate_rows(volunteer: Volunteer, start, end) -> tuple[list[dict], int]:
    """Each activity served in the period with its net minutes (corrections taken off), by date; and the total."""
    qs = HoursEntry.objects.filter(volunteer=volunteer)
    if start:
        qs = qs.filter(served_on__gte=start)
    if end:
        qs = qs.filter(served_on__lte=end)
    grouped = (qs.values("activity_id", "activity__title", "activity__place", "served_on")
               .annotate(minutes=Sum("minutes")).order_by("served_on", "activity_id"))
    rows = [{"served_on": g["served_on"], "title": g["activity__title"], "place": g["activity__place"],
             "minutes": g["minutes"], "hours": hours_text(g["minutes"])} for g in grouped if g["minutes"]]
    return rows, sum(r["minutes"] for r in rows)


def certificate_verify(code: str) -> dict | None:
    """What a certificate's verification code says, checked against the ledger today: {"volunteer", "start", "end",
    "minutes", "hours", "issued_on", "matches"}; None for a code that was not issued here."""
    from django.core import signing

    try:
        data = signing.loads(str(code or "")[:400], salt=VERIFY_SALT)
        volunteer = Volunteer.objects.select_related("community").filter(pk=int(data["v"])).first()
        start = datetime.date.fromisoformat(data["s"]) if data["s"] else None
        end = datetime.date.fromisoformat(data["e"])
        issued_on = datetime.date.fromisoformat(data["i"])
        minutes = int(data["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if volunteer is None:
        return None
    _rows, now_total = certificate_rows(volunteer, start, end)
    return {"volunteer": volunteer, "start": start, "end": end, "minutes": minutes, "hours": hours_text(minutes),
            "issued_on": issued_on, "matches": now_total == minutes}


def parse_day(value, *, field: str) -> datetime.date | None:
    """A day from a query (YYYY-MM-DD), None when empty; ValidationFailed for anything else."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    from django.utils.translation import gettext

    raise ValidationFailed(gettext("日期无效，请按“年-月-日”填写。"), field=field)


def hours_communities(user):
    """The communities whose hours `user` may export: those where the table gives Extra.SEE_HOURS (a clerk's own, the
    communities under a leader's or administrator's node)."""
    from doorstep.org.models import OrgNode

    node = getattr(user, "org_node", None)
    if node is None or not getattr(user, "is_staff_role", False):
        return OrgNode.objects.none()
    found = OrgNode.objects.filter(level="community", code__startswith=node.code).order_by("code")
    return [c for c in found if permitted(user.role, Extra.SEE_HOURS, frozenset(community_relations(user, c)))]


def community_totals(communities, start, end) -> list[dict]:
    """Per volunteer of these communities: number, name, community, the activities served and the net minutes in
    the period (volunteers with none left out), by community and number. One query."""
    period = Q()
    if start:
        period &= Q(hours__served_on__gte=start)
    if end:
        period &= Q(hours__served_on__lte=end)
    rows = (Volunteer.objects.filter(community__in=list(communities), number__isnull=False)
            .annotate(minutes=Sum("hours__minutes", filter=period),
                      activities=Count("hours__activity", filter=period & Q(hours__signup__isnull=False),
                                       distinct=True))
            .filter(minutes__gt=0).select_related("community").order_by("community__code", "number")
            [:EXPORT_ROWS_MAX])
    return [{"number": v.number, "name": v.name, "community": v.community.name, "kind": v.get_kind_display(),
             "activities": v.activities, "minutes": v.minutes, "hours": hours_text(v.minutes)} for v in rows]
