"""Incident photos (issue #13): what a grid worker or a resident attaches to a report is checked by its content,
held to a size, and re-encoded so that no stored or served copy carries the phone's metadata — EXIF (GPS position,
device make and model, the time taken), XMP, IPTC, comments, PNG text chunks, ICC profiles.

Pure over bytes (Pillow, no database, no files): the service stores what `clean_photo` returns, never what was
uploaded. Refusals are ValidationFailed(field="photos") in the reader's language.
"""

import contextlib
import hashlib
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext, pgettext
from PIL import Image, ImageCms, ImageFile, ImageOps

from doorstep.core.errors import ValidationFailed

JPEG_QUALITY = 85  # a phone photo of a broken lamp post stays legible and drops to a fraction of its size
WEBP_QUALITY = 85
FIELD = "photos"
MEBIBYTE = 1024 * 1024

# magic bytes -> the Pillow formats that may open them, and what the cleaned copy is stored as
_JPEG = ("image/jpeg", ".jpg", "JPEG")
_PNG = ("image/png", ".png", "PNG")
_WEBP = ("image/webp", ".webp", "WEBP")


_strict = threading.Lock()


@contextlib.contextmanager
def _truncated_images_refused():
    """Pillow decodes a truncated file as if whole when ImageFile.LOAD_TRUNCATED_IMAGES is set — and WeasyPrint sets
    it for the whole process when it is imported (weasyprint/images.py), which every web worker does to print. A
    photo is decoded with it off, under a lock so that two photos at once restore it in order."""
    with _strict:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


@dataclass(frozen=True)
class CleanPhoto:
    """A photo fit to store and serve: `data` re-encoded with no metadata, of `content_type` (image/jpeg, image/png
    or image/webp) with `extension` (".jpg", ".png", ".webp"), `width` × `height` pixels as it is seen (upright),
    `sha256` the hex digest of `data`."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str


def _label(name: str) -> str:
    # the file named at the start of a message: its name in quotes, or "the file" (as cases/uploads.py words it)
    return f"“{name[:60]}”" if name else pgettext("a file named in a message", "文件")


def _number(value: float) -> str:
    """A limit as a person reads it: 5, 0.5, 12.35 (two decimals at most, no trailing zeros)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, field=FIELD)


def _kind(data: bytes) -> tuple[tuple[str, str, str], set[str]] | None:
    """(what the copy is stored as, the Pillow formats allowed to open it) by the first bytes; None if neither."""
    if data.startswith(b"\xff\xd8\xff"):
        return _JPEG, {"JPEG", "MPO"}  # MPO: a JPEG with a second picture (some phones' depth or preview), read once
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG, {"PNG"}
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _WEBP, {"WEBP"}
    return None


def _to_srgb(image: Image.Image) -> Image.Image:
    """The picture in sRGB when it carries another ICC profile (a phone's Display P3, a CMYK scan), so that dropping
    the profile does not change its colours; as it is when there is none or it cannot be applied."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                         outputMode="RGBA" if image.mode == "RGBA" else "RGB") or image
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image


def _upright(image: Image.Image) -> Image.Image:
    """The picture turned as the camera's EXIF orientation says, before EXIF is dropped; as it is when the EXIF
    cannot be read (a usable photo is not refused for its broken metadata)."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # Pillow's EXIF parser over untrusted bytes
        return image


def _plain_mode(image: Image.Image, kind: str) -> str:
    """The mode the copy is written in: L for grey, RGBA where there is transparency (PNG, WebP), else RGB."""
    grey = image.mode in ("1", "L", "I", "F") or image.mode.startswith("I;16")
    if kind != "JPEG" and image.has_transparency_data:
        return "RGBA"
    return "L" if grey else "RGB"


def _decoded(data: bytes, formats: set[str], *, max_pixels: int, max_side: int, kind: str, label: str) -> Image.Image:
    """The first picture in `data`, upright, in sRGB and a plain mode, its longer side at most `max_side`: a new
    image holding pixels only (its `info` is empty, so no metadata can be written from it)."""
    with _truncated_images_refused():
        return _decoded_strictly(data, formats, max_pixels=max_pixels, max_side=max_side, kind=kind, label=label)


def _decoded_strictly(data: bytes, formats: set[str], *, max_pixels: int, max_side: int, kind: str,
                      label: str) -> Image.Image:
    try:
        Image.open(io.BytesIO(data), formats=sorted(formats)).verify()  # PNG: every chunk's CRC, through IEND
        image = Image.open(io.BytesIO(data), formats=sorted(formats))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard (at twice its global limit) met the declared size first
        raise _refuse(_too_many_pixels(label, max_pixels)) from None
    except Exception:  # a parser of untrusted bytes: whatever it raises, the file cannot be read
        raise _refuse(_unreadable(label)) from None
    width, height = image.size
    # checked on the declared size, before a single pixel is decoded
    if width * height > max_pixels:
        raise _refuse(_too_many_pixels(label, max_pixels))
    if image.format not in formats:
        raise _refuse(_unreadable(label))
    try:
        if kind == "JPEG":
            image.draft(None, (max_side, max_side))  # let the decoder scale down by 1/2, 1/4 or 1/8 on the way
        image.load()
        image = _upright(image)
        image = _to_srgb(image)
        mode = _plain_mode(image, kind)
        if image.mode.startswith("I;16") or image.mode in ("I", "F"):
            image = image.convert("I").point(lambda v: v * (1 / 256))  # 16-bit grey to 8 bits, not clipped
        image = image.convert(mode)
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return Image.frombytes(image.mode, image.size, image.tobytes())
    except Exception:  # truncated, corrupt, or a decoder's own refusal
        raise _refuse(_unreadable(label)) from None


def _too_many_pixels(label: str, max_pixels: int) -> str:
    return gettext("{file}的像素过多（超过{megapixels}百万像素），请缩小后重新上传。").format(
        file=label, megapixels=_number(max_pixels / 1_000_000))


def _unreadable(label: str) -> str:
    return gettext("{file}已损坏或不完整，无法打开，请重新拍照上传。").format(file=label)


def clean_photo(data: bytes, *, max_bytes: int, max_pixels: int = 40_000_000, max_side: int = 2560,
                name: str = "") -> CleanPhoto:
    """A checked, upright copy of one uploaded photo with every piece of metadata removed.

    `data` is the uploaded file's bytes; it is accepted by its content (JPEG, PNG, WebP: magic bytes, then Pillow
    reading it whole), never by `name`, which only names the file in a refusal. At most `max_bytes` bytes and
    `max_pixels` pixels as declared (a decompression bomb is refused before decoding; Pillow's own global guard,
    about 179 million pixels, refuses earlier still). The copy: EXIF orientation applied, colours converted to sRGB,
    the longer side shrunk to `max_side` pixels at most, then written afresh from pixels alone — a JPEG stays JPEG
    (quality 85, RGB or grey), a PNG stays PNG, a WebP stays WebP; only the first frame of an animation is kept.

    Raises ValidationFailed(field="photos") for an empty file, one over `max_bytes`, one that is no JPEG, PNG or
    WebP, one with too many pixels, and one that is truncated or corrupt. No side effects (Pillow's global settings
    are left as they are).
    """
    label = _label(name)
    if not data:
        raise _refuse(gettext("{file}是空文件。").format(file=label))
    if len(data) > max_bytes:
        raise _refuse(gettext("{file}超过{size}MB，请压缩后再上传。").format(
            file=label, size=_number(max_bytes / MEBIBYTE)))
    found = _kind(data)
    if found is None:
        raise _refuse(gettext("{file}不是 JPG、PNG 或 WebP 图片，请拍照后重新上传。").format(file=label))
    (content_type, extension, kind), formats = found
    image = _decoded(bytes(data), formats, max_pixels=max_pixels, max_side=max_side, kind=kind, label=label)
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif kind == "PNG":
        image.save(out, "PNG", optimize=False)
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY)
    cleaned = out.getvalue()
    return CleanPhoto(data=cleaned, content_type=content_type, extension=extension, width=image.width,
                      height=image.height, sha256=hashlib.sha256(cleaned).hexdigest())


def clean_photos(files: Sequence[tuple[str, bytes]], *, max_count: int, max_bytes: int,
                 max_pixels: int = 40_000_000, max_side: int = 2560) -> list[CleanPhoto]:
    """clean_photo for each (name, bytes) of one report, in order, after checking there are at most `max_count`
    (9 by the issue: DOORSTEP_INCIDENT_PHOTOS_MAX). ValidationFailed(field="photos") for too many or for the first
    photo refused."""
    if len(files) > max_count:
        raise _refuse(gettext("每条上报最多附{count}张照片。").format(count=max_count))
    return [clean_photo(data, max_bytes=max_bytes, max_pixels=max_pixels, max_side=max_side, name=name)
            for name, data in files]
