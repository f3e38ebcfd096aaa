"""gunicorn's access log without query strings or personal numbers (scripts/serve.sh: --logger-class).

The format in scripts/serve.sh already logs the path (%(U)s) rather than the request line (%(r)s); this logger also
strips the query string from the request line, the referer and the raw URI and masks ID and phone numbers in every
field, so an operator who puts %(r)s or %(f)s back into the format does not bring ID numbers back into the log.
"""

import re

from gunicorn.glogging import Logger

from doorstep.core.logs import drop_query, mask_personal_numbers

ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
_URL_ATOMS = {"r", "f", "{referer}i", "{raw_uri}e", "{request_uri}e"}
# C0/C1 controls, line and paragraph separators, and the bidirectional formatting characters (which reorder a line
# on a terminal: "Trojan Source", CVE-2021-42574)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def escape_controls(value: str) -> str:
    """Control characters as \\xNN, so that a path holding a newline (`/t/x%0AFORGED …`) cannot write a second,
    forged line into the log, and NUL bytes do not make it a binary file."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}",
                        value)


class AccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["q"] = "-"
        if "{query_string}e" in atoms:
            atoms["{query_string}e"] = "-"
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = escape_controls(mask_personal_numbers(drop_query(value) if key in _URL_ATOMS else value))
        return atoms
