"""Roles, what each may do, and how far each sees into the population registry — as tables, not if-ladders."""

from enum import StrEnum


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
    Role.RESIDENT: "居民",
    Role.CLERK: "窗口人员",
    Role.APPROVER: "审核审批人员",
    Role.GRID_WORKER: "网格员",
    Role.DISPATCHER: "指挥中心派遣员",
    Role.DEPARTMENT: "职能部门",
    Role.SUPERVISOR: "监督员",
    Role.VOLUNTEER: "志愿者",
    Role.LEADER: "领导",
    Role.ADMIN: "管理员",
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
       Capability.UNLOCK_LOGINS},
}

STAFF_ROLES = {r for r in Role if r not in (Role.RESIDENT, Role.VOLUNTEER)}

# What each role's home page offers (workspace shell). Entries are (label, url name or None for "coming").
WORKSPACE: dict[Role, list[tuple[str, str | None]]] = {
    Role.RESIDENT: [("我的家庭", "registry:search"), ("办事指南", "catalog:index"), ("我的办件", "cases:list"),
                    ("我的消息", "notifications:inbox"), ("我的诉求", None), ("微心愿", None)],
    Role.CLERK: [("居民查询", "registry:search"), ("综合受理", "window"), ("办件台账", "cases:list"),
                 ("审批队列", "cases:queue"), ("电子监察", "cases:supervision"), ("差评整改", "ratings:follow-ups"),
                 ("资格复核", "cases:reviews"), ("评价器", "ratings:pad-pair"), ("预约与叫号", None)],
    Role.APPROVER: [("居民查询", "registry:search"), ("待审批", "cases:queue"), ("审批记录", "cases:list"),
                    ("电子监察", "cases:supervision"), ("差评整改", "ratings:follow-ups"), ("资格复核", "cases:reviews")],
    Role.GRID_WORKER: [("我的网格居民", "registry:search"), ("待送达", "cases:deliveries"), ("代收申请", "window"),
                       ("网格内办件", "cases:list"), ("事件上报", None), ("走访记录", None)],
    Role.DISPATCHER: [("居民查询", "registry:search"), ("事件登记", None), ("派遣", None), ("督办", None)],
    Role.DEPARTMENT: [("我的派单", None), ("处置反馈", None)],
    Role.SUPERVISOR: [("居民查询", "registry:search"), ("办件台账", "cases:list"), ("电子监察", "cases:supervision"),
                      ("差评整改", "ratings:follow-ups"), ("待核查", None),
                      ("核查记录", None)],
    Role.VOLUNTEER: [("可认领心愿", None), ("我的心愿", None)],
    Role.LEADER: [("居民查询", "registry:search"), ("组织架构", "org:root"), ("办件台账", "cases:list"),
                  ("电子监察", "cases:supervision"), ("差评整改", "ratings:follow-ups"), ("资格复核", "cases:reviews"),
                  ("数据看板", None)],
    Role.ADMIN: [("居民查询", "registry:search"), ("组织架构", "org:root"), ("审计日志", "audit:list"),
                 ("主数据管理", "admin:index"), ("事项清单", "catalog-admin"), ("网格划分", "partition:list"),
                 ("工作日历", "calendar:index"),
                 ("服务中心", "org:centers"),
                 ("办件台账", "cases:list"),
                 ("电子监察", "cases:supervision"), ("资格复核", "cases:reviews")],
}


def is_district_admin(user) -> bool:
    """An administrator at the district node: the one who may import the catalog and draw or apply grids."""
    node = getattr(user, "org_node", None)
    return getattr(user, "role", None) == Role.ADMIN and node is not None and node.level == "district"
