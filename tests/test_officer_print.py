"""What an officer ordinarily does comes out right on paper: a phone photo prints upright, pasted Word
text loses its list markers, the online level decides the words, sample values are marked. Real
builds, the PDFs read back with poppler (pdftotext, pdfimages)."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from conftest import copy_project, run, starter, unedited_starter, write_guide
from PIL import Image

from outreach.products import UNITS
from outreach.project import Project


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
    assert (200, 400) in sizes and (400, 200) not in sizes, f"stored 400 × 200, orientation 6: upright {sizes}"


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


# --- sample values never reach residents ----------------------------------------------------------

REAL = {"xã An Viễn": "xã Tân Phú", "Trụ sở Ủy ban nhân dân xã An Viễn, tỉnh Đồng Nai": "Số 12 đường Lê Lợi, ấp 3",
        "Sáng 7 giờ 00 – 11 giờ 30, chiều 13 giờ 00 – 17 giờ 00, từ thứ Hai đến thứ Sáu": "Sáng 7 giờ 30 – 11 giờ 30",
        "(0251) 1022": "(0251) 3822 123", "Nguyễn Văn A": "Phạm Thị Hoa", "0912 345 678": "0913 222 111"}


def grey_of(picture: Path, dpi: int = 40) -> Image.Image:
    """A page (its first, for a PDF) or a picture, in grey."""
    if picture.suffix == ".pdf":
        subprocess.run(["pdftoppm", "-gray", "-png", "-r", str(dpi), "-f", "1", "-l", "1", str(picture),
                        str(picture.with_suffix(""))], check=True)
        picture = next(picture.parent.glob(picture.stem + "-*1.png"))
    with Image.open(picture) as image:
        return image.convert("L")


def marked_share(before: Image.Image, after: Image.Image) -> float:
    """The share of the page that was the mark's grey over paper before and is paper after."""
    pairs = zip(before.tobytes(), after.tobytes())
    return sum(150 < b < 215 and a > 240 for b, a in pairs) / (before.width * before.height)


@pytest.fixture(scope="module")
def sampled(tmp_path_factory) -> tuple[Path, dict[str, Image.Image]]:
    """A project as `outreach init` starts it (the starter's commune.yaml), built; then the sample
    values replaced by real ones and built again. Returns the project and the grey share before."""
    from outreach.scaffold import starter_commune

    root = copy_project(tmp_path_factory.mktemp("sampled"), guides=False)
    (root / "content" / "commune.yaml").write_text(starter_commune(Project(root)), encoding="utf-8")
    starter(root, "mau")
    assert run(root, "build", "--no-audio", "-j", "1").exit_code == 0
    before = {name: grey_of(copied(root / "build" / "mau" / name)) for name in PRINTED}
    return root, before


# Every print and picture a resident sees (the print shop's copies are made only with --print).
PRINTED = tuple(unit.file for unit in UNITS if not unit.print_shop and (unit.page or unit.kind == "picture"))


def copied(path: Path) -> Path:
    target = path.parent / f"before-{path.name}"
    target.write_bytes(path.read_bytes())
    return target


def test_validate_names_every_sample_value_with_its_line_and_every_print_is_marked(sampled):
    root, before = sampled
    said = run(root, "validate").output
    commune = (root / "content" / "commune.yaml").read_text(encoding="utf-8").splitlines()
    for key, value in [("name", "xã An Viễn"), ("desk.address", "Trụ sở Ủy ban"), ("desk.hours", "Sáng 7 giờ 00"),
                       ("hotlines[0].number", "(0251) 1022"), ("contacts[0].name", "Nguyễn Văn A"),
                       ("contacts[0].phone", "0912 345 678")]:
        line = next(i for i, text in enumerate(commune, 1) if value in text and not text.lstrip().startswith("#"))
        assert f"content/commune.yaml:{line}: {key}: '{value}" in said, said
    assert "BẢN MẪU" in said


def test_once_the_real_values_are_written_the_mark_is_gone(sampled):
    root, before = sampled
    path = root / "content" / "commune.yaml"
    text = path.read_text(encoding="utf-8")
    for sample, real in REAL.items():
        text = text.replace(sample, real)
    path.write_text(text, encoding="utf-8")
    said = run(root, "validate").output
    assert "giá trị mẫu" not in said, said
    assert run(root, "build", "--no-audio", "-j", "1").exit_code == 0
    for name in PRINTED:
        share = marked_share(before[name], grey_of(copied(root / "build" / "mau" / name)))
        assert share > 0.01, f"{name} was marked BẢN MẪU, and is not any more ({share:.3f} of the page)"


def test_a_new_guide_takes_its_agency_from_the_communes_settings_not_the_sample(sampled):
    root, _ = sampled
    committee = "Ủy ban nhân dân xã Tân Phú"
    path = root / "content" / "commune.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("xã An Viễn", "xã Tân Phú"), encoding="utf-8")
    assert f"committee: {committee}" in path.read_text(encoding="utf-8")
    assert run(root, "new", "moi").exit_code == 0
    written = (root / "content" / "guides" / "moi.yaml").read_text(encoding="utf-8")
    assert f"\nagency: {committee}   #" in written and "SỬA cơ quan" not in written
    fresh = copy_project(root.parent / "fresh", guides=False)  # the sample's committee: still to be written
    assert "agency: SỬA cơ quan thực hiện" in unedited_starter(fresh)


def test_validate_warns_of_a_list_marker_typed_into_a_list_item(tmp_path):
    project = copy_project(tmp_path, guides=False)
    text = starter(project).replace("  - Ảnh chụp giấy tờ bị mờ", "  - •\tẢnh chụp giấy tờ bị mờ")
    write_guide(project, "thu-tuc", text.replace("  - name: Giấy chứng sinh", "  - name: 1. Giấy chứng sinh"))
    said = run(project, "validate").output
    assert "common_mistakes[0]: bắt đầu bằng dấu đầu dòng '•'" in said
    assert "documents[0].name: bắt đầu bằng dấu đầu dòng '1.'" in said
    assert said.count("dấu đầu dòng") == 2, "amounts such as 1.000 đồng are not markers"
