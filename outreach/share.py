"""What residents and hamlet heads pass around: pages as pictures for Zalo, a guide's outputs in one
ZIP (every handout or poster in one PDF is laid out again: products.joined_pages)."""

from __future__ import annotations

import io
import subprocess
import tempfile
import zipfile
from pathlib import Path

from outreach.errors import OutreachError

PICTURE_WIDTH = 1240      # px: sharp on any phone (≥ 1080), the handout's QR code still decodes
CARD_SIZE = (1080, 1350)  # px: Zalo's portrait picture
MAX_PICTURE_BYTES = 600 * 1024
JPEG_QUALITIES = (88, 80, 72, 64, 56)  # tried in turn until the picture is small enough to forward
ZIP_DATE = (2026, 1, 1, 0, 0, 0)       # fixed: the same outputs give the same bytes
STORED = (".mp3", ".jpg", ".pdf", ".zip")  # compressed already: deflating them again costs time, saves ~nothing


def page_picture(pdf: Path, width: int = PICTURE_WIDTH, height: int = -1) -> bytes:
    """The first page of `pdf` as a JPEG `width` px wide (and `height` high; -1 keeps the
    proportions), at the best quality under MAX_PICTURE_BYTES. poppler writes the JPEG itself:
    going through a PNG cost eight times as long."""
    with tempfile.TemporaryDirectory() as tmp:
        for quality in JPEG_QUALITIES:
            done = subprocess.run(["pdftoppm", "-jpeg", "-jpegopt", f"quality={quality},optimize=y,progressive=y",
                                   "-singlefile", "-f", "1", "-l", "1", "-scale-to-x", str(width),
                                   "-scale-to-y", str(height), str(pdf), f"{tmp}/page"], capture_output=True)
            if done.returncode != 0:
                raise OutreachError(f"không chuyển được {pdf.name} thành ảnh: "
                                    f"{done.stderr.decode('utf-8', 'replace').strip()[-200:]}")
            picture = Path(f"{tmp}/page.jpg").read_bytes()
            if len(picture) <= MAX_PICTURE_BYTES:
                break
    return picture


def folder_zip(folder: Path, skip: set[str]) -> bytes:
    """Every file under `folder` (but those named in `skip`, relative paths, and temp files) in one
    ZIP, in name order, so the same files always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = path.relative_to(folder).as_posix()
            if rel in skip or path.name.startswith("."):
                continue
            info = zipfile.ZipInfo(f"{folder.name}/{rel}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED if path.suffix in STORED else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
