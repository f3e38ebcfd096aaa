"""Secrets for the embedded default: read from the environment, else from a generated local file (never committed).

DOORSTEP_SECRET_KEY signs sessions; DOORSTEP_DATA_KEY (32 bytes, urlsafe base64) encrypts personal data and keys the
blind index and the audit chain. Losing the data key loses the encrypted ID numbers and phones: back it up.
"""

import base64
import json
import os
import secrets
from pathlib import Path


def load_or_create(var_dir: Path) -> dict[str, str]:
    path = var_dir / "secrets.json"
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text())
    changed = False
    if "secret_key" not in stored:
        stored["secret_key"] = secrets.token_urlsafe(50)
        changed = True
    if "data_key" not in stored:
        stored["data_key"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        changed = True
    if changed and not (os.environ.get("DOORSTEP_SECRET_KEY") and os.environ.get("DOORSTEP_DATA_KEY")):
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
    return {
        "secret_key": os.environ.get("DOORSTEP_SECRET_KEY") or stored["secret_key"],
        "data_key": os.environ.get("DOORSTEP_DATA_KEY") or stored["data_key"],
    }
