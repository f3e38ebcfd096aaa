"""The client's address for a request: what audit events record and what login lockout counts per address.

Headers are believed only from the proxies the deployment names (DOORSTEP_TRUSTED_PROXIES: IPs or CIDRs). A client
that talks to an app server directly, or through a proxy not on the list, is REMOTE_ADDR whatever headers it sends:
otherwise anyone could write any address into the audit trail or spread lockout counts over invented addresses.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_LENGTH = 45  # the longest textual IPv6 address (IPv4-mapped); the width of the audit column


@lru_cache(maxsize=8)
def trusted_networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Parse DOORSTEP_TRUSTED_PROXIES entries ("10.0.0.2", "10.0.1.0/24", "fd00::/8"). Raises ValueError for an
    entry that is neither; the `doorstep.E101` system check reports that at start-up."""
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request: HttpRequest) -> str:
    """The client's address as text ("" when unknown), at most 45 characters.

    REMOTE_ADDR is the client unless it is a trusted proxy. Then X-Forwarded-For is read from the right, skipping
    trusted proxies; the first address that is not one is the client (a client can prepend anything, but not what a
    trusted proxy appended after it). Without X-Forwarded-For, X-Real-IP is used. When the header holds something
    that is not an address, or only trusted proxies, the last trusted hop is the best that is known."""
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return ""
    networks = trusted_networks(tuple(getattr(settings, "DOORSTEP_TRUSTED_PROXIES", ())))
    if not networks:
        return str(remote)

    def trusted(address: IPAddress) -> bool:
        return any(address in network for network in networks)

    if not trusted(remote):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h for h in forwarded.split(",") if h.strip()] if forwarded else [request.META.get("HTTP_X_REAL_IP", "")]
    last = remote
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break
        if not trusted(address):
            return str(address)[:MAX_LENGTH]
        last = address
    return str(last)[:MAX_LENGTH]
