"""Is a picture named in content safe to print? Checked before anything decodes it in full.

A text file renamed .png, a truncated JPEG, a small PNG that claims 100,000 × 100,000 pixels (a
decompression bomb) and an SVG whose entities expand a hundred-thousand-fold are all refused here,
at validation, with a message; rendering then only meets pictures that passed.
"""

from __future__ import annotations

import io
import warnings
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from outreach.errors import ContentError
from outreach.limits import MAX_PICTURE_BYTES, MAX_PICTURE_PIXELS, MAX_SVG_BYTES, read_capped

RASTER_FORMATS = {"PNG", "JPEG"}
PICTURE_SUFFIXES = {".png", ".jpg", ".jpeg", ".svg"}


def confined_picture(content_dir: Path, value: str) -> Path:
    """The picture `value` names (relative to content/), resolved; ValueError (Vietnamese) unless it
    is a PNG, JPEG or SVG file inside content/. The one resolver for every picture a guide, the
    commune or a template names: a path outside gets the same answer whether or not a file is there,
    so a template can neither embed nor probe the disk."""
    if not isinstance(value, str) or urlsplit(value).scheme or value.startswith(("/", "\\", "//")):
        raise ValueError("ảnh phải là đường dẫn tương đối trong thư mục content/, không phải địa chỉ mạng hay "
                         "đường dẫn tuyệt đối")
    target = (content_dir / value).resolve()
    if not target.is_relative_to(content_dir.resolve()):
        raise ValueError("ảnh phải nằm trong thư mục content/")
    if target.suffix.lower() not in PICTURE_SUFFIXES:
        raise ValueError("ảnh phải là tệp PNG, JPEG hoặc SVG")
    if not target.is_file():
        raise ValueError(f"không tìm thấy tệp ảnh content/{value}")
    return target


def picture_problem(path: Path, shown: str) -> str | None:
    """None when the picture at `path` can be printed, else why not (Vietnamese)."""
    try:
        stat = path.stat()
    except OSError:
        return f"không đọc được tệp ảnh {shown}"
    return _checked(path, shown, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)  # validation runs every build; a picture is checked again only when it changes
def _checked(path: Path, shown: str, _mtime_ns: int, _size: int) -> str | None:
    svg = path.suffix.lower() == ".svg"
    try:
        data = read_capped(path, MAX_SVG_BYTES if svg else MAX_PICTURE_BYTES, shown)
    except ContentError as exc:
        return f"ảnh {shown}: {exc.problems[0].message}"
    return svg_problem(data, shown) if svg else raster_problem(data, shown)


def svg_problem(data: bytes, shown: str) -> str | None:
    """An SVG must be plain UTF-8 XML without a DOCTYPE: entities (the 'billion laughs') and
    external references live in the DOCTYPE, and a drawing never needs one."""
    from xml.etree import ElementTree
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        return f"ảnh SVG {shown} phải được lưu với bảng mã UTF-8"
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        return f"ảnh SVG {shown} có khai báo DOCTYPE/ENTITY, không được phép; hãy xuất lại ảnh SVG thường"
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return f"tệp {shown} không phải ảnh SVG hợp lệ"
    if root.tag.rsplit("}", 1)[-1] != "svg":
        return f"tệp {shown} không phải ảnh SVG hợp lệ"
    return None


def raster_problem(data: bytes, shown: str) -> str | None:
    """A PNG or JPEG that opens, is not too many pixels, and is whole. The pixel count is read from
    the header, before any decoding."""
    from PIL import Image, UnidentifiedImageError
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in RASTER_FORMATS:
                    return f"ảnh {shown} không phải PNG hay JPEG (mà là {image.format})"
                width, height = image.size
                if width * height > MAX_PICTURE_PIXELS:
                    return too_many_pixels(shown, width, height)
                _prove_whole(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return too_many_pixels(shown, 0, 0)
    except UnidentifiedImageError:
        return f"tệp {shown} không phải là ảnh (có thể là tệp khác bị đổi đuôi thành ảnh)"
    except Exception as exc:  # Pillow reports a damaged file in many ways: OSError, SyntaxError, ValueError…
        return f"ảnh {shown} bị hỏng hoặc không đầy đủ ({exc}); hãy chép lại ảnh gốc"
    return None


def _prove_whole(image) -> None:
    """Read the picture through: a JPEG decoded at 1/8 scale (cheap), a PNG by its chunks' checksums
    (nothing decompressed)."""
    from PIL import ImageFile
    if image.format != "JPEG":
        image.verify()
        return
    image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
    # WeasyPrint sets LOAD_TRUNCATED_IMAGES for the whole process when imported, which would let a
    # cut-off JPEG pass as whole; builds are single-threaded where pictures are read.
    lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        image.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def too_many_pixels(shown: str, width: int, height: int) -> str:
    size = f" ({width} × {height} điểm ảnh)" if width else ""
    return (f"ảnh {shown} quá lớn{size}, tối đa {MAX_PICTURE_PIXELS // 1_000_000} triệu điểm ảnh; "
            "hãy thu nhỏ ảnh trước khi dùng")
