"""Case writes, one module per use case (as Zulip's zerver/actions/). Every transition: one function, one transaction, the row locked, the actor's role and scope
checked, the state machine applied, a history row and an audit event written together, and the people concerned
notified after the commit."""

from doorstep.cases.services.common import (
    APPLICANT_NEWS,
    REASON_REQUIRED,
    case_authorize,
    case_intake_check,
    case_next_number,
)
from doorstep.cases.services.intake import (
    OPEN_APPLICATION_STATES,
    bundle_accept_at_window,
    case_accept_at_window,
    case_apply_online,
    case_collect,
    case_refuse_at_window,
    eligibility_check_at_window,
)
from doorstep.cases.services.monitoring import (
    BENEFIT_STATES,
    REVIEW_DECIDERS,
    REVIEW_DECISIONS,
    eligibility_recheck,
    eligibility_review_resolve,
    supervision_sweep,
)
from doorstep.cases.services.transitions import (
    DeliveryProofIn,
    case_choose_delivery,
    case_search_record,
    case_transition,
    handover_receive,
    unreceived_handovers,
)

__all__ = [
    "DeliveryProofIn",
    "APPLICANT_NEWS",
    "BENEFIT_STATES",
    "OPEN_APPLICATION_STATES",
    "REASON_REQUIRED",
    "REVIEW_DECIDERS",
    "REVIEW_DECISIONS",
    "bundle_accept_at_window",
    "case_accept_at_window",
    "case_apply_online",
    "case_authorize",
    "case_choose_delivery",
    "case_collect",
    "case_intake_check",
    "case_next_number",
    "case_refuse_at_window",
    "case_search_record",
    "case_transition",
    "eligibility_check_at_window",
    "eligibility_recheck",
    "eligibility_review_resolve",
    "handover_receive",
    "supervision_sweep",
    "unreceived_handovers",
]
