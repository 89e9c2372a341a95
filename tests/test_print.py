"""Print that survives a photocopy of a photocopy: the real PDFs of every sample guide read back with
poppler and pdfminer (numbers whole on one line, type sizes, fonts, tags and alternative texts)."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import REPO, sample_slugs, tool

SLUGS = sample_slugs()
PRODUCTS = ("handout", "handout-large", "poster", "facilitator")

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
    text = tool("pdftotext", str(sample_build / "build" / slug / f"{product}.pdf"), "-")
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
    path = sample_build / "build" / slug / f"{product}.pdf"
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
