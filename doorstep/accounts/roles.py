"""Roles, what each may do, and how far each sees into the population registry — as tables, not if-ladders."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    RESIDENT = "resident"
    CLERK = "clerk"
    APPROVER = "approver"
    GRID_WORKER = "grid_worker"
    DISPATCHER = "dispatcher"
    DEPARTMENT = "department"
    SUPERVISOR = "supervisor"
    VOLUNTEER = "volunteer"
    LEADER = "leader"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.RESIDENT: _("居民"),
    Role.CLERK: _("窗口人员"),
    Role.APPROVER: _("审核审批人员"),
    Role.GRID_WORKER: _("网格员"),
    Role.DISPATCHER: _("指挥中心派遣员"),
    Role.DEPARTMENT: _("职能部门"),
    Role.SUPERVISOR: _("监督员"),
    Role.VOLUNTEER: _("志愿者"),
    Role.LEADER: _("领导"),
    Role.ADMIN: _("管理员"),
}
ROLE_CHOICES = [(r.value, ROLE_LABELS[r]) for r in Role]


class Scope(StrEnum):
    """How far a role sees residents.

    SUBTREE: everyone under the user's org node (a grid worker's node is one grid).
    DISTRICT_SEARCH: 全区通办 — a window clerk serves anyone in the district, but only by searching
      (ID number, phone, name, pinyin, address), never by browsing the population.
    OWN_HOUSEHOLD: a resident sees the members of their own household.
    NONE: sees no resident records (departments and volunteers work from orders and wishes).
    """

    SUBTREE = "subtree"
    DISTRICT_SEARCH = "district_search"
    OWN_HOUSEHOLD = "own_household"
    NONE = "none"


class Capability(StrEnum):
    SEARCH_RESIDENTS = "search_residents"
    REVEAL_PERSONAL_DATA = "reveal_personal_data"  # see a whole ID number or phone, with a reason, audited
    VIEW_AUDIT = "view_audit"
    MANAGE_MASTER_DATA = "manage_master_data"  # Django admin: org tree, centers, posts (district admins only)
    UNLOCK_LOGINS = "unlock_logins"  # lift a resident's login limit at the station, after checking their ID
    BROWSE_ORG = "browse_org"
    IMPORT_REGISTRY = "import_registry"  # load the district's population ledger (registry.ledger.authority: district only)


RESIDENT_SCOPE = {
    Role.RESIDENT: Scope.OWN_HOUSEHOLD,
    Role.CLERK: Scope.DISTRICT_SEARCH,
    Role.APPROVER: Scope.SUBTREE,
    Role.GRID_WORKER: Scope.SUBTREE,
    Role.DISPATCHER: Scope.SUBTREE,
    Role.DEPARTMENT: Scope.NONE,
    Role.SUPERVISOR: Scope.SUBTREE,
    Role.VOLUNTEER: Scope.NONE,
    Role.LEADER: Scope.SUBTREE,
    Role.ADMIN: Scope.SUBTREE,
}

_STAFF_BASE = {Capability.BROWSE_ORG}
CAPABILITIES: dict[Role, set[Capability]] = {
    Role.RESIDENT: set(),
    Role.CLERK: _STAFF_BASE
    | {Capability.SEARCH_RESIDENTS, Capability.REVEAL_PERSONAL_DATA, Capability.UNLOCK_LOGINS},
    Role.APPROVER: _STAFF_BASE | {Capability.SEARCH_RESIDENTS, Capability.REVEAL_PERSONAL_DATA},
    Role.GRID_WORKER: _STAFF_BASE | {Capability.SEARCH_RESIDENTS, Capability.REVEAL_PERSONAL_DATA},
    Role.DISPATCHER: _STAFF_BASE | {Capability.SEARCH_RESIDENTS},
    Role.DEPARTMENT: _STAFF_BASE,
    Role.SUPERVISOR: _STAFF_BASE | {Capability.SEARCH_RESIDENTS},
    Role.VOLUNTEER: set(),
    Role.LEADER: _STAFF_BASE | {Capability.SEARCH_RESIDENTS},
    Role.ADMIN: _STAFF_BASE
    | {Capability.SEARCH_RESIDENTS, Capability.REVEAL_PERSONAL_DATA, Capability.MANAGE_MASTER_DATA,
       Capability.UNLOCK_LOGINS, Capability.IMPORT_REGISTRY},
}

STAFF_ROLES = {r for r in Role if r not in (Role.RESIDENT, Role.VOLUNTEER)}

# What each role's home page offers (workspace shell). Entries are (label, url name or None for "coming").
WORKSPACE: dict[Role, list[tuple[str, str | None]]] = {
    Role.RESIDENT: [(_("我的家庭"), "registry:search"), (_("办事指南"), "catalog:index"), (_("我的办件"), "cases:list"),
                    (_("我的消息"), "notifications:inbox"), (_("我的诉求"), "incidents:mine"),
                    (_("一呼即应"), "incidents:report"), (_("预约办事"), "hall:book"), (_("我的预约"), "hall:mine"),
                    (_("微心愿"), "wishes:mine")],
    Role.CLERK: [(_("居民查询"), "registry:search"), (_("综合受理"), "window"), (_("办件台账"), "cases:list"),
                 (_("审批队列"), "cases:queue"), (_("电子监察"), "cases:supervision"), (_("差评整改"), "ratings:follow-ups"),
                 (_("资格复核"), "cases:reviews"), (_("评价器"), "ratings:pad-pair"), (_("人口变更审核"), "registry:changes"),
                 (_("签到取号"), "hall:desk"), (_("窗口叫号"), "hall:window"), (_("代为预约"), "hall:book"),
                 (_("大厅统计"), "hall:figures"), (_("心愿审核"), "wishes:review"),
                 (_("登记心愿"), "wishes:collect"), (_("志愿者名册"), "volunteers:roster"),
                 (_("志愿活动"), "activities:manage"), (_("结对帮扶"), "volunteers:pairings")],
    Role.APPROVER: [(_("居民查询"), "registry:search"), (_("待审批"), "cases:queue"), (_("审批记录"), "cases:list"),
                    (_("电子监察"), "cases:supervision"), (_("差评整改"), "ratings:follow-ups"), (_("资格复核"), "cases:reviews")],
    Role.GRID_WORKER: [(_("我的网格居民"), "registry:search"), (_("待送达"), "cases:deliveries"), (_("代收申请"), "window"),
                       (_("网格内办件"), "cases:list"), (_("人口变更上报"), "registry:changes"),
                       (_("事件上报"), "incidents:report"),
                       (_("我的上报"), "incidents:mine"), (_("待核查"), "incidents:verify-list"),
                       (_("核查记录"), "incidents:verified"), (_("为老人预约"), "hall:book"),
                       (_("走访收集心愿"), "wishes:collect"), (_("网格心愿"), "wishes:grid"),
                       (_("结对帮扶"), "volunteers:pairings"), (_("走访记录"), None)],
    Role.DISPATCHER: [(_("居民查询"), "registry:search"), (_("事件登记"), "incidents:center"),
                      (_("派遣"), "incidents:center-dispatch"), (_("督办"), "incidents:center-overdue"),
                      (_("电话受理"), "incidents:report"), (_("事件地图"), "incidents:map"),
                      (_("事件指标"), "incidents:figures")],
    Role.DEPARTMENT: [(_("我的派单"), "incidents:orders"), (_("处置反馈"), "incidents:orders")],
    Role.SUPERVISOR: [(_("居民查询"), "registry:search"), (_("办件台账"), "cases:list"), (_("电子监察"), "cases:supervision"),
                      (_("差评整改"), "ratings:follow-ups"), (_("待核查"), "incidents:verify-list"),
                      (_("核查记录"), "incidents:verified")],
    Role.VOLUNTEER: [(_("可认领心愿"), "wishes:near"), (_("我的心愿"), "wishes:claims"),
                     (_("志愿活动"), "activities:index"), (_("我的报名"), "activities:mine"),
                     (_("服务时长"), "activities:hours"), (_("结对帮扶"), "volunteers:pairings"),
                     (_("我的报到"), "volunteers:me"), (_("心愿墙"), "wishes:wall")],
    Role.LEADER: [(_("居民查询"), "registry:search"), (_("组织架构"), "org:root"), (_("办件台账"), "cases:list"),
                  (_("电子监察"), "cases:supervision"), (_("差评整改"), "ratings:follow-ups"), (_("资格复核"), "cases:reviews"),
                  (_("指挥中心"), "incidents:center"), (_("事件地图"), "incidents:map"),
                  (_("数据看板"), "incidents:figures"), (_("大厅统计"), "hall:figures"),
                  (_("心愿审核"), "wishes:review"), (_("志愿者名册"), "volunteers:roster"),
                  (_("结对帮扶"), "volunteers:pairings")],
    Role.ADMIN: [(_("居民查询"), "registry:search"), (_("组织架构"), "org:root"), (_("审计日志"), "audit:list"),
                 (_("主数据管理"), "admin:index"), (_("事项清单"), "catalog-admin"), (_("网格划分"), "partition:list"),
                 (_("工作日历"), "calendar:index"), (_("人口台账导入"), "registry:import"),
                 (_("服务中心"), "org:centers"),
                 (_("办件台账"), "cases:list"),
                 (_("电子监察"), "cases:supervision"), (_("资格复核"), "cases:reviews"),
                 (_("指挥中心"), "incidents:center"), (_("事件地图"), "incidents:map"),
                 (_("事件类别"), "incidents:categories"), (_("事件指标"), "incidents:figures"),
                 (_("大厅统计"), "hall:figures"), (_("心愿审核"), "wishes:review"),
                 (_("志愿者名册"), "volunteers:roster"), (_("志愿活动"), "activities:manage"),
                 (_("结对帮扶"), "volunteers:pairings")],
}


def is_district_admin(user) -> bool:
    """An administrator at the district node: the one who may import the catalog and draw or apply grids."""
    node = getattr(user, "org_node", None)
    return getattr(user, "role", None) == Role.ADMIN and node is not None and node.level == "district"
