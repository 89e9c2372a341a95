"""What residents and hamlet heads pass around: pages as pictures for Zalo, a guide's outputs in one
ZIP (every handout or poster in one PDF is laid out again: products.joined_pages)."""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from pathlib import Path

from PIL import Image

from outreach.errors import OutreachError

PICTURE_WIDTH = 1240      # px: sharp on any phone (≥ 1080), the handout's QR code still decodes
CARD_SIZE = (1080, 1350)  # px: Zalo's portrait picture
MAX_PICTURE_BYTES = 600 * 1024
JPEG_QUALITIES = (88, 80, 72, 64, 56)  # tried in turn until the picture is small enough to forward
ZIP_DATE = (2026, 1, 1, 0, 0, 0)       # fixed: the same outputs give the same bytes
STORED = (".mp3", ".jpg", ".pdf", ".zip")  # compressed already: deflating them again costs time, saves ~nothing
_PDFIUM = threading.Lock()


def page_picture(pdf: Path, width: int = PICTURE_WIDTH, height: int = -1) -> bytes:
    """The first page of `pdf` as a JPEG `width` px wide (and `height` high; -1 keeps the
    proportions), at the best quality under MAX_PICTURE_BYTES."""
    [picture] = page_images(pdf, width=width, first_only=True)
    if height > 0 and picture.size != (width, height):
        picture = picture.resize((width, height), Image.Resampling.LANCZOS)
    for quality in JPEG_QUALITIES:
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
        if buffer.tell() <= MAX_PICTURE_BYTES:
            break
    return buffer.getvalue()


def page_images(pdf: Path | bytes, width: int | None = None, dpi: float = 72, first_only: bool = False) -> list:
    """The pages of `pdf` (a file or its bytes) as RGB Pillow images, `width` px wide or else at `dpi`,
    rendered by PDFium (pypdfium2's wheel: no poppler needed, and faster than starting pdftoppm)."""
    import pypdfium2 as pdfium
    with _PDFIUM:  # PDFium is not thread-safe: the studio renders previews while a build runs
        try:
            document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
        except pdfium.PdfiumError as exc:
            raise OutreachError(f"không chuyển được tệp PDF thành ảnh: {exc}") from None
        try:
            pages = [document[0]] if first_only else list(document)
            return [page.render(scale=width / page.get_width() if width else dpi / 72).to_pil().convert("RGB")
                    for page in pages]
        finally:
            document.close()


def folder_zip(folder: Path, skip: set[str]) -> bytes:
    """Every file under `folder` (but those named in `skip`, relative paths, and temp files) in one
    ZIP, each content once (the bulletin named after the procedure, not broadcast.mp3 beside it), in
    name order, so the same files always give the same bytes."""
    buffer = io.BytesIO()
    kept = _each_once(folder, skip)
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(kept):
            rel = path.relative_to(folder).as_posix()
            info = zipfile.ZipInfo(f"{folder.name}/{rel}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED if path.suffix in STORED else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _each_once(folder: Path, skip: set[str]) -> list[Path]:
    """The files to pack, one per content; of two alike, the one under share/ (named for sending)."""
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
             and p.relative_to(folder).as_posix() not in skip]
    seen: set[str] = set()
    kept = []
    for path in sorted(files, key=lambda p: (p.relative_to(folder).parts[0] != "share", p.as_posix())):
        content = hashlib.sha256(path.read_bytes()).hexdigest()
        if content not in seen:
            seen.add(content)
            kept.append(path)
    return kept

