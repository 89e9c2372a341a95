"""The guides page (/): every guide with its state, a search, and the form that starts a new guide."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from outreach import approvals, scaffold
from outreach.errors import OutreachError
from outreach.manifest import Manifest
from outreach.products import COMMUNE_BY_NAME
from outreach.project import Project
from outreach.studio import listing, yamledit
from outreach.studio.pages.editor import written
from outreach.studio.state import Studio, commune_name
from outreach.text import ascii_slug


async def guides_page(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    return await asyncio.to_thread(_guides_page, studio, request.query_params.get("q", ""), "", "", "")


def _guides_page(studio: Studio, query: str, message: str, kind: str, new_slug: str, status: int = 200,
                 new_title: str = "") -> Response:
    content = studio.contents.load()
    outdated = approvals.outdated_guides(studio.project, studio.env, content, Manifest.load(studio.project.build_dir))
    rows = listing.rows(studio.project, content, outdated)
    if query.strip():
        rows = [row for row in rows if listing.folded(query.strip()) in row.search]
    commune_problems = sum(1 for p in content.problems if p.file == "content/commune.yaml")
    return studio.page("guides.html.j2", status, title="Các hướng dẫn", rows=rows, query=query, message=message,
                       message_kind=kind, new_slug=new_slug, new_title=new_title, commune_problems=commune_problems,
                       commune_name=commune_name(content),
                       catalog=(studio.project.build_dir / COMMUNE_BY_NAME["catalog"].file).is_file())


async def new_guide(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    form = await request.form(max_files=0, max_fields=10)
    title, slug = str(form.get("title", "")).strip(), str(form.get("slug", "")).strip()
    return await asyncio.to_thread(_created, studio, title, slug)


def _created(studio: Studio, title: str, slug: str) -> Response:
    """The new guide's editor; else the guides page again with the form as typed and why not."""
    try:
        made = _new_guide(studio.project, title, slug)
    except OutreachError as exc:
        return _guides_page(studio, "", f"Chưa tạo được: {exc.format_message()}", "error", slug, 400, title)
    return RedirectResponse(f"/guides/{made}?created=1", status_code=303)


def _new_guide(project: Project, title: str, slug: str) -> str:
    """`outreach new`'s starter, named after the title when no file name is given, with the title
    written in (the other placeholders stay for the officer to fill)."""
    if not slug and not title:
        raise OutreachError("hãy viết tên thủ tục (ví dụ: Đăng ký kết hôn)")
    slug = slug or ascii_slug(title, 64)
    path = scaffold.new_guide(project, slug)
    if title:
        before = written(path, project) or {}
        yamledit.save_form(path, yamledit.version_of(path), {"title": title}, before)
    return slug
