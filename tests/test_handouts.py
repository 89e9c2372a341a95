"""What a resident holds: real PDFs read back with poppler and zbar."""

from __future__ import annotations

import statistics
import subprocess
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from conftest import REPO, sample_slugs, tool
from outreach.errors import DoesNotFit
from outreach.pdf import FIT_SCALES, _fitted
from outreach.products import UNITS

SLUGS = sample_slugs()


def pdf_info(path: Path) -> dict[str, str]:
    return dict(line.split(":", 1) for line in tool("pdfinfo", str(path)).splitlines() if ":" in line)


def font_names(path: Path) -> list[tuple[str, str]]:
    """(font name, embedded yes/no) for every font pdffonts lists."""
    rows = tool("pdffonts", str(path)).splitlines()[2:]
    return [(row.split()[0], row.split()[-5]) for row in rows]


def median_word_height(path: Path) -> float:
    """Median height in points of the words on the page: a stand-in for body text size."""
    html = tool("pdftotext", "-bbox", str(path), "-")
    heights = [float(w.split('yMax="')[1].split('"')[0]) - float(w.split('yMin="')[1].split('"')[0])
               for w in html.split("<word ")[1:]]
    return statistics.median(heights)


def guide_yaml(slug: str) -> dict:
    return yaml.safe_load((REPO / "content" / "guides" / f"{slug}.yaml").read_text(encoding="utf-8"))


def test_there_are_six_or_more_samples():
    assert len(SLUGS) >= 6


@pytest.mark.parametrize("slug", SLUGS)
def test_a4_handout_is_exactly_one_a4_page(sample_build, slug):
    info = pdf_info(sample_build / "build" / slug / "handout.pdf")
    assert info["Pages"].strip() == "1"
    assert "(A4)" in info["Page size"]


@pytest.mark.parametrize("slug", SLUGS)
def test_poster_is_one_a3_page(sample_build, slug):
    info = pdf_info(sample_build / "build" / slug / "poster.pdf")
    assert info["Pages"].strip() == "1"
    assert "(A3)" in info["Page size"]


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("product", ["handout", "handout-large", "poster", "facilitator"])
def test_every_glyph_is_embedded_in_the_house_font(sample_build, slug, product):
    fonts = font_names(sample_build / "build" / slug / f"{product}.pdf")
    assert fonts, "no fonts listed"
    for name, embedded in fonts:
        assert name.split("+")[-1].startswith("Fira-Sans"), f"fallback font {name}"
        assert embedded == "yes"


@pytest.mark.parametrize("slug", SLUGS)
def test_text_layer_keeps_title_hotline_and_fee_in_nfc(sample_build, slug):
    guide = guide_yaml(slug)
    text = tool("pdftotext", str(sample_build / "build" / slug / "handout.pdf"), "-")
    flat = " ".join(text.split())
    assert unicodedata.normalize("NFC", guide["title"]) in flat
    assert "(0251) 1022" in flat
    assert " ".join(guide["fee"].split())[:40] in flat
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("slug", SLUGS)
def test_qr_code_opens_the_portal(sample_build, slug, tmp_path):
    guide = guide_yaml(slug)
    expected = guide.get("portal_url") or "https://dichvucong.gov.vn"
    for product in ("handout", "poster"):
        png = tmp_path / product
        tool("pdftoppm", "-png", "-r", "150", "-singlefile", str(sample_build / "build" / slug / f"{product}.pdf"), str(png))
        decoded = tool("zbarimg", "--raw", "-q", f"{png}.png").split()
        assert decoded == [expected]


@pytest.mark.parametrize("slug", SLUGS)
def test_large_print_body_is_at_least_16pt(sample_build, slug):
    large = median_word_height(sample_build / "build" / slug / "handout-large.pdf")
    normal = median_word_height(sample_build / "build" / slug / "handout.pdf")
    # poppler's word box spans the font's ascent to descent: about 1.2 × the font size here.
    assert large >= 16 * 1.15 > normal


def test_every_sample_output_exists_and_is_not_empty(sample_build):
    for slug in SLUGS:
        for unit in (u for u in UNITS if u.kind == "pdf" and not u.print_shop):  # every PDF of a build
            path = sample_build / "build" / slug / unit.file
            assert path.stat().st_size > 5_000
            subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)


@pytest.mark.parametrize("first_scale", FIT_SCALES)
@pytest.mark.parametrize("largest_fitting", [*FIT_SCALES, None])
def test_type_shrinks_only_as_far_as_one_page_needs(first_scale, largest_fitting):
    """Wherever the search starts, the handout gets the largest type that fits one page (or a clear
    'too long'), and no size is laid out twice."""
    tried = []

    def laid_out(scale):
        tried.append(scale)
        return SimpleNamespace(scale=scale, pages=[1] if largest_fitting and scale <= largest_fitting else [1, 2])

    if largest_fitting is None:
        with pytest.raises(DoesNotFit):
            _fitted(laid_out, first_scale)
    else:
        assert _fitted(laid_out, first_scale).scale == largest_fitting
    assert len(tried) == len(set(tried))
