"""Personal numbers stay out of the logs (issue #10, item 9: the access log held 461 full ID numbers).

Pages and the API log paths, never query strings (scripts/serve.sh, doorstep.core.accesslog); as a second line of
defence every log line Django or doorstep writes passes through MaskingFormatter, which masks anything shaped like an
ID number or a mobile number the way the pages show them (4303**********003X, 138****5678) — in the message, in an
exception's text and in its traceback.
"""

import logging

from doorstep.core.masking import mask_personal_numbers

__all__ = ["MaskingFormatter", "drop_query", "mask_personal_numbers"]


def drop_query(url: str) -> str:
    """A URL or request line without its query string."""
    head, sep, _ = url.partition("?")
    if not sep:
        return url
    protocol = url.rsplit(" ", 1)[-1] if url.count(" ") >= 2 else ""
    return f"{head} {protocol}" if protocol.startswith("HTTP/") else head


class MaskingFormatter(logging.Formatter):
    """The standard formatter, then personal numbers masked in the whole line (message, exception, traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_numbers(super().format(record))


class RefusalWithoutTraceback(logging.Filter):
    """Django logs every refused request (403, PermissionDenied) with its traceback; a refusal is the authority table
    working, not a fault, so it is kept as one line and real errors stay easy to find in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in (400, 403, 404, 405, 429) and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
