"""The current request's client address, for audit events written anywhere below a view."""

from contextvars import ContextVar

current_ip: ContextVar[str] = ContextVar("current_ip", default="")
