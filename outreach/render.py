"""Guide + commune → the HTML of a printed product, through the commune-editable Jinja templates."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

from outreach import assets, samples
from outreach.model import FIELD_LABELS, Commune, Guide
from outreach.project import Project
from outreach.sidecars import ClipRecord
from outreach.templating import BoundedSandbox, find_template_file, render, template_folders


def render_html(env: BoundedSandbox, project: Project, template: str, guide: Guide, commune: Commune,
                scale: float = 1.0, clips: list[ClipRecord] | None = None, officer_view: bool = False) -> str:
    """The HTML of one product; `scale` shrinks type for one-page products that overflow. The
    officer's view names the facts not confirmed yet in the page's top margin."""
    portal = guide.portal_url or commune.portal_url
    pictures = assets.Pictures(project.content_dir)
    # Every helper is a plain object or partial, not a lambda: the template may run in a worker process.
    return preview_marked(project, sample_marked(commune, pictures.embed(render(
        env, template, guide=guide, commune=commune, portal_url=portal, qr=assets.qr_data_uri(portal),
        icon=partial(_icon_url, template_folders(project)), image=pictures, scale=scale, clips=clips or [],
        unconfirmed=[FIELD_LABELS[key] for key in guide.unconfirmed] if officer_view else []))))


def _icon_url(folders: list[Path], name: str) -> str:
    return assets.icon_url(find_template_file(folders, f"icons/{name}.svg"))


# Over every page (position: fixed repeats it), taking no room from the content. A picture, not text,
# so the text layer (search, copy, screen readers) stays the page's own; added here rather than in a
# template so that a commune's own templates carry it too.
_MARK_HTML = ('<img src="{src}" alt="{mark}: {note}" style="position: fixed; top: {top}; left: 8%; width: 84%; '
              'z-index: 10">')
# A preview's mark is also words in every page's top margin: found by search, read by pdftotext.
_MARGIN_NOTE = ('<style>@page {{ @top-center {{ content: "{mark} – {note}"; font-family: "Fira Sans", sans-serif; '
                'font-size: 9pt; font-weight: 700; }} }}</style>')


def sample_marked(commune: Commune, html: str) -> str:
    """The page with the "BẢN MẪU" mark while the commune's settings still hold a sample value."""
    return _marked(html, samples.MARK, samples.MARK_NOTE) if samples.remaining(commune) else html


UNAPPROVED = "BẢN CHƯA DUYỆT"
UNAPPROVED_NOTE = "bản xem trước, chưa được lãnh đạo xã duyệt; không in, không phát cho người dân"


def preview_marked(project: Project, html: str) -> str:
    """A preview's page (a guide's version not approved yet) with the "BẢN CHƯA DUYỆT" mark, below
    where a "BẢN MẪU" mark would be, and in the top margin."""
    if not project.preview:
        return html
    return _marked(html, UNAPPROVED, UNAPPROVED_NOTE, "58%", _MARGIN_NOTE.format(mark=UNAPPROVED, note=UNAPPROVED_NOTE))


def _marked(html: str, mark: str, note: str, top: str = "28%", extra: str = "") -> str:
    shown = extra + _MARK_HTML.format(src=assets.sample_mark_data_uri(mark, note), mark=mark, note=note, top=top)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + shown, html, count=1)
