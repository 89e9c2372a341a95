"""Recordings: a take per spoken section, recorded in the browser, played, judged and stored, or
deleted; a guide's sections under /guides/<slug>/recordings/, the commune's common ones under
/commune/recordings/."""

from __future__ import annotations

import asyncio

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from outreach.content import Content, load_content
from outreach.errors import OutreachError
from outreach.studio import takes
from outreach.studio.pages.files import file_response
from outreach.studio.security import Refused
from outreach.studio.state import Studio


def _take_owner(studio: Studio, request: Request) -> str | None:
    """The guide whose section it is (checked), or None for the commune's common sections."""
    slug = request.path_params.get("slug")
    if slug is not None:
        studio.doc_for(slug)
    return slug


async def take_file(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    return file_response(takes.take_of(studio.project, _take_owner(studio, request), request.path_params["section"]))


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
