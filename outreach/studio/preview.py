"""What the editor shows of a guide as it will come out: the printed products as page images (the
library renders the PDF, PDFium makes PNGs)."""

from __future__ import annotations

import io
import threading
from pathlib import Path

from outreach import share
from outreach.atomic import write_atomic
from outreach.content import Content
from outreach.errors import DoesNotFit, OutreachError
from outreach.guidebuild import make_context
from outreach.manifest import digest
from outreach.model import Guide
from outreach.products import BY_NAME, UNITS, meeting_clips_of, render_page
from outreach.project import Project
from outreach.templating import BoundedSandbox, template_folders

# The tabs of the preview: the printed products an officer checks after an edit (not the print shop's
# copies, not the phone card: a picture).
PRODUCTS = tuple(unit.name for unit in UNITS if unit.kind == "pdf" and not unit.print_shop)
RESOLUTION = 60  # dpi: an A4 page 500 px wide is readable on a screen and rasterised in a tenth of a second
PREVIEW_DIR = ".studio/preview"  # under build/ (git-ignored, never shared)


class Previewer:
    """Page images of a guide's printed products, made once per version of what shapes them."""

    def __init__(self, project: Project):
        self.project = project
        self.reuse: dict = {}           # fonts and style WeasyPrint keeps between renders, as a build does
        self.lock = threading.Lock()    # WeasyPrint's caches are not for two threads at once

    def folder(self, slug: str) -> Path:
        return self.project.build_dir / PREVIEW_DIR / slug

    def pages(self, env: BoundedSandbox, content: Content, slug: str, guide: Guide, product: str) -> list[Path]:
        """The PNG of each page of `product` (made now if the guide, the commune or a template changed)."""
        key = digest(guide.model_dump(mode="json"), content.commune.model_dump(mode="json") if content.commune
                     else None, product, self._templates_state())[:16]
        folder = self.folder(slug)
        made = sorted(folder.glob(f"{product}-{key}-*.png"))
        if made:
            return made
        with self.lock:
            pdf = self._pdf(env, content, slug, guide, product)
            return self._rasterised(pdf, folder, f"{product}-{key}", product)

    def _pdf(self, env: BoundedSandbox, content: Content, slug: str, guide: Guide, product: str) -> bytes:
        ctx = make_context(self.project, content, "espeak-ng", {}, env)
        ctx.pdf_reuse = self.reuse
        unit = BY_NAME[product]
        assert unit.page is not None
        clips = meeting_clips_of(self.project.build_dir, slug) if "meeting" in unit.shows else []
        try:
            pdf, _ = render_page(ctx, unit.page, guide, clips)
        except DoesNotFit as exc:
            raise OutreachError(f"{exc.format_message()}; hãy rút gọn các đoạn dài nhất") from None
        return pdf

    def _rasterised(self, pdf: bytes, folder: Path, stem: str, product: str) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        for old in [*folder.glob(f"{product}-*.png"), *folder.glob(f"{product}-*.pdf")]:
            old.unlink(missing_ok=True)
        write_atomic(folder / f"{stem}.pdf", pdf)  # opened to read the page at any size (zoom_of)
        made = []
        for n, picture in enumerate(share.page_images(pdf, dpi=RESOLUTION), 1):
            buffer = io.BytesIO()
            picture.save(buffer, "PNG")
            target = folder / f"{stem}-{n:02d}.png"
            write_atomic(target, buffer.getvalue())
            made.append(target)
        return made

    @staticmethod
    def zoom_of(page: Path) -> Path:
        """The PDF the page images were made from: vector, so a line can be read enlarged."""
        return page.with_name(page.name.rsplit("-", 1)[0] + ".pdf")

    def _templates_state(self) -> list:
        """Every template file's name and mtime: a commune's edit to templates/ shows in the preview."""
        return [(str(p), p.stat().st_mtime_ns) for folder in template_folders(self.project)
                for p in sorted(folder.rglob("*")) if p.is_file()]
