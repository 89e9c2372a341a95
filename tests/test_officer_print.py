"""What an officer ordinarily does comes out right on paper: a phone photo prints upright, pasted Word
text loses its list markers, the online level decides the words, sample values are marked. Real
builds, the PDFs read back with poppler (pdftotext, pdfimages)."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from conftest import copy_project, run, starter, write_guide
from PIL import Image


def phone_photo(width: int = 400, height: int = 200, orientation: int = 6) -> bytes:
    """A JPEG as a phone held upright writes it: pixels stored sideways, EXIF orientation 6."""
    image = Image.new("RGB", (width, height), "white")
    image.paste((0, 0, 0), (0, 0, width // 4, height))  # a dark band on the stored left edge
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def pdf_images(pdf: Path) -> list[tuple[int, int]]:
    """(width, height) of every raster picture in the PDF, as pdfimages lists them."""
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    return [(int(row[3]), int(row[4])) for row in rows if row and row[2] == "image"]


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def photographed(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("photo"), guides=False)
    (root / "content" / "images").mkdir()
    (root / "content" / "images" / "buoc-1.jpg").write_bytes(phone_photo())
    text = starter(root, "anh")
    text = re.sub(r"(\n  - title: [^\n]*\n)", r"\1    image: images/buoc-1.jpg\n", text, count=1)
    write_guide(root, "anh", text)
    result = run(root, "build", "--no-audio", "-j", "1")
    assert result.exit_code == 0, result.output
    return root


@pytest.mark.parametrize("product", ["handout.pdf", "handout-large.pdf"])
def test_a_phone_photo_prints_as_it_looks_on_the_phone(photographed, product):
    sizes = pdf_images(photographed / "build" / "anh" / product)
    assert sizes, "the step's photo is in the PDF"
    width, height = sizes[0]
    assert height > width, f"stored 400 × 200 with orientation 6, it is upright (200 × 400), not {width} × {height}"
