"""A picture uploaded from the editor, stored in content/images/ by the rules validation applies to
a guide's `image` (inside content/, PNG, JPEG or SVG) and capped in size."""

from __future__ import annotations

import hashlib
from pathlib import Path

from outreach.atomic import write_atomic
from outreach.errors import OutreachError
from outreach.model import IMAGE_SUFFIXES
from outreach.project import Project
from outreach.studio.security import inside
from outreach.text import ascii_slug

MAX_PICTURE_BYTES = 10 * 1024 * 1024
IMAGES = "images"  # under content/
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
