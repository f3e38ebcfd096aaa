"""Chinese unless the person chose otherwise: the language comes from the language cookie (set by the switch in the
navigation bar), never from the browser's Accept-Language, so a clerk's English-configured browser still shows
Chinese pages. The JSON API (/api/) is the exception: a client has no switch to click, and Accept-Language is how
HTTP asks, so there the cookie comes first, then Accept-Language, then Chinese — for every answer under /api/,
including an unknown address and a 405 answered outside ninja.

The language is active for the rest of the request only and the one before is restored afterwards, so a worker
thread never carries one person's English into the next piece of work that is not a request (a test, a task)."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"


def chosen_language(request) -> str:
    """The language code for `request` by the rules above (also used by core.edge, which answers before this
    middleware runs)."""
    if request.path.startswith(API_PREFIX):
        return translation.get_language_from_request(request)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in {code for code, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith(API_PREFIX)
        language = chosen_language(request)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        if is_api:
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
