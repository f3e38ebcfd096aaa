"""Puts the client address where audit_record finds it."""

from doorstep.audit.context import current_ip


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Behind nginx the deploy guide sets X-Real-IP; directly served, REMOTE_ADDR is the client.
        ip = request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR", "")
        token = current_ip.set(ip[:45])
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
