"""HTML → PDF with WeasyPrint: confined fetching, warnings surfaced, one-page products kept to one page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from outreach.timing import stage

# Type shrinks by these factors, in order, until a one-page product fits.
FIT_SCALES = (1.0, 0.95, 0.9, 0.85)


class DoesNotFit(Exception):
    """The content is too long for the one page it must fill."""


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


# For a print shop: 3 mm of bleed around each page, crop marks, PDF/A-3b.
PRINT_SHOP_CSS = "@page { bleed: 3mm; marks: crop; }"
PRINT_SHOP_VARIANT = "pdf/a-3b"


class _ImageCache(dict):
    """Decoded images by URL. A failed load is not kept: every product that uses it reports it."""

    def __contains__(self, url) -> bool:
        return self.get(url) is not None


def _reused(reuse: dict) -> dict:
    """The fonts and images WeasyPrint loaded for earlier documents of this build in this process,
    kept in `reuse`: loading them again costs a quarter of every render."""
    if not reuse:
        from weasyprint.text.fonts import FontConfiguration
        reuse.update(font_config=FontConfiguration(), cache=_ImageCache())
    return reuse


def render_pdf(html_for_scale: Callable[[float], str], base_dir: Path, roots: list[Path],
               one_page: bool, print_shop: bool = False, reuse: dict | None = None) -> tuple[bytes, list[str]]:
    """PDF bytes and WeasyPrint's warnings; raises DoesNotFit when one page is not enough.
    Pass the same `reuse` dict to every call of one build to share fonts and images between them."""
    import weasyprint  # here, not at the top: loading Pango costs half a second a no-op build need not pay

    from outreach.fetcher import ConfinedFetcher
    fetcher = ConfinedFetcher(roots)
    collect = _Collect()
    shared = _reused(reuse if reuse is not None else {})
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        for scale in FIT_SCALES if one_page else (1.0,):
            html = html_for_scale(scale)
            with stage("pdf"):
                extra = [weasyprint.CSS(string=PRINT_SHOP_CSS)] if print_shop else []
                document = weasyprint.HTML(string=html, base_url=base_dir.as_uri() + "/",
                                           url_fetcher=fetcher).render(stylesheets=extra, **shared)
                if not one_page or len(document.pages) == 1:
                    variant = {"pdf_variant": PRINT_SHOP_VARIANT} if print_shop else {}
                    return document.write_pdf(**variant), collect.messages
        raise DoesNotFit(len(document.pages))
    finally:
        logger.removeHandler(collect)
