"""HTML → PDF with WeasyPrint: confined fetching, warnings surfaced, one-page products kept to one page."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from outreach import assets, programs
from outreach.errors import DoesNotFit
from outreach.templating import find_template_file, read_template_text, template_errors
from outreach.timing import Timings

HOUSE_STYLE = "style.css"  # in templates/: the look every printed product shares
# The type sizes a one-page product may take, as factors of its template's own, largest first.
FIT_SCALES = (1.0, 0.95, 0.9, 0.85)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


# For a print shop: 3 mm of bleed around each page, crop marks, PDF/A-3b.
PRINT_SHOP_CSS = "@page { bleed: 3mm; marks: crop; }"
PRINT_SHOP_VARIANT = "pdf/a-3b"
# Everything else is tagged (PDF/UA-1: structure, reading order, the alt text of every picture), so a
# phone's read-aloud feature can read a handout to a resident who cannot.
READER_VARIANT = "pdf/ua-1"


class _ImageCache(dict):
    """Decoded images by URL. A failed load is not kept: every product that uses it reports it."""

    def __contains__(self, url) -> bool:
        return self.get(url) is not None


def _reused(reuse: dict) -> dict:
    """The fonts and images WeasyPrint loaded for earlier documents of this build in this process,
    kept in `reuse`: loading them again costs a quarter of every render."""
    if not reuse:
        reuse.update(font_config=programs.weasyprint().text.fonts.FontConfiguration(), cache=_ImageCache())
    return reuse


def house_style(folders: list[Path]) -> str:
    """The CSS every printed product gets: the fonts, then style.css of the template folders."""
    with template_errors():
        sheet = find_template_file(folders, HOUSE_STYLE)
        return assets.font_face_css() + (read_template_text(sheet, HOUSE_STYLE) if sheet else "")


def _house_style(reuse: dict, folders: list[Path], fetcher):
    """house_style() read and parsed once per build and process for each set of allowed folders,
    kept in `reuse`, which lives that long (parsing it for every document cost a twentieth of each
    render). WeasyPrint applies it as the reader's stylesheet: a rule in a template's own <style>
    overrides it whatever its selector."""
    weasyprint = programs.weasyprint()
    key = ("house_style", tuple(folders), tuple(fetcher.roots))
    if key not in reuse:
        reuse[key] = weasyprint.CSS(string=house_style(folders), base_url=folders[0].as_uri() + "/",
                                    url_fetcher=fetcher, font_config=reuse["font_config"])
    return reuse[key]


def render_pdf(html_for_scale: Callable[[float], str], folders: list[Path], roots: list[Path],
               one_page: bool, print_shop: bool = False, reuse: dict | None = None,
               first_scale: float = 1.0, timings: Timings | None = None) -> tuple[bytes, list[str]]:
    """PDF bytes and WeasyPrint's warnings; raises DoesNotFit when one page is not enough. Every
    document gets the fonts and the house style of the template `folders`; it may read files under
    `roots` only. Pass the same `reuse` dict to every call of one build to share fonts, images and
    the parsed style between them."""
    timings = timings if timings is not None else Timings()
    with _warnings() as messages:
        document = laid_out(html_for_scale, folders, roots, one_page, print_shop, reuse, first_scale, timings)
        with timings.stage("pdf"):
            variant = PRINT_SHOP_VARIANT if print_shop else READER_VARIANT
            return document.write_pdf(pdf_variant=variant), messages


def laid_out(html_for_scale: Callable[[float], str], folders: list[Path], roots: list[Path], one_page: bool,
             print_shop: bool = False, reuse: dict | None = None, first_scale: float = 1.0,
             timings: Timings | None = None) -> Any:
    """The WeasyPrint document render_pdf writes (the same arguments), its pages not yet a PDF."""
    weasyprint = programs.weasyprint()  # here, not at the top: loading Pango costs half a second a no-op build skips
    from outreach.fetcher import ConfinedFetcher
    fetcher = ConfinedFetcher(roots)
    timings = timings if timings is not None else Timings()
    shared = _reused(reuse if reuse is not None else {})
    sheets = [_house_style(shared, folders, fetcher)]
    sheets += [weasyprint.CSS(string=PRINT_SHOP_CSS)] if print_shop else []

    def at_scale(scale: float):
        with timings.stage("html"):
            html = html_for_scale(scale)
        with timings.stage("pdf"):
            return weasyprint.HTML(string=html, base_url=folders[0].as_uri() + "/", url_fetcher=fetcher
                                   ).render(stylesheets=sheets, font_config=shared["font_config"],
                                            cache=shared["cache"])

    return _fitted(at_scale, first_scale) if one_page else at_scale(1.0)


def joined_pdf(documents: list[Any], title: str) -> bytes:
    """The pages of `documents` (from laid_out) as one tagged PDF titled `title`: the structure,
    /Lang and alternative texts of each stay (joining finished PDFs loses them), and the same
    documents give the same bytes."""
    joined = documents[0].copy([page for document in documents for page in document.pages])
    joined.metadata.title = title
    return joined.write_pdf(pdf_variant=READER_VARIANT)


@contextlib.contextmanager
def _warnings() -> Iterator[list[str]]:
    """WeasyPrint's warnings while the block runs."""
    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        yield collect.messages
    finally:
        logger.removeHandler(collect)


def _fitted(laid_out: Callable[[float], Any], first_scale: float) -> Any:
    """The document laid out at the largest of FIT_SCALES that fits one page. The search starts at
    `first_scale`, then goes up while the page still fits or down until it does (smaller type never
    makes a page longer), so no scale is laid out twice."""
    k = FIT_SCALES.index(first_scale)
    document = laid_out(FIT_SCALES[k])
    if len(document.pages) == 1:
        while k > 0 and len((larger := laid_out(FIT_SCALES[k - 1])).pages) == 1:
            document, k = larger, k - 1
        return document
    for scale in FIT_SCALES[k + 1:]:
        document = laid_out(scale)
        if len(document.pages) == 1:
            return document
    raise DoesNotFit(len(document.pages), overflow_mm=_overflow_mm(document))


PX_PER_MM = 96 / 25.4


def _overflow_mm(document) -> int:
    """How far the content runs past the first page at the smallest type, in millimetres."""
    def bottom(box) -> float:
        """The lowest edge of what is drawn: leaves (text, pictures), not the boxes around them,
        which may stretch to the page's height."""
        children = getattr(box, "children", [])
        if not children:
            return box.position_y + box.height if isinstance(getattr(box, "height", None), (int, float)) else 0.0
        return max(bottom(child) for child in children)

    used = 0.0
    for page in document.pages[1:]:
        box = getattr(page, "_page_box", None)  # WeasyPrint keeps the laid-out boxes here, unpublished
        used += max(0.0, bottom(box) - box.margin_top) if box is not None else 0.0
    return round(used / PX_PER_MM)
