"""What the incident tests share: a photo as a phone takes it (JPEG with GPS and device EXIF), a point inside a
grid, the demo's people for each role, and a report run through the whole loop."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from doorstep.accounts.models import User
from doorstep.core.idempotency import new_key
from doorstep.incidents.models import Incident
from doorstep.incidents.services.intake import ReportIn, incident_report
from doorstep.org.models import OrgNode


def phone_jpeg(name: str = "IMG_0001.jpg", *, size=(64, 48), color=(200, 60, 40)) -> SimpleUploadedFile:
    """A JPEG as a phone's camera writes it: EXIF with the device, the time and a GPS position."""
    from PIL import Image

    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "Huawei"  # Make
    exif[0x0110] = "P60 Pro"  # Model
    exif[0x0132] = "2026:11:30 09:15:00"  # DateTime
    gps = {1: "N", 2: (27.0, 51.0, 36.0), 3: "E", 4: (112.0, 54.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def grid_point(grid: OrgNode) -> tuple[float, float]:
    """(latitude, longitude) of a point well inside the grid's shape."""
    import shapely

    point = shapely.geometry.shape(grid.geometry).representative_point()
    return point.y, point.x


def first_grid() -> OrgNode:
    return OrgNode.objects.filter(level="grid", geometry__isnull=False).order_by("code").first()


def grid_worker(grid: OrgNode) -> User:
    return User.objects.select_related("org_node").get(username=f"gw_{grid.code[-9:]}")


def supervisor_of(grid: OrgNode) -> User:
    return User.objects.select_related("org_node").get(username=f"supervisor_c{grid.code[6:12]}")


def street_dispatcher(grid: OrgNode) -> User:
    return User.objects.select_related("org_node").get(username=f"dispatcher_s{grid.code[7:9]}")


def staff(username: str) -> User:
    return User.objects.select_related("org_node", "department").get(username=username)


def resident_user() -> User:
    return User.objects.select_related("resident").filter(role="resident", resident__isnull=False).order_by(
        "id").first()


def report(actor, *, grid: OrgNode | None = None, category: str = "SJ0102", text: str = "3栋东侧绿化带暴露垃圾约2方",
           key: str | None = None, photos=None, **extra) -> Incident:
    grid = grid or first_grid()
    lat, lon = grid_point(grid)
    data = ReportIn(description=text, category=category, latitude=lat, longitude=lon, address="金地花园3栋东侧",
                    photos=list(photos or []), **extra)
    return incident_report(actor=actor, data=data, idempotency_key=key or new_key())
