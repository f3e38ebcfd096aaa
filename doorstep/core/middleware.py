"""Turns a DomainError raised under a page view into a Chinese error page with the right 4xx status; answers the HTTP
methods no view should see (MethodMiddleware)."""

from django.http import HttpResponseNotAllowed
from django.shortcuts import render

from doorstep.core.errorpages import method_not_allowed
from doorstep.core.errors import DomainError

# TRACE would echo the request back (cookies included: cross-site tracing); TRACK is IIS's TRACE; CONNECT is for
# proxies. No page or API operation serves them; the Allow header of their 405 names what the site takes at all.
REFUSED_METHODS = frozenset({"TRACE", "TRACK", "CONNECT"})
SITE_METHODS = ["GET", "HEAD", "POST"]


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError) and not request.path.startswith("/api/"):
            return render(request, "error.html", {"message": exception.message, "status": exception.status},
                          status=exception.status)
        return None


class MethodMiddleware:
    """Methods, before and after the view, for pages and the API alike:

    - TRACE, TRACK and CONNECT are refused (405) before any view runs (a page view that only tells POST from the rest
      would otherwise render itself for them).
    - HEAD is handed to the view as GET, so that it is allowed wherever GET is (RFC 9110 §9.3.2): views restricted by
      require_http_methods(["GET", "POST"]) and django-ninja's GET operations refused it. The server leaves out the
      body (gunicorn, runserver and the test client all drop it for a HEAD request).
    - A 405 from a view (require_POST, ninja) is an empty page or English text: it becomes the site's error page, or
      a JSON `detail` under /api/, with the view's Allow header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in REFUSED_METHODS:
            return method_not_allowed(request, SITE_METHODS)
        if request.method == "HEAD":
            request.method = "GET"
            try:
                response = self.get_response(request)
            finally:
                request.method = "HEAD"  # for the middleware above and the test client, which drops the body by it
        else:
            response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
            return method_not_allowed(request, allowed)
        return response
