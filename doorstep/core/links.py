"""Addresses given to residents: the QR codes on receipts and certificates, the links in notification e-mails.

They are built from the configured public base URL (DOORSTEP_PUBLIC_BASE_URL), never from the request: a clerk who
reaches the site through an intranet address (http://10.0.0.5:8000) would otherwise print QR codes that no
resident's phone can open.
"""

from django.conf import settings


def public_url(path: str) -> str:
    """The absolute address of one of our paths ("/t/ABC/") under the public base URL
    ("https://doorstep.example.gov.cn/t/ABC/"). A path that is already absolute (http:// or https://) is returned
    unchanged; anything else must start with "/" (ValueError otherwise: a programming error, not user input)."""
    if path.startswith(("http://", "https://")):
        return path
    if not path.startswith("/"):
        raise ValueError(f"public_url needs a path starting with '/', got {path!r}")
    return settings.DOORSTEP_PUBLIC_BASE_URL.rstrip("/") + path
