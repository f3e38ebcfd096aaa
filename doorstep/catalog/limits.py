"""Bounds on what a catalog file may hold, checked before anything large is built from it (issue #10, item 7: deep JSON
in a rule raised RecursionError; a 400 MB cell inside a 414 KB workbook grew a worker by 580 MB).

Every limit is a setting (DOORSTEP_CATALOG_* and DOORSTEP_XLSX_*), and every refusal is a ValidationFailed that names
where the problem is, like the other import errors. Pure functions: no database.
"""

import json
import math
import re
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

from doorstep.core.errors import ValidationFailed

# C0 control characters other than tab, CR and LF (XML cannot hold them; PostgreSQL refuses NUL).
NUMBER_LIMIT = 10**15  # larger integers cannot even be written as JSON text past Python's 4,300-digit guard
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


def check_document_size(data, *, what: str | None = None) -> None:
    """The whole parsed document (YAML or the workbook's rows) within DOORSTEP_CATALOG_MAX_NODES values and
    DOORSTEP_CATALOG_MAX_DEPTH levels. Walks iteratively and stops at the first excess, so a YAML alias bomb (a few
    lines that expand to billions of values) is refused after counting to the limit."""
    what = what or _("文件")
    max_nodes, max_depth = settings.DOORSTEP_CATALOG_MAX_NODES, settings.DOORSTEP_CATALOG_MAX_DEPTH
    stack, seen = [(data, 1)], 0
    while stack:
        node, depth = stack.pop()
        seen += 1
        if seen > max_nodes:
            raise ValidationFailed(_("{what}内容过多（超过{max_nodes}个值）。").format(
                what=what, max_nodes=f"{max_nodes:,}"), field="file")
        if isinstance(node, dict | list):
            if depth > max_depth:
                raise ValidationFailed(_("{what}嵌套层数过多（超过{max_depth}层）。").format(
                    what=what, max_depth=max_depth), field="file")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)


def check_json_value(value, *, where: str, field: str):
    """A free-form JSON value of an item (rules, form fields): at most DOORSTEP_CATALOG_JSON_MAX_DEPTH levels and
    DOORSTEP_CATALOG_JSON_MAX_CHARS characters once written, finite numbers, text without control characters.
    Returns the value unchanged."""
    max_depth = settings.DOORSTEP_CATALOG_JSON_MAX_DEPTH
    max_chars = settings.DOORSTEP_CATALOG_JSON_MAX_CHARS
    stack, size = [(value, 1)], 0
    while stack:
        node, depth = stack.pop()
        size += 1
        if size > max_chars:
            break
        if isinstance(node, dict | list):
            if depth > max_depth:
                raise ValidationFailed(_("{where} 字段 {field}：嵌套层数过多（最多{max_depth}层）。").format(
                    where=where, field=field, max_depth=max_depth), field=field)
            if isinstance(node, dict):
                for key in node:
                    if not isinstance(key, str):
                        raise ValidationFailed(_("{where} 字段 {field}：键须为文字。").format(
                            where=where, field=field), field=field)
                    stack.append((key, depth + 1))
                stack.extend((child, depth + 1) for child in node.values())
            else:
                stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, str):
            size += len(node)
            if has_control_characters(node):
                raise ValidationFailed(_("{where} 字段 {field}：含有不允许的控制字符。").format(
                    where=where, field=field), field=field)
        elif isinstance(node, int | float) and not isinstance(node, bool) and (
                abs(node) > NUMBER_LIMIT or not math.isfinite(node)):
            raise ValidationFailed(_("{where} 字段 {field}：数值须为有限数，且绝对值不超过10¹⁵。").format(
                where=where, field=field), field=field)
        elif not (node is None or isinstance(node, bool | int | float)):
            raise ValidationFailed(_("{where} 字段 {field}：只能包含文字、数字、列表和对象。").format(
                where=where, field=field), field=field)
    if size > max_chars or len(json.dumps(value, ensure_ascii=False)) > max_chars:
        raise ValidationFailed(_("{where} 字段 {field}：内容过长（最多{max_chars}个字符）。").format(
            where=where, field=field, max_chars=f"{max_chars:,}"), field=field)
    return value


def _no_constants(name: str):
    raise ValueError(name)


def parse_json_list(text: str, *, where: str, field: str) -> list:
    """A cell holding a JSON list, bounded as check_json_value (the length is checked before parsing)."""
    if not text:
        return []
    max_chars = settings.DOORSTEP_CATALOG_JSON_MAX_CHARS
    if len(text) > max_chars:
        raise ValidationFailed(_("{where} 字段 {field}：内容过长（最多{max_chars}个字符）。").format(
            where=where, field=field, max_chars=f"{max_chars:,}"), field=field)
    try:
        parsed = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise ValidationFailed(_("{where} 字段 {field}：嵌套层数过多。").format(
            where=where, field=field), field=field) from None
    except ValueError:
        raise ValidationFailed(_("{where} 字段 {field}：不是有效的 JSON 列表。").format(
            where=where, field=field), field=field) from None
    if not isinstance(parsed, list):
        raise ValidationFailed(_("{where} 字段 {field}：应为 JSON 列表（[...]）。").format(
            where=where, field=field), field=field)
    return check_json_value(parsed, where=where, field=field)


def check_workbook_archive(content: bytes) -> None:
    """Refuse a workbook before openpyxl unpacks it when its parts would unpack to more than
    DOORSTEP_XLSX_MAX_UNCOMPRESSED_BYTES (a zip bomb, or one huge cell), or it is not a zip file at all. The sizes
    are the ones the archive declares; zipfile never inflates a part beyond its declared size."""
    import io

    limit = settings.DOORSTEP_XLSX_MAX_UNCOMPRESSED_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise ValidationFailed(_("文件不是有效的 Excel 工作簿（.xlsx）。"), field="file") from None
    if len(parts) > settings.DOORSTEP_XLSX_MAX_PARTS:
        raise ValidationFailed(_("工作簿结构异常（内部文件过多）。"), field="file")
    total = sum(p.file_size for p in parts)
    if total > limit:
        raise ValidationFailed(_("工作簿解压后超过 {size} MB，请删去无关内容或拆分后导入。").format(size=limit // (1024 * 1024)),
                               field="file")
