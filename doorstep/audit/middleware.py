"""Puts the client address where audit_record finds it."""

from doorstep.audit.context import current_ip
from doorstep.core.clientip import client_ip


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Forwarding headers count only from the proxies in DOORSTEP_TRUSTED_PROXIES (doorstep.core.clientip).
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
