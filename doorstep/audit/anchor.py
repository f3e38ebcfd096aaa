"""The audit chain's tip, anchored outside the database.

Someone with write access to the database but not the key cannot forge a seal, but can cut the chain: delete its
newest seals and events (and rewrite the chain-head row to match), or empty the tables. Nothing left inside the
database shows that. So after every sealed batch the sealer appends one line to a file outside the database
(`DOORSTEP_AUDIT_ANCHOR`, default var/audit-anchor.log) and logs the same line (logger `doorstep.audit.anchor`, for
shipping off-host):

    <seq> TAB <hash of seal seq> TAB <UTC time> TAB <HMAC(anchor key, previous line's MAC | seq | hash | time)>

Verify then requires every anchored (seq, hash) to be in the database's chain. Lines are keyed and chained, so a
line cannot be forged or edited without the key; cutting the file's own end is what shipping it off-host (or a
printed tip, `doorstep audit tip`) guards against. See docs/decisions.md and docs/deploy.md.
"""

import datetime
import fcntl
import hashlib
import hmac
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

from doorstep.core.crypto import derive_key

GENESIS = "0" * 64
_TAIL_BYTES = 4096  # a line is about 170 bytes: the last line is always inside this
logger = logging.getLogger("doorstep.audit.anchor")


def anchor_path() -> Path:
    return Path(settings.DOORSTEP_AUDIT_ANCHOR)


def _line_mac(prev_mac: str, seq: int, digest: str, at: str) -> str:
    data = f"{prev_mac}|{seq}|{digest}|{at}".encode()
    return hmac.new(derive_key("audit-anchor"), data, hashlib.sha256).hexdigest()


def _last_line(handle) -> str:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - _TAIL_BYTES))
    lines = handle.read().decode("utf-8", "replace").splitlines()
    return lines[-1] if lines else ""


def anchor_append(*, seq: int, digest: str, at: datetime.datetime, path: Path | None = None) -> str:
    """Append one anchor line (seq, hash of that seal, sealing time) and return it. Side effects: the file (created
    with mode 600 when missing) under an exclusive lock, fsync'd; one INFO log line. Call only after the seals it
    names are committed: an anchor for a seal that was rolled back would be reported by verify."""
    path = path or anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # sealers on one host, or several hosts on one shared file
        try:
            last = _last_line(handle).split("\t")
            prev_mac = last[3] if len(last) == 4 else GENESIS
            stamp = at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
            line = f"{seq}\t{digest}\t{stamp}\t{_line_mac(prev_mac, seq, digest, stamp)}"
            handle.write((line + "\n").encode())
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    logger.info("audit anchor %s", line)
    return line


def anchor_last_seq(path: Path | None = None) -> int:
    """The seq of the file's last line (0 when there is none), read from its end."""
    path = path or anchor_path()
    try:
        with path.open("rb") as handle:
            last = _last_line(handle).split("\t")
    except FileNotFoundError:
        return 0
    return int(last[0]) if len(last) == 4 and last[0].isdigit() else 0


@dataclass
class AnchorLog:
    path: Path
    exists: bool = False
    tips: dict[int, tuple[str, str]] = field(default_factory=dict)  # seq -> (hash, time), each line that checks out
    problem: str = ""  # the first line that does not check out (edited, forged, reordered), for the reader

    @property
    def last(self) -> tuple[int, str, str] | None:
        if not self.tips:
            return None
        seq = max(self.tips)
        return seq, *self.tips[seq]


def anchor_read(path: Path | None = None) -> AnchorLog:
    """Read and check every line of an anchor file. Lines after the first bad one are not trusted."""
    log = AnchorLog(path=path or anchor_path())
    try:
        handle = log.path.open("r", encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return log
    log.exists = True
    prev_mac = GENESIS
    with handle:
        for number, raw in enumerate(handle, start=1):
            parts = raw.rstrip("\n").split("\t")
            ok = len(parts) == 4 and parts[0].isdigit()
            if ok:
                seq, digest, at, mac = int(parts[0]), parts[1], parts[2], parts[3]
                ok = hmac.compare_digest(mac, _line_mac(prev_mac, seq, digest, at))
            if not ok:
                log.problem = gettext("锚点文件 {path} 第{line}行无效（被改动、伪造或删去了前面的行），其后各行不予采信。"
                                      ).format(path=log.path, line=number)
                break
            log.tips.setdefault(seq, (digest, at))  # a seq anchored again after a cut keeps its first hash
            prev_mac = mac
    return log
