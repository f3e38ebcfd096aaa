"""Who may import a district's population ledger, as a table: (role, action) → where the actor must stand.

Importing writes the whole registry of a district, so it is the district administrator's alone: the role needs
Capability.IMPORT_REGISTRY (accounts/roles.py) and its node must be the district itself (a street administrator
keeps their other tools). A job (its file, report and error workbook, all personal data) is its uploader's: nobody
else sees it, and anyone else asking for it gets the same NotFound as for a job that does not exist. Services ask
`authorize`; pages ask `permitted` which actions to draw.
"""

from enum import StrEnum

from doorstep.accounts.roles import Capability


class Action(StrEnum):
    UPLOAD = "upload"  # upload a file (its check runs in the background)
    VIEW = "view"  # see a job: progress, report, error workbook
    CONFIRM = "confirm"  # import a file whose check found no errors


class Standing(StrEnum):
    DISTRICT = "district"  # the actor works at the district node
    UPLOADER_AT_DISTRICT = "uploader_at_district"  # …and uploaded this job


LEDGER_AUTHORITY: dict[tuple[str, Action], Standing] = {
    ("admin", Action.UPLOAD): Standing.DISTRICT,
    ("admin", Action.VIEW): Standing.UPLOADER_AT_DISTRICT,
    ("admin", Action.CONFIRM): Standing.UPLOADER_AT_DISTRICT,
}


def _stands(user, standing: Standing, job) -> bool:
    node = getattr(user, "org_node", None)
    at_district = node is not None and node.level == "district"
    if standing == Standing.DISTRICT:
        return at_district
    return at_district and job is not None and job.owner_id == user.pk and job.district_id == node.pk


def permitted(user, action: Action, job=None) -> bool:
    """Whether `user` may take `action` (on `job`, for the actions on one)."""
    if not getattr(user, "is_authenticated", False) or not user.can(Capability.IMPORT_REGISTRY):
        return False
    standing = LEDGER_AUTHORITY.get((user.role, Action(action)))
    return standing is not None and _stands(user, standing, job)
