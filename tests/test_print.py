"""Print that survives a photocopy of a photocopy: the real PDFs of every sample guide read back with
poppler and pdfminer (numbers whole on one line, type sizes, fonts, tags and alternative texts)."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import REPO, sample_slugs, tool
from outreach.products import BY_NAME, UNITS

SLUGS = sample_slugs()
PRODUCTS = [unit.name for unit in UNITS if unit.kind == "pdf" and not unit.print_shop]  # every PDF residents get

# What a reader must see whole, found in the YAML independently of the filter that protects it.
WHOLE = [
    r"\(0\d+\) \d+",                          # (0251) 1022
    r"\b0\d{3} \d{3} \d{3}\b",                # 0987 654 321
    r"\b\d\.\d{6}\b",                         # 1.001193
    r"\b\d{1,2}/\d{1,2}/\d{4}\b",             # 25/11/2026, 01/7/2025
    r"\b\d+/\d{4}/[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)*",  # 123/2015/NĐ-CP
    r"\b\d{1,3}(?:\.\d{3})+ đồng(?:/\w+)?",   # 200.000 đồng/bản
    r"\b\d+ giờ \d\d – \d+ giờ \d\d\b",       # 7 giờ 00 – 11 giờ 30
]


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield " ".join(value.split())


def tokens_of(slug: str) -> set[str]:
    """Every phone number, code, date, legal reference, amount and time range of a guide and the commune."""
    guide = yaml.safe_load((REPO / "content" / "guides" / f"{slug}.yaml").read_text(encoding="utf-8"))
    commune = yaml.safe_load((REPO / "content" / "commune.yaml").read_text(encoding="utf-8"))
    texts = [*_strings(guide), *_strings(commune), guide["last_checked"].strftime("%d/%m/%Y")]
    return {m.group() for text in texts for pattern in WHOLE for m in re.finditer(pattern, text)}


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("product", PRODUCTS)
def test_numbers_codes_dates_and_amounts_are_never_broken_across_lines(sample_build, slug, product):
    text = tool("pdftotext", str(sample_build / "build" / slug / BY_NAME[product].file), "-")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    flat = " ".join(" ".join(lines).split())
    printed = sorted(token for token in tokens_of(slug) if token in flat)
    assert printed, "no number found on the page"
    broken = [token for token in printed if not any(token in line for line in lines)]
    assert not broken, f"broken across lines: {broken}"


def test_the_hotline_and_an_officers_phone_are_among_the_checked_numbers():
    tokens = tokens_of("dang-ky-khai-sinh")
    assert {"(0251) 1022", "0987 654 321", "1.001193", "25/11/2026", "04/2020/TT-BTP"} <= tokens
    assert "2.000 đồng/trang" in tokens_of("chung-thuc-ban-sao")
    assert "7 giờ 00 – 11 giờ 30" in tokens_of("chung-thuc-ban-sao")


def test_keep_together_escapes_first_then_wraps():
    from markupsafe import Markup

    from outreach.templating import keep_together
    wrapped = keep_together("<b>Gọi</b> (0251) 1022 & 0987 654 321")
    assert isinstance(wrapped, Markup)
    assert wrapped == ('&lt;b&gt;Gọi&lt;/b&gt; <span class="nobr">(0251) 1022</span> &amp; '
                       '<span class="nobr">0987 654 321</span>')
    assert keep_together("VNeID mức độ 2.") == 'VNeID <span class="nobr">mức độ 2</span>.'
    assert keep_together(Markup("<em>25/11/2026</em>")) == '<em><span class="nobr">25/11/2026</span></em>'


def structure(path) -> tuple[set[str], list[str | None]]:
    """The structure tags of a PDF and the alternative text of each of its figures (None: none)."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1
    from pdfminer.psparser import PSLiteral
    from pdfminer.utils import decode_text

    tags, alts = set(), []

    def walk(node) -> None:
        node = resolve1(node)
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif isinstance(node, dict):
            tag = node.get("S")
            if isinstance(tag, PSLiteral):
                tags.add(tag.name)
                if tag.name == "Figure":
                    alt = resolve1(node.get("Alt"))
                    alts.append(decode_text(alt) if alt is not None else None)
            if "K" in node:
                walk(node["K"])

    with open(path, "rb") as handle:
        walk(PDFDocument(PDFParser(handle)).catalog["StructTreeRoot"])
    return tags, alts


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("product", PRODUCTS)
def test_pdfs_are_tagged_with_vietnamese_alt_text_on_every_picture(sample_build, slug, product):
    path = sample_build / "build" / slug / BY_NAME[product].file
    info = tool("pdfinfo", str(path))
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    tags, alts = structure(path)
    assert {"H1", "P", "Figure"} <= tags
    assert alts and all(alts), f"a picture without alternative text: {alts}"
    guide = yaml.safe_load((REPO / "content" / "guides" / f"{slug}.yaml").read_text(encoding="utf-8"))
    portal = guide["portal_url"].split("//", 1)[1].rstrip("/")
    assert f"Mã QR dẫn tới Cổng dịch vụ công {portal}" in alts
    if product != "facilitator":
        assert {step["title"] for step in guide["steps"]} <= set(alts)


def characters(path) -> list[tuple[float, str, bool, str]]:
    """(size in pt, font name, drawn in white, the character) of every visible character of a PDF."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTContainer

    def walk(item):
        if isinstance(item, LTChar):
            yield item
        elif isinstance(item, LTContainer):
            for child in item:
                yield from walk(child)

    found = []
    for page in extract_pages(path):
        for char in walk(page):
            if char.get_text().strip():
                colour = char.graphicstate.ncolor
                values = colour if isinstance(colour, (list, tuple)) else [colour]
                white = bool(values) and all(isinstance(v, (int, float)) and v > 0.9 for v in values)
                found.append((char.size, char.fontname.split("+")[-1], white, char.get_text()))
    return found


@pytest.mark.parametrize("slug", SLUGS)
def test_nothing_on_the_a4_handout_is_below_9pt_and_white_on_black_is_12pt_bold(sample_build, slug):
    chars = characters(sample_build / "build" / slug / "handout.pdf")
    small = sorted({(round(size, 2), name) for size, name, _, _ in chars if size < 9 - 0.01})
    assert not small, f"type under 9 pt: {small}"
    white = [(size, name, c) for size, name, is_white, c in chars if is_white]
    assert len(white) > 20, "the hotline and the online tag are white on black"
    thin = sorted({(round(size, 2), name) for size, name, _ in white if size < 12 - 0.01 or not name.endswith("-Bold")})
    assert not thin, f"white-on-black text under 12 pt or not bold: {thin}"


@pytest.mark.parametrize("slug", SLUGS)
def test_large_print_is_16pt_or_more_everywhere_footer_included(sample_build, slug):
    chars = characters(sample_build / "build" / slug / "handout-large.pdf")
    small = sorted({(round(size, 2), name, c) for size, name, _, c in chars if size < 16 - 0.01})
    assert not small, f"large print under 16 pt: {small[:10]}"
    assert "".join(c for _, _, _, c in chars).count("Trang") >= 2, "page numbers are printed"


def test_the_house_font_has_every_vietnamese_letter():
    import unicodedata

    from fontTools.ttLib import TTFont

    from outreach import assets
    letters = set("aăâbcdđeêghiklmnoôơpqrstuưvxy")
    tones = "\u0300\u0301\u0303\u0309\u0323"
    letters |= {unicodedata.normalize("NFC", v + mark) for v in "aăâeêioôơuưy" for mark in tones}
    letters |= {c.upper() for c in letters}
    for name in set(assets.FONT_FACES.values()):
        cmap = TTFont(assets.FONT_DIR / name).getBestCmap()
        assert not sorted(c for c in letters if ord(c) not in cmap)


def test_the_9pt_floor_holds_at_the_smallest_type_the_handout_shrinks_to(tmp_path):
    """Laid out at the last of FIT_SCALES whatever its length, no character is under 9 pt."""
    from conftest import copy_project

    from outreach import assets
    from outreach.content import load_content
    from outreach.pdf import FIT_SCALES, render_pdf
    from outreach.project import Project
    from outreach.render import render_html
    from outreach.templating import template_environment, template_folders

    project = Project(copy_project(tmp_path / "p", guides=True))
    content, env, folders = load_content(project), template_environment(project), template_folders(project)
    guide = content.guides["dang-ky-khai-sinh"]
    pdf, _ = render_pdf(lambda _: render_html(env, project, "handout.html.j2", guide, content.commune, FIT_SCALES[-1]),
                        folders, [project.content_dir, *folders, assets.FONT_DIR], one_page=False)
    (tmp_path / "smallest.pdf").write_bytes(pdf)
    sizes = [size for size, _, _, _ in characters(tmp_path / "smallest.pdf")]
    assert min(sizes) >= 9 - 0.01
