"""Printing a certificate: the holder's own paper carries their whole ID number (and their spouse's where the item is
a couple's, as a 生育服务登记证明 is), so printing it is a reveal of personal data, audited like any other
(registry.services.resident_reveal): one `registry.reveal` event per person whose whole number went on paper, with
the reason "打印证照" and the certificate's number, in the same transaction as the reading."""

from django.db import transaction
from django.utils.translation import gettext

from doorstep.accounts.roles import Capability
from doorstep.audit.services import audit_record
from doorstep.cases.printing import PaperUnavailable
from doorstep.core.crypto import decrypt
from doorstep.registry.models import Relation, Resident

PRINT_REASON = "打印证照"  # zh: stored audit record (the reveal's reason)


def _spouse(holder: Resident) -> Resident | None:
    """The holder's spouse as the household register has it (head ↔ spouse), as the shared-data marriage check
    reads it (registry.shared_data)."""
    if holder.relation == Relation.HEAD:
        wanted = Relation.SPOUSE
    elif holder.relation == Relation.SPOUSE:
        wanted = Relation.HEAD
    else:
        return None
    return Resident.objects.filter(household_id=holder.household_id, relation=wanted).order_by("id").first()


def may_print_whole_id(actor, case) -> bool:
    """The whole number goes on the paper for the holder themself (a resident printing their own certificate) and
    for staff whose role may reveal personal data (a window clerk, a grid worker who delivers it); others in scope
    (a leader, a supervisor) get the paper with the number masked."""
    if actor.role == "resident":
        return getattr(actor, "resident_id", None) == case.applicant_id
    return actor.can(Capability.REVEAL_PERSONAL_DATA)


def certificate_print(*, actor, case_id) -> dict:
    """The certificate of a concluded case, ready to print.

    Preconditions: the case is in the actor's scope (case_get_for_user: NotFound otherwise, the same as a missing
    case); it has issued a certificate (PaperUnavailable, 404, otherwise).
    Result: {"case", "cert", "holder": {"name", "gender", "birth_date", "id_number", "address"}, "spouse": {"name",
    "id_number"} | None, "photo": bool, "whole": bool} — id_number whole when may_print_whole_id, masked otherwise;
    spouse only for items that read the marriage (a material verified from marriage data or naming 夫妻双方/结婚证);
    photo when a material is a photo (the paper keeps a box for it).
    Audit: registry.reveal (field id_number, reason 打印证照 <number>) for each person printed whole.
    """
    from doorstep.cases.models import Certificate
    from doorstep.cases.selectors import case_get_for_user

    case = case_get_for_user(actor, case_id)
    cert = Certificate.objects.filter(case=case).first() if case.concluded_at else None
    if cert is None:
        raise PaperUnavailable(gettext("该办件没有签发证照。"))
    holder = Resident.objects.select_related("household__building").get(pk=case.applicant_id)
    materials = list(case.item.materials.all())
    couple = any(m.shared_data == "marriage" or "夫妻" in m.name or "结婚证" in m.name  # zh: matched with material names
                 for m in materials)
    whole = may_print_whole_id(actor, case)
    spouse = _spouse(holder) if couple else None
    reason = f"{PRINT_REASON} {cert.number}"
    with transaction.atomic():
        people = [holder] + ([spouse] if spouse else [])
        numbers = {}
        for person in people:
            if whole:
                # a newborn may have no number yet (registry.changes: birth before the 户口 registration)
                numbers[person.pk] = decrypt(person.id_number_enc) if person.id_number_enc else ""
                audit_record(actor=actor, action="registry.reveal", target=person, reason=reason,
                             summary={"field": "id_number", "paper": "certificate", "case": case.number})
            else:
                numbers[person.pk] = person.id_number_masked
    building = holder.household.building
    return {
        "case": case, "cert": cert, "whole": whole,
        "photo": any("照片" in m.name for m in materials),  # zh: matched with the catalog's material names
        "holder": {"name": holder.name, "gender": holder.get_gender_display(), "birth_date": holder.birth_date,
                   "id_number": numbers[holder.pk], "address": f"{building.address}{holder.household.room}"},
        "spouse": {"name": spouse.name, "id_number": numbers[spouse.pk]} if spouse else None,
    }
