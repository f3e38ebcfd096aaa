"""Field encryption (AES-256-GCM) and keyed blind indexes for personal data (ID numbers, phones).

Stored ciphertext is `version byte | 12-byte nonce | ciphertext+tag`. A blind index is HMAC-SHA256 of the
normalised value under a key derived from the data key, so an exact lookup is one indexed equality without the
database ever holding the plain value. Sub-keys are derived with HKDF so the encryption key, the index key and the
audit-chain key are independent.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_VERSION = b"\x01"


@lru_cache(maxsize=8)
def derive_key(purpose: str, master: str | None = None) -> bytes:
    raw = base64.urlsafe_b64decode((master or settings.DOORSTEP_DATA_KEY).encode())
    if len(raw) != 32:
        raise ValueError("DOORSTEP_DATA_KEY must be 32 bytes, urlsafe base64 encoded")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"doorstep", info=purpose.encode()).derive(raw)


@lru_cache(maxsize=2)
def _aead() -> AESGCM:
    return AESGCM(derive_key("field-encryption"))


def encrypt(value: str) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + _aead().encrypt(nonce, value.encode(), None)


def decrypt(blob: bytes) -> str:
    blob = bytes(blob)
    if blob[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    return _aead().decrypt(blob[1:13], blob[13:], None).decode()


def blind_index(kind: str, value: str) -> str:
    """32 hex characters; `kind` separates the ID-number index from the phone index."""
    key = derive_key("blind-index")
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def chain_mac(data: bytes) -> str:
    return hmac.new(derive_key("audit-chain"), data, hashlib.sha256).hexdigest()
