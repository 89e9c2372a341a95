"""A picture uploaded from the editor, stored in content/images/ by the rules validation applies to
a guide's `image` (inside content/, PNG, JPEG or SVG) and capped in size."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from outreach.atomic import write_atomic
from outreach.errors import OutreachError
from outreach.model import IMAGE_SUFFIXES
from outreach.pictures import raster_problem
from outreach.project import Project
from outreach.studio.security import inside
from outreach.text import ascii_slug

MAX_PICTURE_BYTES = 10 * 1024 * 1024
# Longest side a stored photo keeps: sharp on an A3 poster, a fraction of a phone's 12-48 megapixels.
PRINT_PIXELS = 2400
IMAGES = "images"  # under content/
ORIENTATION = 0x0112  # the EXIF tag
# What each allowed kind of file starts with: a renamed document is not a picture.
_SIGNATURES = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",)}


def store(project: Project, filename: str, data: bytes) -> str:
    """Save the upload as content/images/<name>; returns the path a guide writes (images/<name>)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise OutreachError(f"'{filename}' không phải ảnh PNG, JPEG hoặc SVG; hãy chọn tệp ảnh khác")
    if len(data) > MAX_PICTURE_BYTES:
        raise OutreachError(f"ảnh '{filename}' quá lớn ({len(data) // (1024 * 1024)} MB); tối đa 10 MB")
    if not _looks_like(suffix, data):
        raise OutreachError(f"tệp '{filename}' không đúng là ảnh {suffix[1:].upper()} (nội dung không khớp đuôi tệp)")
    data = upright(suffix, data)
    stem = ascii_slug(Path(filename).stem) or "anh"
    name = f"{stem}{suffix}"
    folder = project.content_dir / IMAGES
    target = inside(project.content_dir, f"{IMAGES}/{name}")
    if target.exists() and target.read_bytes() != data:  # never replace another picture of the same name
        name = f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}{suffix}"
        target = inside(project.content_dir, f"{IMAGES}/{name}")
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)
    return f"{IMAGES}/{name}"


def _looks_like(suffix: str, data: bytes) -> bool:
    if suffix == ".svg":
        head = data[:2048].lstrip().lower()
        return head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower()
    return data.startswith(_SIGNATURES[suffix])


def upright(suffix: str, data: bytes) -> bytes:
    """A phone photo as it looks on the phone (its EXIF orientation applied) and at most
    PRINT_PIXELS on its longest side; any other picture as it came."""
    if suffix not in (".jpg", ".jpeg", ".png") or picture_problem_of(data):
        return data
    from PIL import Image, ImageOps
    with Image.open(io.BytesIO(data)) as image:
        turned = image.getexif().get(ORIENTATION, 1) not in (0, 1)
        if not turned and max(image.size) <= PRINT_PIXELS:
            return data
        image.thumbnail((PRINT_PIXELS, PRINT_PIXELS))
        fixed = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        if suffix == ".png":
            fixed.save(out, "PNG", optimize=True)
        else:
            fixed.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def picture_problem_of(data: bytes) -> str | None:
    """Why the upload cannot be opened safely (then it is stored as it came and validation says so)."""
    return raster_problem(data, "ảnh tải lên")
