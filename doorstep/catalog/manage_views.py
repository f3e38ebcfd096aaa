"""The district's catalog office (事项清单管理): download the list as Excel or YAML, upload an edited one. District
administrators only; every import is validated whole and audited by the service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from doorstep.accounts.roles import is_district_admin
from doorstep.catalog.services import (
    catalog_export_data,
    catalog_export_xlsx,
    catalog_import_xlsx,
    catalog_import_yaml,
)
from doorstep.core.errors import NotFound, PermissionDenied, ValidationFailed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024


def _admin(user) -> None:
    if user.role != "admin":
        raise PermissionDenied(_("只有管理员可以下载或导入事项清单。"))


@login_required
def catalog_admin(request):
    """Every administrator may download the list; only the district's may import one."""
    _admin(request.user)
    can_import = is_district_admin(request.user)
    if request.method != "POST":
        return render(request, "catalog/admin.html", {"can_import": can_import})
    if not can_import:
        raise PermissionDenied(_("只有区级管理员可以导入事项清单。"))
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationFailed(_("请选择要导入的文件（.xlsx 或 .yaml）。"), field="file")
        if upload.size > MAX_UPLOAD:
            raise ValidationFailed(_("文件超过 {size} MB。").format(size=MAX_UPLOAD // (1024 * 1024)), field="file")
        content = upload.read()
        if upload.name.lower().endswith((".yaml", ".yml")):
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationFailed(_("YAML 文件须为 UTF-8 编码。"), field="file") from None
            counts = catalog_import_yaml(actor=request.user, text=text)
        else:
            counts = catalog_import_xlsx(actor=request.user, content=content)
    except ValidationFailed as exc:
        return render(request, "catalog/admin.html", {"error": exc.message, "can_import": True}, status=400)
    messages.success(request, _("已导入 {items} 个事项、{bundles} 个一件事。").format(items=counts["items"],
                                                                            bundles=counts["bundles"]))
    return redirect("catalog-admin")


@login_required
def catalog_admin_export(request, fmt: str):
    _admin(request.user)
    if fmt not in ("xlsx", "yaml"):
        raise NotFound(_("只能导出 xlsx 或 yaml。"))
    if fmt == "xlsx":
        response = HttpResponse(catalog_export_xlsx(), content_type=XLSX)
    else:
        import yaml

        response = HttpResponse(yaml.safe_dump(catalog_export_data(), allow_unicode=True, sort_keys=False),
                                content_type="text/yaml; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''catalog.{fmt}"
    return response
