"""The studio's routes: each parses the request, calls the library (load_content, build, render_page,
read_aloud, new_guide…) and renders a server-side page. Nothing here knows how a guide is validated
or built; it only shows what the library says, where the officer needs it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from outreach import approvals, library, libraryseen, scaffold, spelling
from outreach.build import refresh_catalog
from outreach.content import EMPTY_IN_FILE, FORM_EMPTY, Content, check_file, load_content
from outreach.contentcache import ContentCache
from outreach.errors import OutreachError, Problem, SpellerMissing
from outreach.manifest import Manifest
from outreach.model import SLUG_PATTERN, Commune, Guide
from outreach.products import BY_NAME, COMMUNE_BY_NAME, UNITS, bulletin_of, download_name, meeting_clips_of
from outreach.project import Project
from outreach.sidecars import ClipRecord
from outreach.sound.engines import with_engine_settings
from outreach.studio import following, forms, listing, listops, pasted, pictures, preview, results, takes, yamledit
from outreach.studio.jobs import BuildJob, Builds
from outreach.studio.security import Gate, GuardMiddleware, Refused, inside
from outreach.templating import find_template_file, icon_names, template_environment, template_folders
from outreach.text import ascii_slug
from outreach.yamlsource import load_yaml

STUDIO_DIR = Path(__file__).parent
CATALOG_POLICY = ("default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; "
                  "img-src 'self' data:; media-src 'self'; frame-ancestors 'none'; form-action 'none'")
ICON_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
log = logging.getLogger("outreach.studio")
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


# --- guides page -------------------------------------------------------------------------------

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
                       commune_name=_commune_name(content),
                       catalog=(studio.project.build_dir / COMMUNE_BY_NAME["catalog"].file).is_file())


def _commune_name(content: Content) -> str | None:
    return content.commune.name if content.commune else None


async def new_guide(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    form = await request.form(max_files=0, max_fields=10)
    title, slug = str(form.get("title", "")).strip(), str(form.get("slug", "")).strip()
    try:
        slug = await asyncio.to_thread(_new_guide, studio.project, title, slug)
    except OutreachError as exc:
        return await asyncio.to_thread(_guides_page, studio, "", f"Chưa tạo được: {exc.format_message()}", "error",
                                       slug, 400, title)
    return RedirectResponse(f"/guides/{slug}?created=1", status_code=303)


def _new_guide(project: Project, title: str, slug: str) -> str:
    """`outreach new`'s starter, named after the title when no file name is given, with the title
    written in (the other placeholders stay for the officer to fill)."""
    if not slug and not title:
        raise OutreachError("hãy viết tên thủ tục (ví dụ: Đăng ký kết hôn)")
    slug = slug or ascii_slug(title, 64)
    path = scaffold.new_guide(project, slug)
    if title:
        before = _written(path, project) or {}
        yamledit.save_form(path, yamledit.version_of(path), {"title": title}, before)
    return slug


# --- the editor ----------------------------------------------------------------------------------

async def guide_page(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    doc = studio.doc_for(request.path_params["slug"])
    return await asyncio.to_thread(_editor, studio, doc, _tab(request.query_params.get("tab")),
                                   saved="saved" in request.query_params,
                                   cleaned=request.query_params.get("cleaned", ""))


async def commune_page(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    return await asyncio.to_thread(_editor, studio, studio.commune_doc(), "handout",
                                   saved="saved" in request.query_params,
                                   cleaned=request.query_params.get("cleaned", ""))


def _tab(name: str | None) -> str:
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


def _editor(studio: Studio, doc: Doc, tab: str, saved: bool = False, posted: dict | None = None,
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
    warnings = [w for w in content.warnings if w.file in files] + _spelling(project, content, shown)
    if unsaved is not None:
        posted, problems, warnings = unsaved.values, unsaved.problems, unsaved.warnings
    data = posted if posted is not None else _shown_data(content, doc, shown)
    readable = data is not None or _parses(doc.path, shown)
    fields = forms.fields_of(doc.schema, data) if readable else []
    if doc.follows is not None:
        following.mark(fields, doc.follows)
    loose = forms.attach(fields, _form_worded(problems), warnings)
    if unsaved is not None:
        listops.mark_origins(fields, unsaved.origins)
        listops.without_new(fields, unsaved.added)
    context = dict(title=doc.heading or doc.slug, heading=doc.heading, file=shown, url=doc.url,
                   base=unsaved.base if unsaved else yamledit.version_of(doc.path), fields=fields, loose=loose,
                   unsaved=unsaved is not None, differs=differs or [],
                   loose_warnings=[w for w in loose if w in warnings], problem_count=len(problems), saved=saved,
                   stale=stale, failure=failure, raw=raw if raw is not None else _raw_text(doc), tab=tab,
                   icons=sorted(icon_names(template_folders(project))), commune_name=_commune_name(content),
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


def _form_worded(problems: list[Problem]) -> list[Problem]:
    """Validation's messages as a form speaks: an empty required field is "chưa điền", not the text
    file's "after the colon … delete the whole line" (the CLI keeps that)."""
    return [dataclasses.replace(p, message=FORM_EMPTY) if p.message == EMPTY_IN_FILE else p for p in problems]


def _common_lines(studio: Studio, content: Content, doc: Doc) -> list[takes.Line] | None:
    """On the commune's page: the sections guides share, to record once for all (None elsewhere)."""
    if doc.slug is not None or content.commune is None:
        return None
    return takes.common_lines(studio.project, studio.env, content)


def _spelling(project: Project, content: Content, shown: str) -> list[Problem]:
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
    parts.update(_built(studio.project, slug))
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


def _built(project: Project, slug: str) -> dict:
    """The clips to play and the outputs to open, from what the last build wrote."""
    folder = project.build_dir / slug
    spoken, sessions = BY_NAME["broadcast"], BY_NAME["meeting"]
    bulletin, meeting = bulletin_of(project.build_dir, slug), meeting_clips_of(project.build_dir, slug)
    heard: list[tuple[str, ClipRecord, str]] = [(spoken.label, bulletin, spoken.sound_of())] if bulletin else []
    heard += [(f"Buổi họp — {clip.title}", clip, sessions.sound_of(Path(clip.file).stem)) for clip in meeting]
    clips = [_clip(title, record, f"/files/{slug}/{rel}") for title, record, rel in heard if (folder / rel).is_file()]
    outputs = [(unit.label, f"/files/{slug}/{unit.file_of(slug)}") for unit in _sending_first(UNITS)
               if (folder / unit.file_of(slug)).is_file() and not unit.file.endswith(".json")]
    outputs += [(f"{sessions.label}: {clip['title']}", clip["url"]) for clip in clips[1 if bulletin else 0:]]
    return dict(clips=clips, any_draft=any(c["draft"] for c in clips), outputs=outputs,
                take_problems=_take_problems(folder / spoken.file, [r for r in (bulletin, *meeting) if r]))


def _sending_first(units: tuple) -> list:
    """The files an officer sends (pictures for Zalo, the named MP3, the ZIP) before the rest."""
    return sorted(units, key=lambda unit: unit.kind not in ("picture", "file"))


def to_send(project: Project, slug: str) -> list[tuple[str, str, str]]:
    """(label, link, download name) of each file of a guide made to be sent, when it is there."""
    return [(unit.label, f"/files/{slug}/{unit.file_of(slug)}", download_name(slug, unit.file_of(slug)))
            for unit in UNITS if unit.kind in ("picture", "file")
            and (project.build_dir / slug / unit.file_of(slug)).is_file()]


def _clip(title: str, record: ClipRecord, url: str) -> dict:
    seconds = record.duration_seconds
    length = f"{int(seconds // 60)} phút {round(seconds % 60)} giây" if seconds >= 60 else f"{round(seconds)} giây"
    return {"title": title, "url": url, "draft": record.draft, "seconds": length,
            "sections": len(record.sections), "recorded": record.recorded}


def _take_problems(sidecar: Path, records: list[ClipRecord]) -> takes.BuildSays:
    """What the last build said of a section's take, by section id (why it was not used, or why it is
    in doubt), and when that build was."""
    try:
        built_at = sidecar.stat().st_mtime
    except OSError:
        return takes.BuildSays({}, 0.0)
    said = {s.id: "; ".join(filter(None, (s.problem, s.warning))) for record in records for s in record.sections}
    return takes.BuildSays({section: words for section, words in said.items() if words}, built_at)


# --- saving ------------------------------------------------------------------------------------

def _doc_of(studio: Studio, request: Request) -> Doc:
    """The file a route under /guides/<slug> or /commune edits."""
    slug = request.path_params.get("slug")
    return studio.doc_for(slug) if slug is not None else studio.commune_doc()


async def _form_values(request: Request) -> tuple[Any, dict[str, str]]:
    """The editor's form (capped) and its text values."""
    form = await request.form(max_files=40, max_fields=3000, max_part_size=2 * 1024 * 1024)
    return form, {key: value for key, value in form.multi_items() if isinstance(value, str)}


async def save(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    doc = _doc_of(studio, request)
    form, values = await _form_values(request)
    uploads = [(key, value) for key, value in form.multi_items() if isinstance(value, UploadFile) and value.filename]
    files = [(key[: -len(".upload")], value.filename or "", await value.read()) for key, value in uploads
             if key.endswith(".upload")]
    return await asyncio.to_thread(_save_form, studio, doc, values, files)


def _save_form(studio: Studio, doc: Doc, values: dict[str, str], files: list[tuple[str, str, bytes]]) -> Response:
    tab = _tab(values.get("tab"))
    before = _before(studio, doc)
    with yamledit.locked(doc.path):  # check, pictures and write as one step: a stale save stores no picture
        refusal = _stored_pictures(studio, doc, values, files, check=not values.get("op"))
        if refusal:
            return _refused_save(studio, doc, values, before, tab, **refusal)
        posted, notes = pasted.cleaned(forms.posted(doc.schema, values, before))
        where_from = listops.origins(values, posted)
        if values.get("op"):  # a list button changes the form, not the file
            return _rearranged(studio, doc, values, posted, before, where_from, tab)
        refusal = _written_form(doc, values, posted, before, where_from)
    if refusal:
        return _refused_save(studio, doc, values, before, tab, **refusal)
    if doc.slug is None:  # every guide's outputs may now be out of date: the catalog says so at once
        refresh_catalog(studio.project)
    anchor = _anchor_after(values.get("op", ""))
    said = f"&cleaned={quote(pasted.query(notes))}" if notes else ""
    return RedirectResponse(f"{doc.url}?saved=1&tab={tab}{said}#{anchor}", status_code=303)


def _stored_pictures(studio: Studio, doc: Doc, values: dict[str, str], files: list[tuple[str, str, bytes]],
                     check: bool = True) -> dict[str, str]:
    """Each upload stored and named in `values`, once the save is known not to be stale; else why not."""
    try:
        if check:
            yamledit.check_version(doc.path, values.get("base", ""))
        for name, filename, data in files:
            values[name] = pictures.store(studio.project, filename, data)
    except yamledit.Stale as exc:
        return {"stale": exc.format_message()}
    except OutreachError as exc:
        return {"failure": f"Chưa lưu: {exc.format_message()}"}
    return {}


def _written_form(doc: Doc, values: dict[str, str], posted: dict, before: dict | None,
                  where_from: listops.Origins) -> dict[str, str]:
    """The form written over the file (nothing written: why not)."""
    try:
        if doc.follows is not None:  # a library guide's form goes to the commune's override file
            yamledit.save_text(doc.path, values.get("base", ""), following.override_text(doc.follows, posted))
        else:
            yamledit.save_form(doc.path, values.get("base", ""), posted, before, "", doc.schema, where_from)
    except yamledit.Stale as exc:
        return {"stale": exc.format_message()}
    except OutreachError as exc:
        return {"failure": exc.format_message()}
    return {}


def _rearranged(studio: Studio, doc: Doc, values: dict[str, str], posted: dict, before: dict | None,
                where_from: listops.Origins, tab: str) -> Response:
    """A list button: the form again with its list changed and judged as it now is; nothing written."""
    changed, where_from, added = listops.applied(posted, where_from, values["op"], doc.schema)
    problems, warnings = _judged(studio, doc, changed, before, where_from)
    unsaved = Unsaved(_plain(changed), values.get("base", ""), where_from, added, problems, warnings)
    return _editor(studio, doc, tab, unsaved=unsaved)


def _judged(studio: Studio, doc: Doc, posted: dict, before: dict | None,
            origins: listops.Origins | None = None) -> tuple[list[Problem], list[Problem]]:
    """The problems and warnings the form's values would have once saved (nothing is written)."""
    text = (following.override_text(doc.follows, posted) if doc.follows is not None
            else yamledit.merged_text(doc.path, posted, before, origins=origins))
    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / doc.path.name
        candidate.write_text(text, encoding="utf-8")
        problems, warnings, source = check_file(studio.project, candidate, doc.model)
        if source is not None:
            lexicon = load_content(studio.project).lexicon
            warnings += _spelling(studio.project, Content(None, {}, [], lexicon, sources=[source]), source.name)
    return problems, warnings


def _before(studio: Studio, doc: Doc) -> dict | None:
    """What the form's values are compared with: the file, or a library guide's layered values."""
    return doc.follows.guide.data if doc.follows is not None else _written(doc.path, studio.project)


def _written(path: Path, project: Project) -> dict | None:
    """The file as validation reads it (every value text): what the form's values are compared with."""
    try:
        data = load_yaml(path, project.shown(path)).data
    except OutreachError:
        return None
    return data if isinstance(data, dict) else None


def _refused_save(studio: Studio, doc: Doc, values: dict[str, str], before: dict | None, tab: str, stale: str = "",
                  failure: str = "") -> Response:
    """The editor again with what the officer typed, saying why nothing was written (and, when the
    file changed meanwhile, which fields of the form differ from it now)."""
    shown = _plain(forms.posted(doc.schema, values, before))
    differs = forms.differences(doc.schema, shown, _before(studio, doc)) if stale else []
    return _editor(studio, doc, tab, posted=shown, stale=stale, failure=failure, status=409 if stale else 400,
                   differs=differs)


def _plain(value: Any) -> Any:
    """Posted values as the form shows them (ABSENT is simply not there)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not forms.ABSENT}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _anchor_after(op: str) -> str:
    """Where the page scrolls after a save: the list item just moved or added, else the saved notice."""
    verb, _, where = op.partition(":")
    if verb in ("up", "down", "remove", "add") and where:
        return "f-" + where.rsplit(".", 1)[0].replace(".", "-") if verb in ("remove", "add") else \
            "f-" + where.replace(".", "-")
    return "saved"


async def check(request: Request) -> Response:
    """While the officer types: the problems the form's values would have once saved (nothing is written)."""
    studio: Studio = request.app.state.studio
    doc = _doc_of(studio, request)
    _, values = await _form_values(request)
    return await asyncio.to_thread(_checked, studio, doc, values)


def _checked(studio: Studio, doc: Doc, values: dict[str, str]) -> Response:
    before = _before(studio, doc)
    posted = forms.posted(doc.schema, values, before)
    try:
        problems, warnings = _judged(studio, doc, posted, before, listops.origins(values, posted))
    except OutreachError as exc:
        return JSONResponse({"count": 1, "fields": {}, "loose": [exc.format_message()]})
    fields = forms.fields_of(doc.schema, _plain(posted))
    loose = forms.attach(fields, _form_worded(problems), warnings)
    return JSONResponse({"count": len(problems), "loose": [f"{p.key}: {p.message}" for p in loose],
                         "fields": {f.anchor: {"problems": f.problems, "warnings": f.warnings}
                                    for f in forms.walk(fields) if f.problems or f.warnings}})


async def save_raw(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    doc = _doc_of(studio, request)
    form = await request.form(max_files=0, max_fields=10, max_part_size=1024 * 1024)
    text, base = str(form.get("text", "")), str(form.get("base", ""))
    try:
        await asyncio.to_thread(yamledit.save_text, doc.path, base, text)
    except yamledit.Stale as exc:
        return await asyncio.to_thread(_editor, studio, doc, "handout", stale=exc.format_message(), raw=text,
                                       status=409)
    return RedirectResponse(f"{doc.url}?saved=1", status_code=303)


async def library_choice(request: Request) -> Response:
    """A library guide's field: keep the commune's value or take the library's (what `outreach library
    review --keep/--take` does); taking it removes the key from the commune's file."""
    studio: Studio = request.app.state.studio
    doc = _doc_of(studio, request)
    form = await request.form(max_files=40, max_fields=3000, max_part_size=2 * 1024 * 1024)
    keep, take = [str(v) for v in form.getlist("keep")], [str(v) for v in form.getlist("take")]
    if doc.follows is None:
        raise Refused(404, "hướng dẫn này không theo thư viện")
    try:
        await asyncio.to_thread(libraryseen.review, studio.project, doc.follows.slug, keep, take)
    except OutreachError as exc:
        failure = f"Chưa làm được: {exc.format_message()}"
        return await asyncio.to_thread(_editor, studio, doc, "handout", failure=failure, status=400)
    return RedirectResponse(f"{doc.url}?saved=1", status_code=303)


# --- files: previews, outputs, pictograms, the studio's own ----------------------------------------

async def preview_file(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    slug = request.path_params["slug"]
    if not SLUG_PATTERN.match(slug):
        raise Refused(404, "không có ảnh xem trước này")
    return _file(inside(studio.previewer.folder(slug), request.path_params["name"]), cache=True)


async def build_file(request: Request) -> Response:
    """A built file; a guide's own files are downloaded (not opened) under names that say the procedure."""
    studio: Studio = request.app.state.studio
    rel = request.path_params["path"]
    response = _file(inside(studio.project.build_dir, rel))
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
    return _file(found, cache=True)


async def static_file(request: Request) -> Response:
    return _file(inside(STUDIO_DIR / "static", request.path_params["path"]), cache=True)


def _file(path: Path, cache: bool = False) -> Response:
    if not path.is_file():
        raise Refused(404, "không có tệp này; có thể chưa tạo (bấm «Tạo sản phẩm»)")
    response = FileResponse(path)
    if path.suffix == ".svg":  # a commune-editable picture: never a page that runs scripts
        response.headers["content-security-policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    elif path.suffix == ".html":  # the catalog a build wrote keeps its own inline style and search script
        response.headers["content-security-policy"] = CATALOG_POLICY
    response.headers["cache-control"] = "private, max-age=3600" if cache else "no-cache"
    return response


# --- recordings: a take per spoken section, recorded in the browser --------------------------------

def _take_owner(studio: Studio, request: Request) -> str | None:
    """The guide whose section it is (checked), or None for the commune's common sections."""
    slug = request.path_params.get("slug")
    if slug is not None:
        studio.doc_for(slug)
    return slug


async def take_file(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    return _file(takes.take_of(studio.project, _take_owner(studio, request), request.path_params["section"]))


async def store_take(request: Request) -> Response:
    """A take from the browser's microphone: kept when it passes the checks (JSON: ok, message, and
    the section's panel drawn anew)."""
    studio: Studio = request.app.state.studio
    slug = _take_owner(studio, request)
    form = await request.form(max_files=1, max_fields=2, max_part_size=64 * 1024)
    upload, text = form.get("take"), str(form.get("text", ""))
    if not isinstance(upload, UploadFile):
        return JSONResponse({"ok": False, "message": "không nhận được bản thu; hãy thu lại"}, status_code=400)
    data = await upload.read()
    return await asyncio.to_thread(_stored, studio, slug, request.path_params["section"], text,
                                   upload.content_type or "", data)


def _stored(studio: Studio, slug: str | None, section_id: str, text: str, kind: str, data: bytes) -> Response:
    content = load_content(studio.project)
    try:
        line = takes.line_for(_take_lines(studio, content, slug), section_id)
        takes.store(studio.project, content, line, slug, text, kind, data)
    except Refused as exc:
        return JSONResponse({"ok": False, "message": exc.message}, status_code=exc.status)
    except OutreachError as exc:
        return JSONResponse({"ok": False, "message": exc.format_message()}, status_code=422)
    fresh = takes.line_for(_take_lines(studio, content, slug), section_id)
    where = "mọi hướng dẫn có đoạn này" if slug is None else "bản tin"
    panel = studio.pages.get_template("_recorder.html.j2").module.recorder(fresh)  # type: ignore[attr-defined]
    return JSONResponse({"ok": True, "panel": str(panel),
                         "message": f"Đã lưu bản thu. Bấm «Tạo sản phẩm» để nghe nó trong {where}."})


def _take_lines(studio: Studio, content: Content, slug: str | None) -> list[takes.Line]:
    """The panels of a guide's sections, or of the commune's common ones; refused while the guide
    (or commune.yaml) has problems, since its sections are not known then."""
    if content.commune is None or (slug is not None and slug not in content.guides):
        raise Refused(409, "hướng dẫn hoặc thông tin của xã còn lỗi; hãy sửa hết lỗi rồi mới thu âm")
    if slug is None:
        return takes.common_lines(studio.project, studio.env, content)
    return [takes.whole_bulletin_line(studio.project, studio.env, content, slug),
            *(line for _, lines in takes.guide_lines(studio.project, studio.env, content, slug) for line in lines)]


async def delete_take(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    slug, section_id = _take_owner(studio, request), request.path_params["section"]
    if not takes.SECTION_ID.match(section_id):
        raise Refused(404, f"không có đoạn {section_id}")
    await asyncio.to_thread(takes.delete, studio.project, slug, section_id)
    back = f"/guides/{slug}" if slug else "/commune"
    return RedirectResponse(f"{back}#rec-{section_id}", status_code=303)


# --- builds ------------------------------------------------------------------------------------------

async def start_build(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    slug = str((await request.form(max_files=0, max_fields=5)).get("slug", "")).strip() or None
    if slug is not None:
        studio.doc_for(slug)
    job = studio.builds.start(slug)
    return RedirectResponse(f"/build/{job.number}", status_code=303)


def _job(request: Request) -> BuildJob:
    studio: Studio = request.app.state.studio
    job = studio.builds.jobs.get(request.path_params["number"])
    if job is None:
        raise Refused(404, "không có lần tạo này (xưởng đã khởi động lại?)")
    return job


async def build_page(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    job = _job(request)
    progress = [e for e in job.events if "total" in e]
    last = job.events[-1] if job.events else {"message": ""}
    sending = to_send(studio.project, job.slug) if job.done and job.slug else []
    return studio.page("build.html.j2", title=f"Tạo {job.title}", job=job, last=last, to_send=sending,
                       done=progress[-1]["done"] if progress else 0, total=progress[-1]["total"] if progress else 0,
                       problems=last.get("problems", []))


async def build_events(request: Request) -> Response:
    """Server-Sent Events: every event of the build, then the stream ends with it."""
    job = _job(request)
    last = request.headers.get("last-event-id", "")
    # A browser resumes after the last event it had; anything but such a number starts from the first.
    start = int(last) + 1 if re.fullmatch(r"[0-9]{1,9}", last) else 0

    async def stream():
        sent = start
        while True:
            while sent < len(job.events):
                yield f"id: {sent}\ndata: {json.dumps(job.events[sent], ensure_ascii=False)}\n\n"
                sent += 1
            if job.done and sent >= len(job.events):
                return
            await asyncio.sleep(0.2)
    return StreamingResponse(stream(), media_type="text/event-stream", headers={"cache-control": "no-cache"})


# --- errors ----------------------------------------------------------------------------------------

async def _refused(request: Request, exc: Exception) -> Response:
    studio: Studio = request.app.state.studio
    assert isinstance(exc, Refused)
    return HTMLResponse(studio.refusal(exc.status, exc.message), status_code=exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    studio: Studio = request.app.state.studio
    assert isinstance(exc, HTTPException)
    message = {404: "không có trang này", 405: "trang này không nhận kiểu yêu cầu đó"}.get(exc.status_code,
                                                                                         "yêu cầu không hợp lệ")
    return HTMLResponse(studio.refusal(exc.status_code, message), status_code=exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> Response:
    studio: Studio = request.app.state.studio
    log.exception("studio: lỗi không mong đợi ở %s", request.url.path)
    return HTMLResponse(studio.refusal(500, "có lỗi không mong đợi; chưa có gì bị mất. Hãy tải lại trang; nếu lỗi "
                                            "còn, xem chi tiết ở cửa sổ dòng lệnh đang chạy 'outreach serve'."),
                        status_code=500)


def create_app(project: Project, guard: Gate, builds: Any = None) -> Any:
    """The studio as an ASGI app, behind its guard (the token's, or the province server's sign-in);
    its builds run in a thread of this process unless `builds` runs them elsewhere (a queue)."""
    studio = Studio(project, guard, builds)
    routes = [
        Route("/", guides_page),
        Route("/guides", new_guide, methods=["POST"]),
        Route("/guides/{slug}", guide_page),
        Route("/guides/{slug}", save, methods=["POST"]),
        Route("/guides/{slug}/raw", save_raw, methods=["POST"]),
        Route("/guides/{slug}/check", check, methods=["POST"]),
        Route("/guides/{slug}/library", library_choice, methods=["POST"]),
        Route("/commune/check", check, methods=["POST"]),
        Route("/commune", commune_page),
        Route("/commune", save, methods=["POST"]),
        Route("/commune/raw", save_raw, methods=["POST"]),
        Route("/guides/{slug}/recordings/{section}", take_file),
        Route("/guides/{slug}/recordings/{section}", store_take, methods=["POST"]),
        Route("/guides/{slug}/recordings/{section}/delete", delete_take, methods=["POST"]),
        Route("/commune/recordings/{section}", take_file),
        Route("/commune/recordings/{section}", store_take, methods=["POST"]),
        Route("/commune/recordings/{section}/delete", delete_take, methods=["POST"]),
        Route("/preview/{slug}/{name}", preview_file),
        Route("/files/{path:path}", build_file),
        Route("/icons/{name}.svg", icon_file),
        Route("/static/{path:path}", static_file),
        Route("/build", start_build, methods=["POST"]),
        Route("/build/{number:int}", build_page),
        Route("/build/{number:int}/events", build_events),
        *results.ROUTES,
    ]
    app = Starlette(routes=routes, exception_handlers={Refused: _refused, HTTPException: _http_error,
                                                       Exception: _unexpected})
    app.state.studio = studio
    return GuardMiddleware(app, guard, studio.refusal)
