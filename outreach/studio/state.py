"""What every studio page shares: the project and its machinery (`Studio`), and the file a form
edits (`Doc`). The routes live in `studio/pages/`, their table in `studio/app.py`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel
from starlette.responses import HTMLResponse

from outreach import library
from outreach.content import Content
from outreach.contentcache import ContentCache
from outreach.model import SLUG_PATTERN, Commune, Guide
from outreach.project import Project
from outreach.sound.engines import with_engine_settings
from outreach.studio import forms, preview
from outreach.studio.jobs import Builds
from outreach.studio.security import Gate, Refused
from outreach.templating import template_environment

STUDIO_DIR = Path(__file__).parent
GUIDE_SCHEMA = forms.Schema(Guide.model_json_schema())
COMMUNE_SCHEMA = forms.Schema(with_engine_settings(Commune.model_json_schema()))


@dataclass(frozen=True)
class Doc:
    """A file the studio edits with a form: a guide, or commune.yaml."""

    path: Path
    schema: forms.Schema
    model: type[BaseModel]
    url: str
    heading: str
    slug: str | None = None   # a guide's; None for commune.yaml
    follows: library.Followed | None = None  # a library guide: `path` is the commune's override file


class Studio:
    """Everything the routes share: the project, the checks, the preview and build machinery."""

    def __init__(self, project: Project, guard: Gate, builds: Any = None):
        self.project = project
        self.guard = guard
        self.previewer = preview.Previewer(project)
        self.contents = ContentCache(project)  # the guides page, judged again only when a file changed
        self.builds = builds or Builds(project)  # the province server's queue, when it has one
        self.env = template_environment(project)  # the commune's templates, as a build uses them
        self.pages = jinja2.Environment(loader=jinja2.FileSystemLoader(STUDIO_DIR / "templates"),
                                        autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                        undefined=jinja2.StrictUndefined)

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("commune_name", None)
        context.setdefault("title", "")
        return HTMLResponse(self.pages.get_template(name).render(**context), status_code=status)

    def refusal(self, status: int, message: str) -> bytes:
        title = {401: "Cần mã truy cập", 403: "Không được phép", 404: "Không có trang này", 413: "Tệp quá lớn",
                 421: "Sai địa chỉ"}.get(status, "Không thực hiện được")
        return self.pages.get_template("error.html.j2").render(title=title, message=message,
                                                               commune_name=None).encode("utf-8")

    def doc_for(self, slug: str) -> Doc:
        if not SLUG_PATTERN.match(slug):
            raise Refused(404, f"không có hướng dẫn '{slug}'")
        path = self.project.guide_path(slug)
        found = library.followed(self.project, slug)
        offered = path.is_file() or (found is not None and slug in self.contents.load().slugs)
        if not offered:  # a library guide the commune follows under another name is opened by that name
            raise Refused(404, f"không có hướng dẫn content/guides/{slug}.yaml")
        return Doc(path, GUIDE_SCHEMA, Guide, f"/guides/{slug}", "", slug, found)

    def commune_doc(self) -> Doc:
        return Doc(self.project.content_dir / "commune.yaml", COMMUNE_SCHEMA, Commune, "/commune",
                   "Thông tin của xã")


def commune_name(content: Content) -> str | None:
    """The commune's name for a page's header (None while commune.yaml is invalid)."""
    return content.commune.name if content.commune else None
