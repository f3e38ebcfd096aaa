"""Checking uploaded files by their content, not their name or the browser's claim: JPEG, PNG and PDF only, within a
size limit. Pure Python over the first bytes and the length; the verdict's message is in the reader's language."""

from dataclasses import dataclass

from django.utils.translation import gettext, pgettext

SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


@dataclass(frozen=True)
class UploadVerdict:
    ok: bool
    content_type: str = ""
    extension: str = ""
    message: str = ""


def check_upload(head: bytes, size: int, *, max_bytes: int, name: str = "") -> UploadVerdict:
    # the file named at the start of the message: its name in quotes, or "the file"
    label = f"“{name[:60]}”" if name else pgettext("a file named in a message", "文件")
    if size == 0:
        return UploadVerdict(False, message=gettext("{file}是空文件。").format(file=label))
    if size > max_bytes:
        return UploadVerdict(False, message=gettext("{file}超过{size}MB，请压缩后再上传。").format(
            file=label, size=max_bytes // (1024 * 1024)))
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return UploadVerdict(True, content_type, extension)
    return UploadVerdict(False, message=gettext("{file}不是图片（JPG、PNG）或PDF文件，请拍照或扫描后上传。").format(
        file=label))


def download_name(original_name: str, extension: str) -> str:
    """The file name an upload is served under: the applicant's own name (Chinese kept) with the extension its
    content was checked as, so a PDF named "材料.html" is never saved as a web page. Path parts, control characters
    and quotes are dropped; an empty result becomes "材料" (in the reader's language)."""
    base = original_name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem.strip(' .')[:80] or pgettext('a file name', '材料')}{extension}"
