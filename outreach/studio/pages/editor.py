"""The editor (/guides/<slug>, /commune): a guide's or commune.yaml's form with the problems
validation finds now, and for a guide its preview, bulletin sections with their recording panels,
clips and outputs. Saving it is `saving.py`."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from outreach import approvals, spelling
from outreach.content import EMPTY_IN_FILE, FORM_EMPTY, Content, load_content
from outreach.errors import OutreachError, Problem, SpellerMissing
from outreach.manifest import Manifest
from outreach.products import BY_NAME
from outreach.project import Project
from outreach.studio import following, forms, listops, pasted, preview, takes, yamledit
from outreach.studio.pages.built import last_build
from outreach.studio.state import Doc, Studio, commune_name
from outreach.templating import icon_names, template_folders
from outreach.yamlsource import load_yaml


async def guide_page(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    doc = studio.doc_for(request.path_params["slug"])
    return await asyncio.to_thread(editor_page, studio, doc, tab_of(request.query_params.get("tab")),
                                   saved="saved" in request.query_params,
                                   cleaned=request.query_params.get("cleaned", ""))


async def commune_page(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    return await asyncio.to_thread(editor_page, studio, studio.commune_doc(), "handout",
                                   saved="saved" in request.query_params,
                                   cleaned=request.query_params.get("cleaned", ""))


def tab_of(name: str | None) -> str:
    return name if name in preview.PRODUCTS else "handout"


@dataclass
class Unsaved:
    """A form changed by a list button and not saved: its values, the file version it was made from,
    where its list items came from, the item just added, and the problems of those values."""

    values: dict
    base: str
    origins: listops.Origins
    added: str | None
    problems: list[Problem]
    warnings: list[Problem]


def editor_page(studio: Studio, doc: Doc, tab: str, saved: bool = False, posted: dict | None = None,
            stale: str = "", failure: str = "", raw: str | None = None, status: int = 200,
            cleaned: str = "", unsaved: Unsaved | None = None,
            differs: list[tuple[str, str, str, str]] | None = None) -> Response:
    """The form of `doc` with the problems validation finds now, and for a guide its preview, its
    bulletin, its clips and its outputs. `posted`: values to show instead of the file's (a refused save);
    `unsaved`: a form a list button changed, judged as it is."""
    project = studio.project
    content = load_content(project)
    shown = project.shown(doc.path)
    files = {shown, *_library_files(content, doc)}
    problems = [p for p in content.problems if p.file in files]
    warnings = [w for w in content.warnings if w.file in files] + spelling_of(project, content, shown)
    if unsaved is not None:
        posted, problems, warnings = unsaved.values, unsaved.problems, unsaved.warnings
    data = posted if posted is not None else _shown_data(content, doc, shown)
    readable = data is not None or _parses(doc.path, shown)
    fields = forms.fields_of(doc.schema, data) if readable else []
    if doc.follows is not None:
        following.mark(fields, doc.follows)
    loose = forms.attach(fields, form_worded(problems), warnings)
    if unsaved is not None:
        listops.mark_origins(fields, unsaved.origins)
        listops.without_new(fields, unsaved.added)
    context = dict(title=doc.heading or doc.slug, heading=doc.heading, file=shown, url=doc.url,
                   base=unsaved.base if unsaved else yamledit.version_of(doc.path), fields=fields, loose=loose,
                   unsaved=unsaved is not None, differs=differs or [],
                   loose_warnings=[w for w in loose if w in warnings], problem_count=len(problems), saved=saved,
                   stale=stale, failure=failure, raw=raw if raw is not None else _raw_text(doc), tab=tab,
                   icons=sorted(icon_names(template_folders(project))), commune_name=commune_name(content),
                   guide_page=doc.slug is not None, common=_common_lines(studio, content, doc),
                   cleaned=pasted.said(fields, cleaned), **_library_parts(project, doc))
    if doc.slug is not None:
        context.update(_guide_parts(studio, content, doc.slug, tab))
        guide = content.guides.get(doc.slug)
        context["heading"] = context["title"] = guide.title if guide else (data or {}).get("title") or doc.slug
    return studio.page("editor.html.j2", status, **context)


def _library_files(content: Content, doc: Doc) -> list[str]:
    """A library guide's files besides the commune's (the library's), whose problems the editor shows too."""
    return [f for f, slug in content.files.items() if doc.follows is not None and slug == doc.slug]


def _shown_data(content: Content, doc: Doc, shown: str) -> dict | None:
    """The values the form shows: a library guide's layered from both files, else the file's."""
    if doc.follows is not None:
        return doc.follows.guide.data
    return next((s.data for s in content.sources if s.name == shown), None)


def _library_parts(project: Project, doc: Doc) -> dict:
    """A library guide's editor: the library's file, and the values the library changed since."""
    if doc.follows is None:
        return dict(library_file="", library_notices=[])
    source = doc.follows.guide.library
    return dict(library_file=source.name if source else "", library_notices=following.notices(project, doc.follows))


def form_worded(problems: list[Problem]) -> list[Problem]:
    """Validation's messages as a form speaks: an empty required field is "chưa điền", not the text
    file's "after the colon … delete the whole line" (the CLI keeps that)."""
    return [dataclasses.replace(p, message=FORM_EMPTY) if p.message == EMPTY_IN_FILE else p for p in problems]


def _common_lines(studio: Studio, content: Content, doc: Doc) -> list[takes.Line] | None:
    """On the commune's page: the sections guides share, to record once for all (None elsewhere)."""
    if doc.slug is not None or content.commune is None:
        return None
    return takes.common_lines(studio.project, studio.env, content)


def spelling_of(project: Project, content: Content, shown: str) -> list[Problem]:
    """The spelling warnings of one file, as `outreach validate` shows them."""
    only = dataclasses.replace(content, sources=[s for s in content.sources if s.name == shown])
    try:
        return spelling.check(project, only)
    except SpellerMissing:
        return []


def _parses(path: Path, shown: str) -> bool:
    try:
        load_yaml(path, shown)
    except OutreachError:
        return False
    return True


def _raw_text(doc: Doc) -> str:
    """The file as the raw editor shows it; a library guide's file not written yet, as it would start."""
    if doc.follows is not None and not doc.path.is_file():
        return f"follows: {doc.follows.target}\n"
    return _text(doc.path)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""


def _guide_parts(studio: Studio, content: Content, slug: str, tab: str) -> dict:
    guide = content.guides.get(slug)
    parts: dict[str, Any] = dict(slug=slug, tabs=[(name, BY_NAME[name].label) for name in preview.PRODUCTS],
                                 tab_label=BY_NAME[tab].label, pages=[], zoom=None, scripts=[], whole=None,
                                 preview_message="Hướng dẫn còn lỗi: sửa hết lỗi rồi lưu để xem trước.")
    parts.update(last_build(studio.project, slug))
    parts["outdated"] = guide is not None and slug in approvals.outdated_guides(
        studio.project, studio.env, content, Manifest.load(studio.project.build_dir), only=slug)
    said = parts.pop("take_problems")
    if guide is not None and content.commune is not None:
        try:
            pages = studio.previewer.pages(studio.env, content, slug, guide, tab)
            parts["pages"] = [f"/preview/{slug}/{page.name}" for page in pages]
            parts["zoom"] = f"/preview/{slug}/{preview.Previewer.zoom_of(pages[0]).name}" if pages else None
            parts["scripts"] = takes.guide_lines(studio.project, studio.env, content, slug, said)
            parts["whole"] = takes.whole_bulletin_line(studio.project, studio.env, content, slug)
        except OutreachError as exc:
            parts["preview_message"] = f"Chưa xem trước được: {exc.format_message()}"
    elif content.commune is None:
        parts["preview_message"] = "Thông tin của xã (content/commune.yaml) còn lỗi: sửa ở trang Thông tin của xã."
    return parts


# --- what saving.py (and the new-guide form) read the same way ------------------------------------

def before_of(studio: Studio, doc: Doc) -> dict | None:
    """What the form's values are compared with: the file, or a library guide's layered values."""
    return doc.follows.guide.data if doc.follows is not None else written(doc.path, studio.project)


def written(path: Path, project: Project) -> dict | None:
    """The file as validation reads it (every value text): what the form's values are compared with."""
    try:
        data = load_yaml(path, project.shown(path)).data
    except OutreachError:
        return None
    return data if isinstance(data, dict) else None


def plain(value: Any) -> Any:
    """Posted values as the form shows them (ABSENT is simply not there)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not forms.ABSENT}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def doc_of(studio: Studio, request: Request) -> Doc:
    """The file a route under /guides/<slug> or /commune edits."""
    slug = request.path_params.get("slug")
    return studio.doc_for(slug) if slug is not None else studio.commune_doc()
