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


# --- the online level decides the words ---------------------------------------------------------

PROMISES_OF_NO_TRAVEL = ("không phải đi lại", "không phải xếp hàng", "không cần xếp hàng", "làm tại nhà")


@pytest.fixture(scope="module")
def levels(tmp_path_factory) -> Path:
    """The same guide twice, once "toàn trình", once "một phần" (its second step at the commune),
    built with everything but the sound."""
    root = copy_project(tmp_path_factory.mktemp("levels"), guides=False)
    text = starter(root, "toan-trinh")
    partly = text.replace("online_level: toàn trình", "online_level: một phần")
    write_guide(root, "mot-phan", partly)
    said = run(root, "validate").output
    assert "mot-phan.yaml:14: promise: thủ tục trực tuyến một phần vẫn phải đến nơi tiếp nhận" in said, said
    assert "key_messages[0]: thủ tục trực tuyến một phần" in said and "toan-trinh.yaml" not in said
    text = text.replace("promise: Làm tại nhà, không cần xếp hàng", "promise: Nộp hồ sơ sớm").replace(
        "Nộp hồ sơ trực tuyến tại nhà, không phải đi lại, không phải xếp hàng.", "Nộp hồ sơ trên mạng.")
    write_guide(root, "toan-trinh", text)
    partly = text.replace("online_level: toàn trình", "online_level: một phần")
    write_guide(root, "mot-phan", partly.replace("  - title: Điền tờ khai", "  - title: Mang bản gốc đến xã", 1))
    result = run(root, "build", "--no-audio", "--print", "-j", "1")
    assert result.exit_code == 0, result.output
    return root


def unit_words(root: Path, slug: str, name: str) -> str:
    """What residents read or hear of one unit: a PDF read back with pdftotext, a text file, what the
    voice says (the script), a picture's words (the PDF or the card it is made of)."""
    from outreach import sms
    from outreach.content import load_content
    from outreach.products import BY_NAME
    from outreach.project import Project
    from outreach.render import render_html
    from outreach.templating import template_environment

    unit, folder = BY_NAME[name], root / "build" / slug
    project = Project(root)
    content = load_content(project)
    guide, commune, env = content.guides[slug], content.commune, template_environment(project)
    if unit.kind == "pdf":
        return pdf_text(folder / unit.file)
    if name == "sms":
        return "\n".join(accented for _, accented, _ in sms.notices(env, guide, commune))
    if unit.kind == "text":
        return (folder / unit.file).read_text(encoding="utf-8")
    if unit.speaks is not None:
        return "\n".join(clip.text for clip in unit.speaks(env, guide, commune))
    if unit.templates:  # the phone card, laid out from its own template
        return re.sub(r"<[^>]+>", " ", render_html(env, project, unit.templates[0], guide, commune))
    return "\n".join(unit_words(root, slug, other) for other in unit.follows)


def test_every_product_says_what_the_online_level_allows(levels):
    from outreach.products import UNITS

    for unit in UNITS:
        full, partly = (" ".join(unit_words(levels, slug, unit.name).split()).lower()
                        for slug in ("toan-trinh", "mot-phan"))
        promised = [p for p in PROMISES_OF_NO_TRAVEL if p in partly]
        assert not promised, f"{unit.name} promises a 'một phần' procedure {promised}"
        assert full != partly, f"{unit.name} says the same whatever the online level"
    handout = " ".join(pdf_text(levels / "build" / "mot-phan" / "handout.pdf").split())
    assert "CÁC BƯỚC THỰC HIỆN" in handout.upper() and "Mang bản gốc đến xã" in handout
    bulletin = (levels / "build" / "toan-trinh" / "broadcast.txt").read_text(encoding="utf-8")
    assert "không phải đi lại, không phải xếp hàng" in bulletin, "a 'toàn trình' procedure keeps its promise"
