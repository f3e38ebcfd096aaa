"""Template helpers of registry.changes' forms."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """A form value by field name (the kinds' forms are drawn from a table, so names are variables)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
