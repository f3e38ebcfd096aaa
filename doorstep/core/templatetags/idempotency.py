"""{% idempotency_field %}: the hidden submission key every create form carries (doorstep.core.idempotency).

A fresh uuid4 each time the page is rendered, so a double click, a resubmitted POST or a browser retry of the same
page sends the same key and makes one thing; a page rendered again (after an error, or for the next applicant)
gets a new key."""

from django import template
from django.utils.html import format_html

from doorstep.core.idempotency import FIELD, new_key

register = template.Library()


@register.simple_tag
def idempotency_field() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())
