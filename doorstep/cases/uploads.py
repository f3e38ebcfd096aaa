"""Checking uploaded files by their content, not their name or the browser's claim: JPEG, PNG and PDF only, within a
size limit. Pure Python over the first bytes and the length."""

from dataclasses import dataclass

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
    label = f"“{name[:60]}”" if name else "文件"
    if size == 0:
        return UploadVerdict(False, message=f"{label}是空文件。")
    if size > max_bytes:
        return UploadVerdict(False, message=f"{label}超过{max_bytes // (1024 * 1024)}MB，请压缩后再上传。")
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return UploadVerdict(True, content_type, extension)
    return UploadVerdict(False, message=f"{label}不是图片（JPG、PNG）或PDF文件，请拍照或扫描后上传。")
