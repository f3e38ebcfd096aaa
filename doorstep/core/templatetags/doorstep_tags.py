"""Template helpers shared by every list page: links that keep the current filters and change one parameter."""

from django import template

register = template.Library()


@register.inclusion_tag("calendar_note.html")
def calendar_note():
    """One line where deadlines are shown, while this (or, from November, next) year's holiday notice is missing:
    the deadlines follow the statutory holidays and weekends only. No query once the calendar is cached."""
    from django.utils import timezone

    from doorstep.calendar.selectors import calendar_note as note

    return {"note": note(timezone.localdate())}


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (a page number, a sort key), as "?a=1&b=2"."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def sort_link(context, key: str, label: str) -> str:
    """A column header that sorts by key, and by -key when already sorted by key; marked with an arrow."""
    from django.utils.html import format_html

    current = context["request"].GET.get("sort", "")
    target = f"-{key}" if current == key else key
    arrow = " ↑" if current == key else (" ↓" if current == f"-{key}" else "")
    return format_html('<a href="{}" class="link-dark">{}{}</a>', query_with(context, sort=target, page=None,
                                                                              cursor=None),
                       label, arrow)


@register.filter
def query_code(code: str) -> str:
    """A case's query code as printed: two groups of five ("7KQ2M-XH9TA"); a code of the earlier format as it is."""
    code = str(code or "")
    return f"{code[:5]}-{code[5:]}" if len(code) == 10 and code.isalnum() and code.isupper() else code


@register.filter
def mask_name(name: str) -> str:
    """谢小波 → 谢*波, 张三 → 张*: for public pages that must not show a whole name."""
    name = name or ""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
