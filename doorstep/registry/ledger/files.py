"""Where a ledger job keeps its files: the upload and the error workbook, under VAR_DIR/ledger/, each sealed with
AES-256-GCM under a sub-key of DOORSTEP_DATA_KEY (core.crypto.derive_key), because a ledger holds every resident's
ID number and phone in plain text and the error workbook their names. Removed DOORSTEP_LEDGER_KEEP_HOURS after
upload (ledger_sweep)."""

import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from doorstep.core.crypto import derive_key

_VERSION = b"\x01"


def folder() -> Path:
    path = Path(settings.VAR_DIR) / "ledger"
    path.mkdir(parents=True, exist_ok=True)
    return path


def seal(path: Path, content: bytes) -> None:
    nonce = os.urandom(12)
    path.write_bytes(_VERSION + nonce + AESGCM(derive_key("ledger-files")).encrypt(nonce, content, None))


def unseal(path: Path) -> bytes:
    blob = path.read_bytes()
    if blob[:1] != _VERSION:
        raise ValueError("unknown sealed file version")
    return AESGCM(derive_key("ledger-files")).decrypt(blob[1:13], blob[13:], None)


def upload_path(token: str) -> Path:
    return folder() / f"{token}.upload"


def errors_path(token: str) -> Path:
    return folder() / f"{token}-errors.xlsx.sealed"
