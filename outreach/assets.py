"""What a page embeds: pictograms, the commune's pictures (downscaled), the QR code, the fonts."""

from __future__ import annotations

import base64
import io
import re
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote

import fontpkg_fira_sans

from outreach.errors import OutreachError
from outreach.limits import MAX_PICTURE_BYTES, MAX_PICTURE_PIXELS, MAX_SVG_BYTES, read_capped
from outreach.pictures import confined_picture, picture_problem, too_many_pixels

# Fira Sans: chosen by scripts/photocopy_fonts.py (README, Printed products). Its double-storey "a"
# stays an "a" on a copy of a copy, where Be Vietnam Pro's single-storey one reads as "o" or "ơ".
FONT_FAMILY = "Fira Sans"
FONT_DIR = Path(fontpkg_fira_sans.__file__).parent / "files"
# Three static weights are enough for a handout; each one more is another embedded font to subset.
# Static files, not a variable font: WeasyPrint instances a variable font with fontTools, which writes
# the current time into the instance, so the same guide would give a different PDF on every build.
FONT_FACES = {400: "FiraSans-Regular.ttf", 600: "FiraSans-SemiBold.ttf", 700: "FiraSans-Bold.ttf"}
# Longest side of a raster picture: sharp at the ~60 mm it is printed, small in the PDF.
MAX_IMAGE_PIXELS = 1000


def font_face_css() -> str:
    """The @font-face rule of each weight of the house font, for every printed product."""
    return "".join(f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
                   f'src: url("{(FONT_DIR / name).as_uri()}"); }}\n' for weight, name in FONT_FACES.items())


@lru_cache(maxsize=64)  # a one-page product drawn at several type sizes needs it each time
def qr_data_uri(url: str) -> str:
    """A vector QR code (SVG) for `url`, black on white with the standard quiet zone."""
    import segno  # here and PIL below: only rendering needs them, a no-op build does not load them
    return segno.make(url, error="m", micro=False).svg_data_uri(dark="#000", light="#fff", border=4)


def icon_url(path: Path | None) -> str:
    """The file URL of a pictogram found in the template folders."""
    if path is None:
        raise LookupError("không có hình này trong templates/icons/")
    return path.as_uri()


class Pictures:
    """image() as templates get it: every name goes through pictures.confined_picture (content/
    only), so a template can neither embed nor probe a file elsewhere. The template gets a
    placeholder, and embed() puts each picture, downscaled, in its place afterwards: the template
    may run in a worker allowed little memory, where a 50-megapixel picture would not decode."""

    def __init__(self, content_dir: Path):
        self._content_dir = content_dir
        self._token = f"outreach-picture-{secrets.token_hex(8)}:"

    def __call__(self, value: str) -> str:
        self._confined(value)
        return self._token + quote(value, safe="/")

    def embed(self, html: str) -> str:
        """`html` with each placeholder replaced by its picture as a data: URI."""
        pattern = re.escape(self._token) + r"([\w.%/~-]*)"
        return re.sub(pattern, lambda match: image_data_uri(self._confined(unquote(match[1]))), html)

    def _confined(self, value: str) -> Path:
        try:
            return confined_picture(self._content_dir, value)
        except ValueError as exc:
            raise OutreachError(f"mẫu trình bày gọi image({str(value)[:80]!r}): {exc}") from None


def image_data_uri(path: Path) -> str:
    """The picture at `path`, raster ones downscaled, as a data: URI; OutreachError naming the
    picture if it cannot be used (validation refuses such pictures first; this is the last guard)."""
    shown = _shown(path)
    problem = picture_problem(path, shown)
    if problem:
        raise OutreachError(problem)
    stat = path.stat()
    try:
        return _encoded_image(path, stat.st_mtime_ns, stat.st_size)
    except OutreachError:
        raise
    except Exception as exc:  # Pillow fails in many ways on a damaged file; none may stop the build unexplained
        raise OutreachError(f"ảnh {shown} không dùng được: {exc}") from None


def _shown(path: Path) -> str:
    """content/… as officers write it in a guide."""
    parts = path.parts
    return "/".join(parts[len(parts) - 1 - parts[::-1].index("content"):]) if "content" in parts else path.name


@lru_cache(maxsize=64)
def _encoded_image(path: Path, mtime_ns: int, size: int) -> str:
    if path.suffix.lower() == ".svg":
        data = read_capped(path, MAX_SVG_BYTES, _shown(path))
        return "data:image/svg+xml;base64," + base64.b64encode(data).decode()
    from PIL import Image, ImageOps
    with Image.open(io.BytesIO(read_capped(path, MAX_PICTURE_BYTES, _shown(path)))) as opened:
        if opened.width * opened.height > MAX_PICTURE_PIXELS:  # checked again: never decode a bomb
            raise OutreachError(too_many_pixels(_shown(path), opened.width, opened.height))
        opened.thumbnail((MAX_IMAGE_PIXELS, MAX_IMAGE_PIXELS))
        # A phone stores an upright photo sideways with an EXIF orientation: print it as it looks.
        image = ImageOps.exif_transpose(opened)
        has_alpha = image.mode in ("RGBA", "LA", "P")
        buffer = io.BytesIO()
        if has_alpha:
            image.save(buffer, "PNG", optimize=True)
        else:
            image.convert("RGB").save(buffer, "JPEG", quality=85)
    mime = "image/png" if has_alpha else "image/jpeg"
    return f"data:{mime};base64," + base64.b64encode(buffer.getvalue()).decode()


@lru_cache(maxsize=2)
def sample_mark_data_uri(mark: str, note: str) -> str:
    """The "BẢN MẪU" mark laid across a page: grey bold letters, turned 30°, on a transparent ground
    (a PNG, so the text under it stays readable and a photocopy still shows it)."""
    from PIL import Image, ImageDraw, ImageFont
    big = ImageFont.truetype(str(FONT_DIR / FONT_FACES[700]), 260)
    small = ImageFont.truetype(str(FONT_DIR / FONT_FACES[700]), 64)
    width = int(max(big.getlength(mark), small.getlength(note))) + 80  # the whole note fits, "dân" included
    canvas = Image.new("LA", (width, 420), (0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.text((width // 2, 160), mark, font=big, fill=(110, 120), anchor="mm")
    draw.text((width // 2, 370), note, font=small, fill=(110, 150), anchor="mm")
    turned = canvas.rotate(30, expand=True, resample=Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    turned.save(buffer, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
