"""Pages of registry.changes: the grid worker's forms (one per kind, on the phone), the community's queue (filter,
sort, page, approve / reject with a reason), a request's page, and the readings staff enter for rare characters.
Thin: parse, call one service or selector, render; the buttons drawn are those the authority table allows."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.core.errors import DomainError, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import FIELD
from doorstep.core.paging import page_args
from doorstep.core.ratelimit import LIST, rate_limited
from doorstep.registry.changes.authority import PROPOSABLE_KINDS, SubjectRef, permitted, relations
from doorstep.registry.changes.households import relation_field
from doorstep.registry.changes.kinds import FIELDS, FLAG_LABELS, RESIDENT_KINDS, document_note
from doorstep.registry.changes.selectors import (
    actor_facts,
    change_get_for_user,
    change_pending_count,
    change_queue_for_user,
)
from doorstep.registry.changes.services import change_approve, change_propose, change_reject, change_withdraw
from doorstep.registry.changes.services.common import KIND_LABELS, authorize
from doorstep.registry.changes.services.propose import _household_for_user
from doorstep.registry.changes.workflow import Action, allowed_actions
from doorstep.registry.models import (
    Building,
    ChangeKind,
    ChangeState,
    Gender,
    Household,
    Relation,
    Resident,
    ResidentStatus,
)
from doorstep.registry.selectors import resident_get_for_user


def actions_for(user, change) -> list[str]:
    """The review actions this user may take on this request now: the machine's, cut by the authority table."""
    held = relations(actor_facts(user), SubjectRef(path=change.path, household_id=change.household_id,
                                                   proposer_id=change.proposer_id))
    return [str(a) for a in allowed_actions(change.state, user.role) if permitted(user.role, a, held)]


def kinds_for(user, resident: Resident) -> list[tuple[str, str]]:
    """The kinds this user may propose about this resident (and their household), as (kind, label)."""
    if resident.status != ResidentStatus.ACTIVE:
        return []
    held = relations(actor_facts(user), SubjectRef(path=resident.path, household_id=resident.household_id))
    return [(k, label) for k, label in ChangeKind.choices
            if k in PROPOSABLE_KINDS.get(user.role, ()) and permitted(user.role, Action.PROPOSE, held, kind=k)]


@workspace_page("registry:changes")
@rate_limited(LIST)
def changes_queue(request):
    """人口变更: the community's review queue (a grid worker sees their grid's requests and reports from here)."""
    filters = {"kind": str(request.GET.get("kind", ""))[:20], "state": str(request.GET.get("state", "proposed"))[:20],
               "sort": str(request.GET.get("sort", "oldest"))[:10]}
    context = {"filters": filters, "kinds": ChangeKind.choices, "states": ChangeState.choices,
               "sorts": [("oldest", _("先提交的在前")), ("newest", _("新提交的在前"))],
               "pending": change_pending_count(request.user),
               "can_report": "birth" in PROPOSABLE_KINDS.get(request.user.role, ())}
    try:
        page = change_queue_for_user(request.user, **filters, **page_args(request))
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "registry/changes/queue.html", context, status=exc.status)
    for change in page.items:
        change.actions = actions_for(request.user, change)
    context["page"] = page
    return render(request, "registry/changes/queue.html", context)


def _form_context(request, kind: str, resident, household, data, error=None) -> dict:
    user = request.user
    fields = FIELDS[kind]
    types = {f.type for f in fields}
    context = {"kind": kind, "kind_label": _(KIND_LABELS[kind]), "fields": fields, "resident": resident,
               "household": household, "data": data, "error": error, "genders": Gender.choices,
               "relations": Relation.choices, "flag_labels": list(FLAG_LABELS.items()),
               "field_name": FIELD}
    from doorstep.core.idnumbers import DocumentType

    context["document_types"] = DocumentType.choices
    node = user.org_node if user.org_node_id else None
    grid = resident.path if resident is not None else (household.path if household else (node.code if node else ""))
    if "household" in types and household is None and node is not None and node.level == "grid":
        context["households"] = list(Household.objects.filter(path=node.code).select_related("building")
                                     .order_by("building__name", "room", "id")[:1000])
    if "building" in types and grid:
        context["buildings"] = list(Building.objects.filter(path=grid).order_by("name", "id")[:500])
    if types & {"members", "member_relations", "new_head"} and resident is not None:
        context["members"] = list(Resident.objects.filter(household_id=resident.household_id,
                                                          status=ResidentStatus.ACTIVE).order_by("id"))
        for m in context["members"]:
            m.relation_field = relation_field(m.pk)
        # the new head is asked for only where the head can leave with others remaining: a head's own death,
        # marriage; any member kind (the head may be among those chosen)
        others = [m for m in context["members"] if m.pk != resident.pk]
        has_head = any(m.relation == Relation.HEAD for m in context["members"])
        context["new_head_choices"] = others if others and has_head and (
            "members" in types or resident.relation == Relation.HEAD) else []
    return context


def _initial(kind: str, resident) -> dict:
    if resident is None:
        return {}
    if kind == "flags":
        from doorstep.registry.history import FLAG_FIELDS

        return {"flags": [f for f in FLAG_FIELDS if getattr(resident, f)]}
    if kind in ("move_out", "move_within", "split"):
        return {"members": [str(resident.pk)]}
    return {}


class _Data(dict):
    """A form's values for the template: getlist for multi-valued fields, as a QueryDict has."""

    def getlist(self, key):
        value = self.get(key, [])
        return value if isinstance(value, list) else [value]


@login_required
def change_new(request, kind: str):
    """The form of one kind (GET) and its submission (POST → the request's page)."""
    if kind not in FIELDS:
        raise Http404()
    if kind not in PROPOSABLE_KINDS.get(request.user.role, ()):  # the role's refusal first, as the service's
        raise PermissionDenied(_("您的角色不能提交“{kind}”申请。").format(kind=_(KIND_LABELS[kind])))
    resident = household = None
    resident_id = request.GET.get("resident") or request.POST.get("resident") or None
    household_id = request.GET.get("household") or request.POST.get("household_preset") or None
    if kind in RESIDENT_KINDS:
        if resident_id is None:
            raise Http404()
        resident = resident_get_for_user(request.user, resident_id)
        authorize(request.user, Action.PROPOSE, SubjectRef(path=resident.path, household_id=resident.household_id),
                  kind=kind)
    elif household_id:
        household = _household_for_user(request.user, household_id)
        authorize(request.user, Action.PROPOSE, SubjectRef(path=household.path, household_id=household.pk), kind=kind)
    if request.method == "POST":
        try:
            change = change_propose(actor=request.user, kind=kind, data=request.POST,
                                    idempotency_key=request.POST.get(FIELD),
                                    resident_id=resident.pk if resident else None,
                                    household_id=household.pk if household else None)
        except DomainError as exc:
            if exc.status == 404:
                raise
            data = _Data({k: (request.POST.getlist(k) if k in ("members", "flags") else request.POST.get(k))
                          for k in request.POST})
            return render(request, "registry/changes/propose.html",
                          _form_context(request, kind, resident, household, data, error=exc), status=exc.status)
        messages.success(request, _("已提交，等待社区审核。"))
        note = document_note(change.payload)
        if note:  # how the number was read, as search says it (a 15-digit number converted)
            messages.info(request, note)
        return redirect("registry:change", change_id=change.pk)
    return render(request, "registry/changes/propose.html",
                  _form_context(request, kind, resident, household, _Data(_initial(kind, resident))))


def change_rows(change) -> list[tuple[str, str]]:
    """What a request asks for, as (label, value) rows: masked numbers, labels for codes; a correction shows only
    what differs from the record ("was → new"), a request with no phone says nothing of one."""
    p = change.payload
    rows = []
    relations_ = dict(Relation.choices)
    genders = dict(Gender.choices)
    from doorstep.core.idnumbers import DocumentType

    doc_types = dict(DocumentType.choices)
    was = p.get("was", {})
    for key, label in (("names", _("涉及的人")), ("name", _("姓名")), ("gender", _("性别")), ("birth_date", _("出生日期")),
                       ("document_type", _("证件类型")), ("id_number_masked", _("证件号码")),
                       ("relation", _("与户主关系")), ("household_number", _("户号")), ("target_number", _("迁入户的户号")),
                       ("building_name", _("新户所在楼栋")), ("room", _("新户门牌")), ("origin", _("从何处迁来")),
                       ("destination", _("迁往何处")), ("phone_masked", _("联系电话"))):
        if key not in p:
            continue
        value = p[key]
        if key in was and was[key] == value and key != "id_number_masked":
            continue  # unchanged: a correction shows only what differs
        if key == "names":
            value = "、".join(value)  # zh: the Chinese list separator between names (data)
        elif key == "relation":
            value = relations_.get(value, value)
        elif key == "gender":
            value = genders.get(value, value)
        elif key == "document_type":
            value = doc_types.get(value, value)
        elif key == "phone_masked" and not value:
            if change.kind != "phone":
                continue  # a move-in without a phone: nothing to say
            value = _("（删除电话）")
        elif key == "id_number_masked" and not value:
            value = _("未登记（待落户）")
        if key in was:
            before = was[key]
            if key == "id_number_masked" and before == p[key]:
                value = _("{number}（号码已更正，与原号码只在遮盖的几位不同）").format(number=value)
            else:
                before = relations_.get(before, genders.get(before, doc_types.get(before, before))) \
                    if key != "name" else before
                value = f"{before or '—'} → {value}"
        if key == "id_number_masked" and p.get("id_converted"):
            value = f"{value} {document_note(p)}"
        rows.append((label, str(value)))
    if p.get("relations"):
        names = dict(zip(p.get("members", []), p.get("names", []), strict=False))
        rows.append((_("在新户中的与户主关系"), pgettext("list separator", "、").join(
            _("{name}（{relation}）").format(name=names.get(int(pk), pk), relation=relations_.get(r, r))
            for pk, r in p["relations"].items())))
    if p.get("new_head_name"):
        rows.append((_("新户主"), p["new_head_name"]))
        if p.get("regrouped"):
            rows.append((_("其他留下的成员改为"), pgettext("list separator", "、").join(
                _("{name}（{relation}）").format(name=name, relation=relations_.get(r, r)) for name, r in p["regrouped"])))
    if "flags" in p:
        on = [str(label) for f, label in FLAG_LABELS.items() if p["flags"].get(f)]
        rows.append((_("人群标签"), "、".join(on) or _("（无）")))  # zh: list separator
    if p.get("is_migrant"):
        rows.append((_("流动人口"), _("是")))
    return rows


@login_required
def change_detail(request, change_id: int):
    change = change_get_for_user(request.user, change_id)
    change.actions = actions_for(request.user, change)
    return render(request, "registry/changes/detail.html", {
        "change": change, "rows": change_rows(change),
        "kind_label": _(KIND_LABELS[change.kind])})


@login_required
@require_POST
def change_act(request, change_id: int, action: str):
    """Approve, reject (with the reason typed) or withdraw; back to where the button was, saying what was done."""
    back = request.POST.get("next") or ""
    if not (back.startswith(reverse("registry:changes")) or back == reverse("registry:search")):
        back = reverse("registry:change", kwargs={"change_id": change_id})
    try:
        if action == Action.APPROVE:
            change_approve(actor=request.user, change_id=change_id)
            messages.success(request, _("已通过，登记信息已更新。"))
        elif action == Action.REJECT:
            change_reject(actor=request.user, change_id=change_id, reason=request.POST.get("reason", ""))
            messages.success(request, _("已驳回，提交人会收到驳回理由。"))
        elif action == Action.WITHDRAW:
            change_withdraw(actor=request.user, change_id=change_id)
            messages.success(request, _("已撤回。"))
        else:
            raise Http404()
    except DomainError as exc:
        if exc.status in (403, 404):  # the error page, with its status: no button leads here for them
            raise
        messages.error(request, exc.message)
    return redirect(back)


@login_required
@require_POST
def character_reading_view(request, resident_id: int):
    """Staff enter the pinyin of a character of this resident's name that nobody had a reading for: the community
    clerk and above (authority.READING_AUTHORITY; overwriting a reading, a district administrator only)."""
    from doorstep.registry.changes.authority import ReadingAction
    from doorstep.registry.namekeys import character_reading_refusal, character_reading_set

    resident = resident_get_for_user(request.user, resident_id)
    refused = character_reading_refusal(request.user, ReadingAction.ENTER)  # the table the page and service ask
    if refused:
        raise PermissionDenied(refused)
    character = request.POST.get("character", "").strip()
    try:
        if character not in resident.name:  # the form is for this resident's own name, nothing else
            raise ValidationFailed(_("只能为该居民姓名里的字录入读音。"), field="character")
        row = character_reading_set(actor=request.user, character=character,
                                    readings=request.POST.get("readings", ""))
        messages.success(request, _("已录入“{char}”的读音：{readings}。").format(char=row.character,
                                                                          readings=row.readings))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect("registry:detail", resident_id=resident.pk)
