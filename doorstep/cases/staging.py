"""Files a resident chose for an online application that was sent back (a missing consent, another file refused):
kept on the server for a day so the form comes back with them, instead of asking for every photo again (issue #11
item 2).

A staged file lives under MEDIA_ROOT/staging/<user id>/<sha256><ext> and is named to the browser by a signed token
(django.core.signing, salted with the user's id, valid DOORSTEP_STAGED_UPLOAD_MAX_AGE seconds): a token from
another account, an edited one or an old one finds nothing. The hourly task `sweep_staged_uploads` removes files
older than that age. Nothing here is logged; the files are the applicant's personal data like the case's uploads.
"""

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile

from doorstep.cases.uploads import check_upload


@dataclass(frozen=True)
class StagedFile:
    token: str
    name: str


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "staging"


def _salt(user) -> str:
    return f"doorstep.cases.staged-upload.{user.pk}"


def stage_uploads(user, files: dict) -> dict[int, StagedFile]:
    """Keep each acceptable file of `files` ({material id: UploadedFile}); files that fail the content check are
    skipped (the form says why). Returns {material id: StagedFile}. Side effect: files written under staging/."""
    staged: dict[int, StagedFile] = {}
    folder = _root() / str(user.pk)
    for material_id, upload in files.items():
        upload.seek(0)
        head = upload.read(16)
        verdict = check_upload(head, upload.size, max_bytes=settings.DOORSTEP_UPLOAD_MAX_BYTES, name=upload.name)
        if not verdict.ok:
            continue
        upload.seek(0)
        data = upload.read()
        digest = hashlib.sha256(data).hexdigest()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{digest}{verdict.extension}"
        if not path.exists():
            path.write_bytes(data)
        name = str(upload.name)[:120]
        token = signing.dumps({"m": material_id, "s": digest, "e": verdict.extension, "n": name,
                               "t": verdict.content_type}, salt=_salt(user), compress=True)
        staged[material_id] = StagedFile(token, name)
    _trim(folder)
    return staged


def _trim(folder: Path) -> None:
    """At most DOORSTEP_STAGED_UPLOAD_MAX_FILES per user (the oldest go first): failed submissions cannot fill
    the disk."""
    if not folder.is_dir():
        return
    files = sorted((p for p in folder.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in files[settings.DOORSTEP_STAGED_UPLOAD_MAX_FILES:]:
        path.unlink(missing_ok=True)


def staged_uploads(user, tokens: dict[int, str]) -> dict[int, tuple[SimpleUploadedFile, StagedFile]]:
    """The files behind `tokens` ({material id: token}) that are still valid for this user and this material:
    {material id: (an UploadedFile to hand to the service, the StagedFile to show again)}. Invalid, foreign or
    expired tokens and vanished files are left out silently (the form then asks for the file)."""
    found = {}
    for material_id, token in tokens.items():
        try:
            data = signing.loads(token, salt=_salt(user), max_age=settings.DOORSTEP_STAGED_UPLOAD_MAX_AGE)
        except signing.BadSignature:
            continue
        if not isinstance(data, dict) or data.get("m") != material_id:
            continue
        digest, extension = str(data.get("s", "")), str(data.get("e", ""))
        if len(digest) != 64 or not digest.isalnum() or extension not in (".jpg", ".png", ".pdf"):
            continue
        path = _root() / str(user.pk) / f"{digest}{extension}"
        if not path.is_file():
            continue
        upload = SimpleUploadedFile(str(data.get("n", "材料"))[:120], path.read_bytes(),  # zh: the upload's stored name
                                    content_type=str(data.get("t", "application/octet-stream")))
        found[material_id] = (upload, StagedFile(token, str(data.get("n", ""))[:120]))
    return found


def discard_staged(user) -> None:
    """Remove the user's staged files once an application went through (the case keeps its own copies)."""
    folder = _root() / str(user.pk)
    if folder.is_dir():
        for path in folder.iterdir():
            path.unlink(missing_ok=True)


def sweep_staged_uploads(*, now: float | None = None) -> int:
    """Delete staged files older than DOORSTEP_STAGED_UPLOAD_MAX_AGE; returns how many were removed."""
    cutoff = (now or time.time()) - settings.DOORSTEP_STAGED_UPLOAD_MAX_AGE
    removed = 0
    root = _root()
    if not root.is_dir():
        return 0
    for path in root.glob("*/*"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
