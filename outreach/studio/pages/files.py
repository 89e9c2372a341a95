"""Files the studio serves: preview pages, a build's outputs (a guide's downloaded under names that
say the procedure), pictograms, and the studio's own static files; each confined to its folder."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from outreach.model import SLUG_PATTERN
from outreach.products import download_name
from outreach.studio.security import Refused, inside
from outreach.studio.state import STUDIO_DIR, Studio
from outreach.templating import find_template_file, template_folders

CATALOG_POLICY = ("default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; "
                  "img-src 'self' data:; media-src 'self'; frame-ancestors 'none'; form-action 'none'")
ICON_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


async def preview_file(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    slug = request.path_params["slug"]
    if not SLUG_PATTERN.match(slug):
        raise Refused(404, "không có ảnh xem trước này")
    return file_response(inside(studio.previewer.folder(slug), request.path_params["name"]), cache=True)


async def build_file(request: Request) -> Response:
    """A built file; a guide's own files are downloaded (not opened) under names that say the procedure."""
    studio: Studio = request.app.state.studio
    rel = request.path_params["path"]
    return _named(file_response(inside(studio.project.build_dir, rel)), rel)


def _named(response: Response, rel: str) -> Response:
    """A guide's file (not its pages, not a sidecar) as a download under a name that says the procedure."""
    slug, _, inner = rel.partition("/")
    if inner and SLUG_PATTERN.match(slug) and Path(inner).suffix not in (".html", ".json"):
        name = download_name(slug, inner)
        response.headers["content-disposition"] = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    return response


async def icon_file(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    name = request.path_params["name"]
    found = find_template_file(template_folders(studio.project), f"icons/{name}.svg") if ICON_NAME.match(name) else None
    if found is None:
        raise Refused(404, f"không có hình '{name}'")
    return file_response(found, cache=True)


async def static_file(request: Request) -> Response:
    return file_response(inside(STUDIO_DIR / "static", request.path_params["path"]), cache=True)


def file_response(path: Path, cache: bool = False) -> Response:
    if not path.is_file():
        raise Refused(404, "không có tệp này; có thể chưa tạo (bấm «Tạo sản phẩm»)")
    response = FileResponse(path)
    if path.suffix == ".svg":  # a commune-editable picture: never a page that runs scripts
        response.headers["content-security-policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    elif path.suffix == ".html":  # the catalog a build wrote keeps its own inline style and search script
        response.headers["content-security-policy"] = CATALOG_POLICY
    response.headers["cache-control"] = "private, max-age=3600" if cache else "no-cache"
    return response
