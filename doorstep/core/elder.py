"""长辈版 (elder-friendly pages, issue #11 item 16): a switch on public and resident pages that enlarges text and
touch targets, after the MIIT 互联网网站适老化通用设计规范 (2021: main text ≥ 18 pt, line spacing ≥ 1.3, contrast
≥ 4.5:1, touch targets ≥ 60 × 60 px) and 国办公开办函〔2021〕28号. The choice is a cookie, so it holds before login;
the styles are `.ds-elder` in doorstep.css and the read-aloud button is doorstep.js ([data-speak])."""

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

COOKIE = "doorstep_elder"


def elder_offered(user) -> bool:
    """Public visitors and residents get the switch; staff pages are dense work screens and keep their layout."""
    return not getattr(user, "is_authenticated", False) or getattr(user, "role", "") == "resident"


def elder_context(request) -> dict:
    """Template context: `elder` (the pages are in 长辈版) and `elder_offered` (draw the switch)."""
    offered = elder_offered(getattr(request, "user", None))
    return {"elder_offered": offered, "elder": offered and request.COOKIES.get(COOKIE) == "1"}


@require_POST
def elder_switch(request):
    """Turn 长辈版 on (on=1) or off and go back to `next` (a path on this site only). A year-long cookie."""
    target = request.POST.get("next", "/")
    # a path on this site only: anything else (a view name, a number) would make redirect() look it up and fail
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=False):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.POST.get("on") == "1":
        response.set_cookie(COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
    return response
