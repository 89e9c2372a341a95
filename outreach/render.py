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
    return sample_marked(commune, pictures.embed(render(
        env, template, guide=guide, commune=commune, portal_url=portal, qr=assets.qr_data_uri(portal),
        icon=partial(_icon_url, template_folders(project)), image=pictures, scale=scale, clips=clips or [],
        unconfirmed=[FIELD_LABELS[key] for key in guide.unconfirmed] if officer_view else [])))


def _icon_url(folders: list[Path], name: str) -> str:
    return assets.icon_url(find_template_file(folders, f"icons/{name}.svg"))


# Over every page (position: fixed repeats it), taking no room from the content. A picture, not text,
# so the text layer (search, copy, screen readers) stays the page's own; added here rather than in a
# template so that a commune's own templates carry it too.
_MARK_HTML = ('<img src="{src}" alt="{mark}: {note}" style="position: fixed; top: 28%; left: 8%; width: 84%; '
              'z-index: 10">')


def sample_marked(commune: Commune, html: str) -> str:
    """The page with the "BẢN MẪU" mark while the commune's settings still hold a sample value."""
    if not samples.remaining(commune):
        return html
    mark = _MARK_HTML.format(src=assets.sample_mark_data_uri(samples.MARK, samples.MARK_NOTE), mark=samples.MARK,
                             note=samples.MARK_NOTE)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + mark, html, count=1)
