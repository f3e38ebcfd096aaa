"""Template helpers for accounts: a role code as its label in the reader's language."""

from django import template

from doorstep.accounts.roles import ROLE_LABELS, Role

register = template.Library()


@register.filter
def role_label(code: str) -> str:
    """`clerk` → 窗口人员 / Clerk; an empty or unknown code (a system job, an old role) as it is."""
    try:
        return str(ROLE_LABELS[Role(code)])
    except ValueError:
        return code
