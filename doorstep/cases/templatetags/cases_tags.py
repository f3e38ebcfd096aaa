"""Template filters of the case pages."""

from django import template

from doorstep.catalog.eligibility import explained as _explained

register = template.Library()


@register.filter
def explained(record) -> str:
    """The eligibility explanation of a case's `eligibility` dict or an EligibilityReview, said again in the reader's
    language from its stored rows; the stored Chinese text for records written before the rows were kept."""
    if isinstance(record, dict):
        return _explained(record.get("outcomes"), record.get("explanation", ""))
    return _explained(getattr(record, "outcomes", None), getattr(record, "explanation", ""))
