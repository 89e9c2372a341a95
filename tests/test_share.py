"""What residents and hamlet heads forward: pictures for Zalo, named and tagged MP3s, one ZIP per guide,
one PDF per print job; read back with zbarimg, ffprobe, unzip and pdfinfo."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from conftest import copy_project, run, starter, tool, write_guide
from outreach.products import UNITS
from outreach.sound import mp3


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("share"), guides=False)
    write_guide(root, "mot", starter(root, "mot").replace("title: Đăng ký khai sinh", "title: Đăng ký kết hôn"))
    write_guide(root, "hai", starter(root, "hai"))
    (root / "content" / "schedule.yaml").write_text(
        "campaigns:\n  - name: Tháng cao điểm\n    start: 2026-12-01\n    end: 2026-12-31\n    slots:\n"
        "      - start: \"06:00\"\n        end: \"06:15\"\n        guides: [mot]\n", encoding="utf-8")
    result = run(root, "build", "--engine", "espeak-ng")
    assert result.exit_code == 0, result.output
    return root


def tags(path: Path) -> dict[str, str]:
    out = tool("ffprobe", "-v", "error", "-show_entries", "format_tags:format=duration", "-of", "json", str(path))
    data = json.loads(out)["format"]
    return {**{k.lower(): v for k, v in data.get("tags", {}).items()}, "duration": data["duration"]}


@pytest.mark.parametrize("name", ["handout.jpg", "poster.jpg", "card.jpg"])
def test_pictures_are_sharp_small_and_their_qr_code_scans(shared, name):
    picture = shared / "build" / "mot" / "share" / name
    width, height = Image.open(picture).size
    assert width >= 1080 and picture.stat().st_size <= 600 * 1024
    if name == "card.jpg":
        assert (width, height) == (1080, 1350)
    assert tool("zbarimg", "-q", "--raw", str(picture)).strip() == "https://dichvucong.gov.vn"


def test_the_card_is_made_for_a_phone_not_a_shrunk_page(shared):
    card = shared / "build" / "mot" / "share" / "card.jpg"
    handout = shared / "build" / "mot" / "share" / "handout.jpg"
    assert Image.open(card).size[1] / Image.open(card).size[0] == pytest.approx(1.25)
    assert Image.open(handout).size[1] / Image.open(handout).size[0] == pytest.approx(297 / 210, rel=0.01)


def test_every_mp3_is_tagged_and_says_how_long_it_is(shared):
    folder = shared / "build" / "mot"
    named = folder / "share" / "mot.mp3"
    assert named.read_bytes() == (folder / "broadcast.mp3").read_bytes()
    bulletin = tags(named)
    assert bulletin["title"] == "Đăng ký kết hôn"
    assert bulletin["artist"] == "Ủy ban nhân dân xã An Viễn"
    assert bulletin["album"] == "Tháng cao điểm"  # the campaign that plays it
    sidecar = json.loads((folder / "broadcast.json").read_text(encoding="utf-8"))
    assert abs(float(bulletin["duration"]) - sidecar["duration_seconds"]) < 0.1  # from the Info header
    clip = tags(folder / "meeting" / "01-dang-nhap.mp3")
    assert clip["title"] == "Đăng ký kết hôn – Bước 1: Đăng nhập"
    assert tags(shared / "build" / "hai" / "broadcast.mp3")["album"] == "Hướng dẫn dịch vụ công trực tuyến"
    stream = named.read_bytes()
    assert stream[:3] == b"ID3"
    assert len(mp3.decode(stream, 44100)) == mp3.frame_count(stream) * mp3.SAMPLES_PER_FRAME  # still readable


def test_one_zip_holds_every_output_of_the_guide(shared):
    listing = subprocess.run(["unzip", "-l", str(shared / "build" / "mot" / "share" / "mot.zip")],
                             capture_output=True, text=True, check=True).stdout
    for unit in UNITS:  # every unit's main file (the print shop's are made only with --print)
        if not unit.print_shop and not unit.collects:
            assert f"mot/{unit.file_of('mot')}" in listing, unit.name
    assert "mot/share/mot.zip" not in listing.split("\n", 1)[1]  # (the first line names the archive)
    assert "mot/broadcast.mp3" not in listing, "the bulletin once, under the procedure's name"
    subprocess.run(["unzip", "-tq", str(shared / "build" / "mot" / "share" / "mot.zip")], check=True)


def test_every_handout_and_poster_in_one_pdf_each(shared):
    for name, size in (("handouts.pdf", "A4"), ("posters.pdf", "A3")):
        info = tool("pdfinfo", str(shared / "build" / name))
        assert "Pages:           2" in info and f"({size})" in info, info
    text = tool("pdftotext", str(shared / "build" / "handouts.pdf"), "-")
    assert text.index("Đăng ký kết hôn") > text.index("Đăng ký khai sinh")  # catalog order: hai, then mot


def structure(pdf: Path) -> tuple[dict, list[tuple[str, str]]]:
    """The catalog's /Lang, /MarkInfo and title, and every structure element's role and alternative text."""
    with pikepdf.open(pdf) as doc:
        catalog = {"lang": str(doc.Root.get("/Lang", "")), "marked": bool(doc.Root.MarkInfo.Marked),
                   "title": str(doc.docinfo.get("/Title", ""))}
        return catalog, [(str(node.S), str(node.get("/Alt", ""))) for node in _walk(doc.Root.StructTreeRoot.K)]


def test_the_joined_pdfs_are_tagged_like_each_guides_own(shared):
    for name, single in (("handouts.pdf", "handout.pdf"), ("posters.pdf", "poster.pdf")):
        catalog, elements = structure(shared / "build" / name)
        assert catalog["lang"] == "vi" and catalog["marked"], name
        assert catalog["title"].endswith("tất cả thủ tục – xã An Viễn"), catalog
        alts = [alt for _, alt in elements if alt]
        for slug in ("hai", "mot"):  # every picture of every guide keeps its alternative text
            assert all(alts.count(alt) >= n for alt, n in _counts(structure(shared / "build" / slug / single)[1]))
        assert sum(role == "/H1" for role, _ in elements) == 2, name


def _counts(elements: list[tuple[str, str]]) -> list[tuple[str, int]]:
    alts = [alt for _, alt in elements if alt]
    return [(alt, alts.count(alt)) for alt in set(alts)]


def test_the_same_guides_give_the_same_joined_bytes(shared):
    from outreach.content import load_content
    from outreach.guidebuild import make_context
    from outreach.products import BY_NAME, JOINED, joined_pages
    from outreach.project import Project
    project = Project(shared)
    content = load_content(project)
    ctx = make_context(project, content, "espeak-ng", {})
    guides = [content.guides[slug] for slug in sorted(content.guides)]
    for unit in JOINED:  # laid out again in this process: the build's bytes exactly
        assert joined_pages(ctx, BY_NAME[unit.joins], guides) == (shared / "build" / unit.file).read_bytes(), unit


def test_the_facilitator_sheet_s_tables_have_header_cells(shared):
    with pikepdf.open(shared / "build" / "mot" / "facilitator.pdf") as doc:
        tables = [node for node in _walk(doc.Root.StructTreeRoot.K) if node.get("/S") == "/Table"]
        assert len(tables) == 2  # the clips and the sign-in sheet
        for table in tables:
            assert any(node.get("/S") == "/TH" for node in _walk(table.K))


def _walk(node):
    if isinstance(node, pikepdf.Array):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
        yield node
        if "/K" in node:
            yield from _walk(node.K)


def test_a_share_file_is_remade_only_when_what_it_shows_changed(shared, tmp_path):
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(shared), str(copy)], check=True)
    folder = copy / "build" / "mot" / "share"
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    sms = copy / "templates" / "sms.j2"
    sms.write_text(sms.read_text(encoding="utf-8") + "\n{# sửa #}\n", encoding="utf-8")
    assert run(copy, "build", "--engine", "espeak-ng").exit_code == 0
    after = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert {name for name in before if before[name] != after[name]} == {"mot.zip"}
    assert "Không có gì thay đổi" in run(copy, "build", "--engine", "espeak-ng").output
