"""QR codes for the printed receipt (tracking) and certificate (verification), as inline SVG: crisp on paper and
needing no image files. The addresses they encode start with the public base URL (doorstep.core.links.public_url),
never with the address the clerk's browser used, and are printed as text beside the code."""

import segno
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from doorstep.core.links import public_url


def tracking_url(case) -> str:
    """The receipt's address for following a case without logging in: <public base>/t/<public code>/."""
    return public_url(reverse("track", args=[case.public_code]))


def verification_url(cert) -> str:
    """The certificate's address for checking that it is genuine: <public base>/verify/<verify code>/."""
    return public_url(reverse("verify", args=[cert.verify_code]))


def qr_svg(url: str, *, scale: int = 3) -> SafeString:
    # segno writes the SVG itself from a URL we built; nothing user-typed goes into it.
    return mark_safe(segno.make(url, error="m").svg_inline(scale=scale, title="二维码"))  # noqa: S308
