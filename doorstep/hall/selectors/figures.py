"""Reads of the hall's figures page: which centers a reader may see figures of (the authority table's SEE_FIGURES:
a clerk their own center, a leader or administrator every center of their area), the labels of the groups, and the
newest wait-estimate calibrations."""

from doorstep.hall.authority import Extra, permitted
from doorstep.hall.models import WaitCalibration
from doorstep.hall.services.common import center_relations


def centers_for_figures(user) -> list:
    from doorstep.org.models import ServiceCenter

    node = getattr(user, "org_node", None)
    if node is None:
        return []
    candidates = ServiceCenter.objects.filter(org_node__code__startswith=node.code).select_related("org_node")
    return [c for c in candidates.order_by("org_node__code", "name")
            if permitted(user.role, Extra.SEE_FIGURES, frozenset(center_relations(user, c)))]


def labels_for(group: str, keys: list) -> dict:
    from doorstep.catalog.models import ServiceItem
    from doorstep.org.models import ServiceCenter, Window

    ids = [k for k in keys if k is not None]
    if group == "center":
        return dict(ServiceCenter.objects.filter(pk__in=ids).values_list("pk", "name"))
    if group == "window":
        return {w.pk: str(w) for w in Window.objects.filter(pk__in=ids).select_related("center")}
    if group == "item":
        return dict(ServiceItem.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {}


def latest_calibrations(center) -> list[WaitCalibration]:
    """The newest calibration of the center (when chosen) and of the district."""
    rows = []
    if center is not None:
        row = WaitCalibration.objects.filter(center=center).order_by("-measured_at").first()
        if row:
            rows.append(row)
    district = WaitCalibration.objects.filter(center__isnull=True).order_by("-measured_at").first()
    if district:
        rows.append(district)
    return rows
