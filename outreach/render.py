"""Guide + commune → the HTML of a printed product, through the commune-editable Jinja templates."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from outreach import assets
from outreach.model import Commune, Guide
from outreach.project import Project
from outreach.templating import BoundedSandbox, find_template_file, render, template_folders


def render_html(env: BoundedSandbox, project: Project, template: str, guide: Guide, commune: Commune,
                scale: float = 1.0, clips: list[dict] | None = None) -> str:
    """The HTML of one product; `scale` shrinks type for one-page products that overflow."""
    portal = guide.portal_url or commune.portal_url
    pictures = assets.Pictures(project.content_dir)
    # Every helper is a plain object or partial, not a lambda: the template may run in a worker process.
    return pictures.embed(render(env, template,
                                 guide=guide,
                                 commune=commune,
                                 portal_url=portal,
                                 qr=assets.qr_data_uri(portal),
                                 icon=partial(_icon_url, template_folders(project)),
                                 image=pictures,
                                 scale=scale,
                                 clips=clips or []))


def _icon_url(folders: list[Path], name: str) -> str:
    return assets.icon_url(find_template_file(folders, f"icons/{name}.svg"))
