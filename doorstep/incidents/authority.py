"""Who may act on an incident, and who may see it — as tables, in plain Python (no Django), next to the loop.

The loop (workflow.py) says which roles may ever take an action from a state. This module says where the actor must
stand relative to the incident for it (the *relation*): the command center over its place, the 值班长 on duty there,
the department its lead or co-order went to, the grid it lies in, the community a supervisor watches, its reporter.
A service asks `refusal` once; a page asks `permitted` which buttons to draw; selectors turn `INCIDENT_SCOPE` into
query filters. Tests walk every (role × action × relation).

Sources: GB/T 30428.1 (roles 受理员, 值班长, 派遣员, 监督员, 专业部门: the 值班长 decides what is not taken on and
approves extensions); DESIGN.md (departments see their own orders only, never the registry); issue #13 item 3.
"""

from dataclasses import dataclass
from enum import StrEnum

from doorstep.core.authority_table import AuthorityTable
from doorstep.incidents.workflow import (
    ACTION_CONTEXT,
    ACTION_LABELS,
    Action,
    Label,
    Reason,
    gettext_noop,
    pgettext_noop,
)


class Relation(StrEnum):
    REPORTER = "reporter"  # the actor reported it (a resident's own request, a grid worker's own report)
    CENTER = "center"  # the incident lies at or below the actor's node (the command center of a district or street)
    DUTY_CHIEF = "duty_chief"  # the actor is the acting 值班长 of a command center over the incident
    LEAD_DEPARTMENT = "lead_department"  # the actor's department holds the incident's active lead order
    CO_DEPARTMENT = "co_department"  # the actor's department holds an active co-order (吹哨)
    PAST_DEPARTMENT = "past_department"  # the actor's department was sent an order once (returned, cancelled)
    GRID = "grid"  # the incident lies in the actor's grid (the grid worker)
    AREA = "area"  # the incident lies in the actor's community or below (a supervisor; leaders at any level)


RELATION_CONTEXT = "incident relation"
RELATION_LABELS = {
    Relation.REPORTER: pgettext_noop("incident relation", "报告人本人"),
    Relation.CENTER: pgettext_noop("incident relation", "所属指挥中心"),
    Relation.DUTY_CHIEF: pgettext_noop("incident relation", "指挥中心值班长"),
    Relation.LEAD_DEPARTMENT: pgettext_noop("incident relation", "主办部门"),
    Relation.CO_DEPARTMENT: pgettext_noop("incident relation", "协办部门"),
    Relation.PAST_DEPARTMENT: pgettext_noop("incident relation", "曾接派单的部门"),
    Relation.GRID: pgettext_noop("incident relation", "所在网格的网格员"),
    Relation.AREA: pgettext_noop("incident relation", "所在辖区"),
}


class Extra(StrEnum):
    """Incident actions outside the loop's states, checked against the same table."""

    MEETING = "meeting"  # record a meeting (会议处置)
    PART = "part"  # a co-department accepts, returns or answers its part of a whistle
    ADD_PART = "add_part"  # the command center sends a part to another department while it is handled (加派协办)
    EXTEND = "extend"  # a department asks for more time (延期申请)
    DECIDE_EXTENSION = "decide_extension"  # the 值班长 approves or refuses it
    SEE_REPORTER = "see_reporter"  # see who reported a request that asked to hide their identity


EXTRA_LABELS = {
    Extra.MEETING: pgettext_noop("incident action", "记录会议"),
    Extra.PART: pgettext_noop("incident action", "协办反馈"),
    Extra.ADD_PART: pgettext_noop("incident action", "加派协办"),
    Extra.EXTEND: pgettext_noop("incident action", "申请延期"),
    Extra.DECIDE_EXTENSION: pgettext_noop("incident action", "审批延期"),
    Extra.SEE_REPORTER: pgettext_noop("incident action", "查看报告人"),
}
ANY_ACTION = Action | Extra

_R = Relation
_CENTER = frozenset({_R.CENTER})
# (role, action) → the relations that allow it. A role × action not here is never allowed.
INCIDENT_AUTHORITY: dict[tuple[str, ANY_ACTION], frozenset[Relation]] = {
    # the command center (受理员 / 派遣员 / 值班长)
    ("dispatcher", Action.REGISTER): _CENTER,
    ("dispatcher", Action.DISMISS): frozenset({_R.DUTY_CHIEF}),
    ("dispatcher", Action.MERGE): _CENTER,
    ("dispatcher", Action.DISPATCH): _CENTER,
    ("dispatcher", Action.CLOSE): _CENTER,
    ("dispatcher", Action.CLOSE_UNSOLVED): _CENTER,
    ("dispatcher", Action.REVIEW): _CENTER,
    ("dispatcher", Action.REOPEN): _CENTER,
    ("dispatcher", Action.ARCHIVE): _CENTER,
    ("dispatcher", Extra.MEETING): _CENTER,
    ("dispatcher", Extra.ADD_PART): _CENTER,
    ("dispatcher", Extra.DECIDE_EXTENSION): frozenset({_R.DUTY_CHIEF}),
    ("dispatcher", Extra.SEE_REPORTER): _CENTER,
    # the departments (专业部门)
    ("department", Action.ACCEPT): frozenset({_R.LEAD_DEPARTMENT}),
    ("department", Action.RETURN): frozenset({_R.LEAD_DEPARTMENT}),
    ("department", Action.HANDLE): frozenset({_R.LEAD_DEPARTMENT}),
    ("department", Extra.PART): frozenset({_R.CO_DEPARTMENT}),
    ("department", Extra.EXTEND): frozenset({_R.LEAD_DEPARTMENT, _R.CO_DEPARTMENT}),
    # the grid worker: handles small matters on the spot, verifies what departments did in the grid, and reopens
    # what they reported
    ("grid_worker", Action.HANDLE_ON_SPOT): frozenset({_R.GRID}),
    ("grid_worker", Action.VERIFY): frozenset({_R.GRID}),
    ("grid_worker", Action.REWORK): frozenset({_R.GRID}),
    ("grid_worker", Action.REOPEN): frozenset({_R.REPORTER}),
    # the supervisor (监督员) of a community
    ("supervisor", Action.VERIFY): frozenset({_R.AREA}),
    ("supervisor", Action.REWORK): frozenset({_R.AREA}),
    # the resident who raised a request
    ("resident", Action.RATE): frozenset({_R.REPORTER}),
    ("resident", Action.REOPEN): frozenset({_R.REPORTER}),
}

# Which incidents each role sees when browsing: any one relation suffices. Departments see only what was sent to
# them (and what they once returned, to answer for it); volunteers, clerks and approvers see none.
INCIDENT_SCOPE: dict[str, frozenset[Relation]] = {
    "resident": frozenset({_R.REPORTER}),
    "grid_worker": frozenset({_R.GRID, _R.REPORTER}),
    "dispatcher": frozenset({_R.CENTER}),
    "department": frozenset({_R.LEAD_DEPARTMENT, _R.CO_DEPARTMENT, _R.PAST_DEPARTMENT}),
    "supervisor": frozenset({_R.AREA}),
    "leader": frozenset({_R.AREA}),
    "admin": frozenset({_R.AREA}),
}
# Who sees the reporter of a request that asked to be hidden from departments: everyone who sees it but departments
# (the command center always sees who reported: issue #13 item 2).
REPORTER_HIDDEN_FROM = frozenset({"department"})


@dataclass(frozen=True)
class ActorFacts:
    """Where the actor stands: role, user id, the resident they are, their org node (code and level), their
    department, and the command-center nodes where they are the acting 值班长 (codes)."""

    role: str
    user_id: int | None = None
    resident_id: int | None = None
    node_code: str = ""
    node_level: str = ""
    department_id: int | None = None
    duty_chief_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class IncidentRef:
    """Where the incident stands: its place in the org tree (the grid's or community's code), who reported it,
    and the departments of its orders: active lead, active co-orders, and every department ever sent one."""

    path: str = ""
    reporter_user_id: int | None = None
    reporter_resident_id: int | None = None
    # the reporters of reports merged into this one: they follow it (and rate it) as theirs
    merged_user_ids: frozenset[int] = frozenset()
    merged_resident_ids: frozenset[int] = frozenset()
    lead_department_id: int | None = None
    co_department_ids: frozenset[int] = frozenset()
    past_department_ids: frozenset[int] = frozenset()


def relations(actor: ActorFacts, incident: IncidentRef) -> frozenset[Relation]:
    """Every relation that holds between the actor and the incident."""
    found = set()
    if actor.user_id is not None and actor.user_id == incident.reporter_user_id:
        found.add(Relation.REPORTER)
    if actor.resident_id is not None and actor.resident_id == incident.reporter_resident_id:
        found.add(Relation.REPORTER)
    if actor.user_id in incident.merged_user_ids or (
            actor.resident_id is not None and actor.resident_id in incident.merged_resident_ids):
        found.add(Relation.REPORTER)
    inside = bool(actor.node_code) and incident.path.startswith(actor.node_code)
    if inside and actor.role == "dispatcher":
        found.add(Relation.CENTER)
    if any(incident.path.startswith(code) for code in actor.duty_chief_codes if code):
        found.add(Relation.DUTY_CHIEF)
    if inside and actor.node_level == "grid":
        found.add(Relation.GRID)
    if inside:
        found.add(Relation.AREA)
    if actor.department_id is not None:
        if actor.department_id == incident.lead_department_id:
            found.add(Relation.LEAD_DEPARTMENT)
        if actor.department_id in incident.co_department_ids:
            found.add(Relation.CO_DEPARTMENT)
        if actor.department_id in incident.past_department_ids:
            found.add(Relation.PAST_DEPARTMENT)
    return frozenset(found)


def action_label(action: ANY_ACTION) -> Label:
    return Label(ACTION_LABELS.get(action) or EXTRA_LABELS.get(action, str(action)), ACTION_CONTEXT)


_TABLE = AuthorityTable(INCIDENT_AUTHORITY, RELATION_LABELS, RELATION_CONTEXT, action_label,
                        not_role=gettext_noop("您的角色不能对事件执行“{action}”。"),
                        only_who=gettext_noop("只有{who}可以对该事件执行“{action}”。"))


def permitted(role: str, action: ANY_ACTION, held: frozenset[Relation]) -> bool:
    """Whether the table lets this role take this action given the relations that hold."""
    return _TABLE.permitted(role, action, held)


def refusal(role: str, action: ANY_ACTION, held: frozenset[Relation]) -> Reason | None:
    """None when permitted; else the reason, naming who may."""
    return _TABLE.refusal(role, action, held)


def sees(role: str, held: frozenset[Relation]) -> bool:
    """Whether the role's browse scope includes an incident with these relations."""
    return bool(INCIDENT_SCOPE.get(role, frozenset()) & held)
