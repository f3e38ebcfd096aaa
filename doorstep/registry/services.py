"""Registry writes: registering residents (validated, encrypted) and revealing personal data (audited)."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from doorstep.accounts.roles import Capability
from doorstep.audit.services import audit_record
from doorstep.core.crypto import blind_index, decrypt, encrypt
from doorstep.core.errors import PermissionDenied, ValidationFailed
from doorstep.core.idnumbers import CHECKED_TYPES, Document, check_id_matches_person, parse_document
from doorstep.core.names import normalize_name
from doorstep.core.phones import mask_phone, validate_phone
from doorstep.registry.models import Gender, Household, Relation, Resident
from doorstep.registry.namekeys import residents_rekey
from doorstep.registry.selectors import resident_get_for_user

# in a sentence ("the whole phone number"), so their own context: the bare labels are column headings elsewhere
REVEALABLE = {"id_number": pgettext_lazy("in a sentence", "身份证号"), "phone": pgettext_lazy("in a sentence", "手机号")}
MIN_REASON_LENGTH = 4
# the reveal form's maxlength, the API's schema and the audit row's column: a longer reason is refused, never cut
REASON_MAX_LENGTH = 300


def personal_fields(*, document: Document, phone: str = "") -> dict:
    """The stored columns for a document number and a phone (canonical forms): type, ciphertext, blind index,
    masked form."""
    fields = {
        "document_type": document.type,
        "id_number_enc": encrypt(document.number),
        "id_number_index": blind_index("id", document.index_value),
        "id_number_masked": document.masked,
        "phone_enc": None,
        "phone_index": "",
        "phone_masked": "",
    }
    if phone:
        fields.update(phone_enc=encrypt(phone), phone_index=blind_index("phone", phone), phone_masked=mask_phone(phone))
    return fields


def resident_register(
    *, actor, household: Household, name: str, gender: str, birth_date: datetime.date, id_number: str,
    document_type: str = "auto", relation: str = Relation.HEAD, phone: str = "", **flags: bool,
) -> Resident:
    """Register a resident in a household.

    `id_number` is read by core.idnumbers.parse_document as `document_type` ("auto" for 居民身份证-shaped numbers);
    for the 18-character types it must agree with `birth_date` and `gender`. `name` is normalised
    (core.names.normalize_name), `phone` too (core.phones). Errors: ValidationFailed on the field at fault, also when
    the document is registered already. Result: the Resident, with its number and phone encrypted and its name keys
    written. Audit: registry.resident_register (no personal data in the summary).
    """
    name = normalize_name(name)
    if gender not in Gender.values:
        raise ValidationFailed(_("性别只能是男或女。"), field="gender")
    if relation not in Relation.values:
        raise ValidationFailed(_("与户主关系无效。"), field="relation")
    document = parse_document(id_number, document_type)
    if document.type in CHECKED_TYPES:
        check_id_matches_person(document.number, birth_date=birth_date, gender=gender)
    phone = validate_phone(phone) if phone else ""
    if Resident.objects.filter(id_number_index=blind_index("id", document.index_value)).exists():
        raise ValidationFailed(_("该证件号码已登记。"), field="id_number")
    with transaction.atomic():
        resident = Resident.objects.create(
            household=household, path=household.path, name=name, gender=gender, birth_date=birth_date,
            relation=relation, **personal_fields(document=document, phone=phone), **flags,
        )
        residents_rekey([resident])
        audit_record(actor=actor, action="registry.resident_register", target=resident,
                     summary={"household": household.number, "document_type": document.type})
    return resident


def resident_reveal(*, actor, resident_id, field: str, reason: str) -> str:
    """Show one personal field whole.

    Preconditions: the resident is in the actor's scope (else NotFound, same as missing), the actor's role may
    reveal personal data, and a reason of MIN_REASON_LENGTH to REASON_MAX_LENGTH characters is given.
    Result: the plain value. Audit: registry.reveal with the field and the reason, also when refused.
    """
    if field not in REVEALABLE:
        raise ValidationFailed(_("只能查看身份证号或手机号。"), field="field")
    resident = resident_get_for_user(actor, resident_id)
    reason = " ".join((reason or "").split())
    if not actor.can(Capability.REVEAL_PERSONAL_DATA):
        audit_record(actor=actor, action="registry.reveal", target=resident, reason=reason,
                     summary={"field": field}, result="denied")
        raise PermissionDenied(_("您的角色不能查看完整%(what)s。") % {"what": REVEALABLE[field]})
    if len(reason) < MIN_REASON_LENGTH:
        audit_record(actor=actor, action="registry.reveal", target=resident, reason=reason,
                     summary={"field": field, "refused": "reason_too_short"}, result="denied")
        raise ValidationFailed(_("请填写查看事由（至少%(count)s个字）。") % {"count": MIN_REASON_LENGTH}, field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        audit_record(actor=actor, action="registry.reveal", target=resident, reason=reason[:REASON_MAX_LENGTH],
                     summary={"field": field, "refused": "reason_too_long"}, result="denied")
        raise ValidationFailed(_("查看事由不能超过%(count)s个字，请简要填写。") % {"count": REASON_MAX_LENGTH},
                               field="reason")
    blob = resident.id_number_enc if field == "id_number" else resident.phone_enc
    if not blob:
        raise ValidationFailed(_("该居民未登记%(what)s。") % {"what": REVEALABLE[field]}, field="field")
    audit_record(actor=actor, action="registry.reveal", target=resident, reason=reason, summary={"field": field})
    return decrypt(blob)


def search_grants_record(*, actor, kind: str, object_ids) -> None:
    """Remember that a district-search actor (a window clerk) was shown these residents or cases by a search of
    theirs, so they may open them for DOORSTEP_SEARCH_GRANT_HOURS. One upsert; nothing for other roles (their scope
    is a place, not a search). Call it in the same request as the audited search."""
    from django.utils import timezone

    from doorstep.accounts.roles import Scope
    from doorstep.registry.models import SearchGrant

    ids = list(dict.fromkeys(int(i) for i in object_ids))
    if not ids or getattr(actor, "resident_scope", None) != Scope.DISTRICT_SEARCH:
        return
    now = timezone.now()
    SearchGrant.objects.bulk_create(
        [SearchGrant(user_id=actor.pk, kind=kind, object_id=i, granted_at=now) for i in ids],
        update_conflicts=True, unique_fields=["user", "kind", "object_id"], update_fields=["granted_at"])


def masked_query(query: str) -> str:
    """A search query as the audit trail keeps it: ID numbers and phone numbers masked, anything else as typed."""
    from doorstep.core.idnumbers import (
        clean_document_text,
        looks_like_document,
        mask_document,
        normalize_id_number,
    )
    from doorstep.core.phones import looks_like_phone, normalize_phone

    query = (query or "").strip()[:60]
    if looks_like_phone(query):
        return mask_phone(normalize_phone(query))
    if looks_like_document(query):
        return mask_document(normalize_id_number(query) if len(clean_document_text(query)) == 15
                             else clean_document_text(query))
    return query


def resident_lookup(*, actor, query: str = "", kind: str = "auto", sort: str = "name", page: int = 1,
                    page_size: int | None = None, channel: str = "registry", cursor: str = ""):
    """A staff or resident search of the registry, as every page and the API run it: the scoped, masked search
    (registry.selectors.resident_search_for_user), an audit event `registry.search` with the query masked (ID
    numbers and phones) and where it was made (`channel`: registry, window, api), and — for window clerks, who
    serve the district by search only — a SearchGrant for each resident shown, which is what lets them open that
    resident. A name, pinyin or address search grants only the residents of the clerk's own area: anyone else is
    opened by an exact ID-number or phone lookup (search, never browse: a surname must not open the district).
    Errors: as the selector (ValidationFailed, PermissionDenied). Empty queries are neither audited nor granted."""
    from doorstep.registry.models import SearchGrant
    from doorstep.registry.selectors import resident_search_for_user

    result = resident_search_for_user(actor, query=query, kind=kind, sort=sort, page=page, page_size=page_size,
                                      cursor=cursor)
    if (query or "").strip():
        # two single statements: the audit row first, so a grant never exists without the search that made it
        audit_record(actor=actor, action="registry.search", target_type="registry.resident",
                     summary={"kind": result.kind, "query": masked_query(query), "total": result.page.total,
                              "channel": channel})
        search_grants_record(actor=actor, kind=SearchGrant.Kind.RESIDENT,
                             object_ids=[r.pk for r in result.page.items if r.openable])
    return result
