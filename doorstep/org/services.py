"""Writes of a service center's master data (issue #11, item 11): the center, its windows (窗口, general or 专窗),
its opening hours (weekday, Saturday, 错时延时) and its posts with an A holder and a B backup (AB岗).

One function per use case, each in one transaction that locks the center's row (so two administrators adding
window 3 at once cannot both pass the check), checks the authority table (org/authority.py), writes with
`update_fields` and records an AuditEvent. Creates take an `idempotency_key` (core/idempotency.py). Input arrives as
the text a form sends; every refusal is a ValidationFailed in Chinese naming the field (`field=` the form's name),
and changes nothing. The Django admin keeps the same data for the district administrator (org/admin.py); these
services are what the pages and any later API call.
"""

import datetime
import re
import unicodedata
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from doorstep.accounts.roles import STAFF_ROLES
from doorstep.audit.services import audit_record
from doorstep.catalog.models import Category
from doorstep.core.errors import Conflict, NotFound, ValidationFailed
from doorstep.core.idempotency import idempotent_create
from doorstep.org.authority import center_may_keep, node_within_reach
from doorstep.org.models import OpeningHours, OrgNode, Post, ServiceCenter, Window
from doorstep.org.selectors import WEEKDAY_LABELS

# An extension after the number: 转 8001, ext 8001, #8001.
EXTENSION = re.compile(r"^(?P<number>.+?)\s*(?:转|分机|ext\.?|x|#)\s*(?P<ext>\d{1,6})$", re.I)  # zh: typed forms
TIME = re.compile(r"(\d{1,2})[:：](\d{2})")
CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")  # a one-line field holds no tabs, newlines or NULs
MAX_WINDOW_NUMBER = 999


# ---- parsing what a form sends ---------------------------------------------------------------------------------

def _text(value, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if len(text) > max_length:
        raise ValidationFailed(_("%(label)s不超过%(max)s个字。") % {"label": label, "max": max_length}, field=field)
    if CONTROL.search(text):
        raise ValidationFailed(_("%(label)s含有不允许的控制字符。") % {"label": label}, field=field)
    if required and not text:
        raise ValidationFailed(_("请填写%(label)s。") % {"label": label}, field=field)
    return text


def _phone(value) -> str:
    """A center's phone as people dial it: a landline with its area code (0731-55581234), a mobile, or a 12345-style
    hotline of 5 digits, with an optional extension (转8001). Read by core.phones (libphonenumber); stored written
    out the way the pages print it."""
    from doorstep.core.phones import is_mobile, parse_phone

    text = _text(value, field="phone", label=_("咨询电话"), max_length=30)
    if not text:
        return ""
    parts = EXTENSION.match(unicodedata.normalize("NFKC", text))
    number, ext = (parts["number"], parts["ext"]) if parts else (text, "")
    plain = unicodedata.normalize("NFKC", number).strip()
    if plain.isdigit() and len(plain) == 5 and plain.startswith("1"):  # 12345, 12315 …: service hotlines
        canonical = plain
    else:
        canonical = parse_phone(number)
        if canonical is None:
            raise ValidationFailed(_("咨询电话应为带区号的固定电话（如 0731-55581234，可加“转”分机号）、手机号或12345等热线。"),
                                   field="phone")
        if not is_mobile(canonical):
            area = 3 if canonical[1] in "12" else 4
            canonical = canonical[:area] + "-" + canonical[area:]
    return canonical + (f"转{ext}" if ext else "")  # zh: the extension as the pages print it


def parse_time(value, *, field: str, label: str) -> datetime.time:
    """'08:30' (or '8:30', '08：30') → time. Refuses 25:00, 08:60, 24:00 and anything else with a message."""
    text = str(value or "").strip()
    match = TIME.fullmatch(text)
    if not text:
        raise ValidationFailed(_("请填写%(label)s，如 08:30。") % {"label": label}, field=field)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValidationFailed(_("%(label)s“%(value)s”不是有效的时间：请按 时:分 填写，00:00–23:59，如 08:30。")
                               % {"label": label, "value": text[:10]}, field=field)
    return datetime.time(int(match[1]), int(match[2]))


def _weekdays(values: Iterable) -> list[int]:
    days = set()
    for value in values:
        try:
            day = int(value)
        except (TypeError, ValueError):
            day = -1
        if not 0 <= day <= 6:
            raise ValidationFailed(_("星期只能选周一到周日。"), field="weekdays")
        days.add(day)
    if not days:
        raise ValidationFailed(_("请至少选择一天。"), field="weekdays")
    return sorted(days)


def _window_number(value) -> int:
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(_("请填写窗口号。"), field="number")
    if not text.isdigit() or not 1 <= int(text) <= MAX_WINDOW_NUMBER:
        raise ValidationFailed(_("窗口号应为1–%(max)s的整数，收到“%(value)s”。")
                               % {"max": MAX_WINDOW_NUMBER, "value": text[:10]}, field="number")
    return int(text)


def _categories(is_general: bool, codes: Iterable) -> list[Category]:
    codes = sorted({str(c).strip() for c in codes if str(c).strip()})
    if is_general:
        return []  # a general window takes every item; categories would mislead the sign
    found = list(Category.objects.filter(code__in=codes))
    if not codes:
        raise ValidationFailed(_("专窗须选择至少一个办理类别；办理全部事项的请选“全科窗口”。"), field="categories")
    if len(found) != len(codes):
        raise ValidationFailed(_("所选办理类别不存在，请刷新页面后重新选择。"), field="categories")
    return found


def _locked_center(actor, center: ServiceCenter) -> ServiceCenter:
    """The center's row, locked for the rest of the transaction, after the authority check."""
    locked = ServiceCenter.objects.select_for_update().select_related("org_node").filter(pk=center.pk).first()
    if locked is None or not center_may_keep(actor, locked):
        raise NotFound()
    return locked


def _changed(obj, values: dict) -> list[str]:
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, values[k])
    return changed


# ---- centers ---------------------------------------------------------------------------------------------------

def center_create(*, actor, idempotency_key: str, node_code: str, name: str, address: str = "",
                  phone: str = "") -> ServiceCenter:
    """A new center under a node the actor keeps (chosen by its code, shown by name). Errors: ValidationFailed
    (field node/name/address/phone; a name already used by a center of the same node), NotFound for a node out of
    reach. Audit: org.center_create."""
    node_code = str(node_code or "").strip()[:15]
    name = _text(name, field="name", label=_("名称"), max_length=100, required=True)
    address = _text(address, field="address", label=_("地址"), max_length=200)
    phone = _phone(phone)
    if not node_code:
        raise ValidationFailed(_("请选择所属组织。"), field="node")
    node = OrgNode.objects.filter(code=node_code).exclude(level="grid").first()
    if node is None or not node_within_reach(actor, node.code):
        raise ValidationFailed(_("所属组织不存在或不在您的管辖范围内，请重新选择。"), field="node")

    def create() -> ServiceCenter:
        if ServiceCenter.objects.filter(org_node=node, name=name).exists():
            raise ValidationFailed(_("%(node)s已有名为“%(name)s”的服务中心。") % {"node": node.name, "name": name},
                                   field="name")
        center = ServiceCenter.objects.create(org_node=node, name=name, address=address, phone=phone)
        audit_record(actor=actor, action="org.center_create", target=center, target_label=name,
                     summary={"node": node.code})
        return center

    center, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="org.center_create",
                                          inputs={"node": node.code, "name": name, "address": address,
                                                  "phone": phone}, create=create)
    return center


def center_update(center: ServiceCenter, *, actor, name: str, address: str = "", phone: str = "") -> ServiceCenter:
    """Change the center's name, address or phone. The node stays: cases taken in at the center hang on it.
    Errors as center_create. Audit: org.center_update with the changed fields (none changed: nothing written)."""
    name = _text(name, field="name", label=_("名称"), max_length=100, required=True)
    values = {"name": name, "address": _text(address, field="address", label=_("地址"), max_length=200),
              "phone": _phone(phone)}
    with transaction.atomic():
        center = _locked_center(actor, center)
        if ServiceCenter.objects.filter(org_node=center.org_node, name=name).exclude(pk=center.pk).exists():
            raise ValidationFailed(_("%(node)s已有名为“%(name)s”的服务中心。")
                                   % {"node": center.org_node.name, "name": name}, field="name")
        changed = _changed(center, values)
        if changed:
            center.save(update_fields=changed)
            audit_record(actor=actor, action="org.center_update", target=center, summary={"fields": changed})
    return center


# ---- windows ---------------------------------------------------------------------------------------------------

def _check_number_free(center: ServiceCenter, number: int, *, exclude: int | None = None) -> None:
    taken = Window.objects.filter(center=center, number=number).exclude(pk=exclude).exists()
    if taken:
        raise ValidationFailed(_("%(number)s号窗口已经存在，请换一个窗口号。") % {"number": number}, field="number")


def _save_window(window: Window, *, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            window.save(update_fields=fields) if fields else window.save()
    except IntegrityError:  # the unique (center, number) index: the check above under the lock makes this rare
        raise ValidationFailed(_("%(number)s号窗口已经存在，请换一个窗口号。") % {"number": window.number},
                               field="number") from None


def window_create(center: ServiceCenter, *, actor, idempotency_key: str, number, name: str,
                  is_general: bool = True, category_codes: Iterable = ()) -> Window:
    """A window of the center: its number (unique in the center, 1–999), the name on its sign, and whether it is a
    general window (全科, any item) or a dedicated one (专窗) for the chosen item categories. Errors: ValidationFailed
    (number used twice, out of range; name missing; a 专窗 without categories), NotFound out of reach.
    Audit: org.window_create."""
    number = _window_number(number)
    name = _text(name, field="name", label=_("窗口名称"), max_length=60, required=True)
    categories = _categories(is_general, category_codes)

    def create() -> Window:
        locked = _locked_center(actor, center)
        _check_number_free(locked, number)
        window = Window(center=locked, number=number, name=name, is_general=is_general)
        _save_window(window)
        window.categories.set(categories)
        audit_record(actor=actor, action="org.window_create", target=window, target_label=f"{locked.name} {name}",
                     summary={"number": number, "general": is_general,
                              "categories": [c.code for c in categories]})
        return window

    window, _replayed = idempotent_create(
        actor=actor, key=idempotency_key, kind="org.window_create", create=create,
        inputs={"center": center.pk, "number": number, "name": name, "general": is_general,
                "categories": [c.code for c in categories]})
    return window


def window_get(center: ServiceCenter, window_id) -> Window:
    try:
        return center.windows.get(pk=int(window_id))
    except (TypeError, ValueError, Window.DoesNotExist):
        raise NotFound() from None


def window_update(window: Window, *, actor, number, name: str, is_general: bool = True,
                  category_codes: Iterable = ()) -> Window:
    """Renumber, rename or re-sign a window. Errors and audit (org.window_update) as window_create."""
    number = _window_number(number)
    name = _text(name, field="name", label=_("窗口名称"), max_length=60, required=True)
    categories = _categories(is_general, category_codes)
    with transaction.atomic():
        center = _locked_center(actor, window.center)
        window = Window.objects.select_for_update().get(pk=window.pk)
        _check_number_free(center, number, exclude=window.pk)
        changed = _changed(window, {"number": number, "name": name, "is_general": is_general})
        if changed:
            _save_window(window, fields=changed)
        before = sorted(window.categories.values_list("code", flat=True))
        after = sorted(c.code for c in categories)
        if before != after:
            window.categories.set(categories)
            changed.append("categories")
        if changed:
            audit_record(actor=actor, action="org.window_update", target=window,
                         summary={"fields": changed, "number": number})
    return window


def window_in_use(window: Window) -> bool:
    """Whether the hall has history at this window (a ticket called to it, a session at it)."""
    return window.tickets.exists() or window.sessions.exists()


def window_delete(window: Window, *, actor) -> None:
    """Remove a window from the center. Conflict once the hall has called anyone to it or staffed it (its tickets
    and sessions are the hall's history and figures): rename it instead. Audit: org.window_delete with its number
    and name."""
    with transaction.atomic():
        center = _locked_center(actor, window.center)
        if window_in_use(window):
            raise Conflict(_("%(number)s号窗口已有叫号或值守记录，删除会使大厅统计失真，不能删除；不再使用可改名。")
                           % {"number": window.number})
        audit_record(actor=actor, action="org.window_delete", target=window,
                     target_label=f"{center.name} {window.name}", summary={"number": window.number})
        window.delete()


# ---- opening hours ---------------------------------------------------------------------------------------------

def hours_add(center: ServiceCenter, *, actor, idempotency_key: str, weekdays: Iterable, opens, closes,
              kind: str = OpeningHours.Kind.REGULAR) -> OpeningHours:
    """One opening period on each chosen weekday (0 = Monday … 5 = Saturday, 6 = Sunday): regular hours or 错时延时
    (staggered: lunchtime, evenings). Result: the row of the first weekday (the others were made with it).
    Errors: ValidationFailed for a bad time (25:00), an end not after the start, no weekday, an unknown kind, or a
    period overlapping one the center already has that day; NotFound out of reach. Audit: org.hours_add.
    Source of the rule that periods do not overlap: org/hours.py merges a day's rows into one list of periods."""
    days = _weekdays(weekdays)
    start = parse_time(opens, field="opens", label=_("开始时间"))
    end = parse_time(closes, field="closes", label=_("结束时间"))
    if end <= start:
        raise ValidationFailed(_("结束时间须晚于开始时间（%(opens)s–%(closes)s）。")
                               % {"opens": f"{start:%H:%M}", "closes": f"{end:%H:%M}"}, field="closes")
    if kind not in OpeningHours.Kind.values:
        raise ValidationFailed(_("时段类型只能是常规或错时延时。"), field="kind")

    def create() -> OpeningHours:
        locked = _locked_center(actor, center)
        clash = (OpeningHours.objects.filter(center=locked, weekday__in=days, opens__lt=end, closes__gt=start)
                 .order_by("weekday", "opens").first())
        if clash is not None:
            raise ValidationFailed(_("%(day)s已有时段 %(opens)s–%(closes)s，与新时段重叠。")
                                   % {"day": WEEKDAY_LABELS[clash.weekday], "opens": f"{clash.opens:%H:%M}",
                                      "closes": f"{clash.closes:%H:%M}"}, field="opens")
        rows = OpeningHours.objects.bulk_create(
            [OpeningHours(center=locked, weekday=d, opens=start, closes=end, kind=kind) for d in days])
        first = OpeningHours.objects.get(center=locked, weekday=days[0], opens=start, closes=end)
        audit_record(actor=actor, action="org.hours_add", target=locked, target_label=locked.name,
                     summary={"weekdays": days, "opens": f"{start:%H:%M}", "closes": f"{end:%H:%M}", "kind": kind,
                              "rows": len(rows)})
        return first

    row, _replayed = idempotent_create(
        actor=actor, key=idempotency_key, kind="org.hours_add", create=create,
        inputs={"center": center.pk, "weekdays": days, "opens": f"{start:%H:%M}", "closes": f"{end:%H:%M}",
                "kind": kind})
    return row


def hours_delete(center: ServiceCenter, hours_id, *, actor) -> None:
    """Remove one opening period. Errors: NotFound (not this center's, or out of reach). Audit: org.hours_delete."""
    with transaction.atomic():
        locked = _locked_center(actor, center)
        try:
            row = OpeningHours.objects.get(center=locked, pk=int(hours_id))
        except (TypeError, ValueError, OpeningHours.DoesNotExist):
            raise NotFound() from None
        audit_record(actor=actor, action="org.hours_delete", target=locked, target_label=locked.name,
                     summary={"weekday": row.weekday, "opens": f"{row.opens:%H:%M}",
                              "closes": f"{row.closes:%H:%M}", "kind": row.kind})
        row.delete()


# ---- posts (AB岗) -----------------------------------------------------------------------------------------------

def _holder(center: ServiceCenter, user_id, *, field: str, label: str, required: bool, kept: set = frozenset()):
    """A post holder: an active staff account of the center's own node (the rule of AB岗: the backup stands in at
    the same place). Empty is allowed for B only. The rule binds newly chosen holders: one of `kept` (the post's
    current holders, in either place) stays acceptable while the account is active staff, even of another node —
    posts set up before the rule (a street clerk backing a community station) must stay editable, and saving the
    form unchanged must not drop them."""
    from doorstep.accounts.models import User

    text = str(user_id or "").strip()
    if not text:
        if required:
            raise ValidationFailed(_("请选择%(label)s。") % {"label": label}, field=field)
        return None
    user = User.objects.filter(pk=int(text) if text.isdigit() else -1).first()
    on_duty = user is not None and user.is_active and user.role in {r.value for r in STAFF_ROLES}
    if user is not None and user.pk in kept and not on_duty:
        raise ValidationFailed(_("%(label)s“%(name)s”的账号已停用或已不是工作人员，请另选。")
                               % {"label": label, "name": user.full_name or user.username}, field=field)
    if not on_duty or (user.org_node_id != center.org_node_id and user.pk not in kept):
        raise ValidationFailed(_("%(label)s须是%(node)s的在岗工作人员，请从列表中选择。")
                               % {"label": label, "node": center.org_node.name}, field=field)
    return user


def _post_values(center: ServiceCenter, name, holder_a_id, holder_b_id, *, kept: Iterable = ()) -> dict:
    kept = {pk for pk in kept if pk}
    name = _text(name, field="name", label=_("岗位名称"), max_length=100, required=True)
    a = _holder(center, holder_a_id, field="holder_a", label=_("A岗人员"), required=True, kept=kept)
    b = _holder(center, holder_b_id, field="holder_b", label=_("B岗人员"), required=False, kept=kept)
    if b is not None and a.pk == b.pk:
        raise ValidationFailed(_("A岗和B岗须是两个人：B岗在A岗不在时顶岗。"), field="holder_b")
    return {"name": name, "holder_a": a, "holder_b": b}


def post_create(center: ServiceCenter, *, actor, idempotency_key: str, name: str, holder_a_id,
                holder_b_id=None) -> Post:
    """A post at the center (its node's post) with an A holder and an optional B backup, both staff of the center's
    node and not the same person. Errors: ValidationFailed (field name/holder_a/holder_b), NotFound out of reach.
    Audit: org.post_create (holders by account id)."""
    values = _post_values(center, name, holder_a_id, holder_b_id)

    def create() -> Post:
        locked = _locked_center(actor, center)
        if Post.objects.filter(center=locked, name=values["name"]).exists():
            raise ValidationFailed(_("本中心已有“%(name)s”岗位。") % {"name": values["name"]}, field="name")
        post = Post.objects.create(org_node=locked.org_node, center=locked, **values)
        audit_record(actor=actor, action="org.post_create", target=post, target_label=post.name,
                     summary={"holder_a": post.holder_a_id, "holder_b": post.holder_b_id})
        return post

    post, _replayed = idempotent_create(
        actor=actor, key=idempotency_key, kind="org.post_create", create=create,
        inputs={"center": center.pk, "name": values["name"], "a": values["holder_a"].pk,
                "b": values["holder_b"].pk if values["holder_b"] else None})
    return post


def post_get(center: ServiceCenter, post_id) -> Post:
    try:
        return center.posts.select_related("holder_a__org_node", "holder_b__org_node").get(pk=int(post_id))
    except (TypeError, ValueError, Post.DoesNotExist):
        raise NotFound() from None


def post_update(post: Post, *, actor, name: str, holder_a_id, holder_b_id=None, a_absent: bool = False) -> Post:
    """Rename the post, change its holders, or mark A away (B acts: Post.acting_holder). Errors as post_create;
    marking A away with no B is refused (nobody would answer). The post's current holders may stay although they
    are staff of another node (_holder); a newly chosen one must be of the center's node.
    Audit: org.post_update with the changed fields."""
    with transaction.atomic():
        center = _locked_center(actor, post.center)
        post = Post.objects.select_for_update().get(pk=post.pk)
        values = _post_values(center, name, holder_a_id, holder_b_id, kept=(post.holder_a_id, post.holder_b_id))
        if a_absent and values["holder_b"] is None:
            raise ValidationFailed(_("A岗不在岗时须有B岗人员顶岗，请先选择B岗人员。"), field="a_absent")
        values["a_absent"] = bool(a_absent)
        if Post.objects.filter(center=center, name=values["name"]).exclude(pk=post.pk).exists():
            raise ValidationFailed(_("本中心已有“%(name)s”岗位。") % {"name": values["name"]}, field="name")
        changed = _changed(post, values)
        if changed:
            post.save(update_fields=changed)
            audit_record(actor=actor, action="org.post_update", target=post,
                         summary={"fields": changed, "holder_a": post.holder_a_id, "holder_b": post.holder_b_id,
                                  "a_absent": post.a_absent})
    return post


def post_delete(post: Post, *, actor) -> None:
    """Remove a post. Audit: org.post_delete."""
    with transaction.atomic():
        _locked_center(actor, post.center)
        audit_record(actor=actor, action="org.post_delete", target=post, target_label=post.name)
        post.delete()
