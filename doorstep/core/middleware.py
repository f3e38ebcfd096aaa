"""Turns a DomainError raised under a page view into a Chinese error page with the right 4xx status."""

from django.shortcuts import render

from doorstep.core.errors import DomainError


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
