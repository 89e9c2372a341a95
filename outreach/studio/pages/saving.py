"""The editor's writes and checks: a form saved (pictures uploaded with it, list buttons, stale-save
refusal), the raw text saved, a library guide's field kept or taken, and the check while the officer
types (nothing written)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from outreach import libraryseen
from outreach.build import refresh_catalog
from outreach.content import Content, check_file
from outreach.errors import OutreachError, Problem
from outreach.studio import following, forms, listops, pasted, pictures, yamledit
from outreach.studio.pages.editor import (
    Unsaved,
    before_of,
    doc_of,
    editor_page,
    form_worded,
    plain,
    spelling_of,
    tab_of,
)
from outreach.studio.security import Refused
from outreach.studio.state import Doc, Studio


async def _form_values(request: Request) -> tuple[Any, dict[str, str]]:
    """The editor's form (capped) and its text values."""
    form = await request.form(max_files=40, max_fields=3000, max_part_size=2 * 1024 * 1024)
    return form, {key: value for key, value in form.multi_items() if isinstance(value, str)}


async def save(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    doc = doc_of(studio, request)
    form, values = await _form_values(request)
    uploads = [(key, value) for key, value in form.multi_items() if isinstance(value, UploadFile) and value.filename]
    files = [(key[: -len(".upload")], value.filename or "", await value.read()) for key, value in uploads
             if key.endswith(".upload")]
    return await asyncio.to_thread(_save_form, studio, doc, values, files)


def _save_form(studio: Studio, doc: Doc, values: dict[str, str], files: list[tuple[str, str, bytes]]) -> Response:
    tab = tab_of(values.get("tab"))
    before = before_of(studio, doc)
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
    unsaved = Unsaved(plain(changed), values.get("base", ""), where_from, added, problems, warnings)
    return editor_page(studio, doc, tab, unsaved=unsaved)


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
            only = Content(None, {}, [], studio.contents.lexicon(), sources=[source])  # not the whole project
            warnings += spelling_of(studio.project, only, source.name)
    return problems, warnings


def _refused_save(studio: Studio, doc: Doc, values: dict[str, str], before: dict | None, tab: str, stale: str = "",
                  failure: str = "") -> Response:
    """The editor again with what the officer typed, saying why nothing was written (and, when the
    file changed meanwhile, which fields of the form differ from it now)."""
    shown = plain(forms.posted(doc.schema, values, before))
    differs = forms.differences(doc.schema, shown, before_of(studio, doc)) if stale else []
    return editor_page(studio, doc, tab, posted=shown, stale=stale, failure=failure, status=409 if stale else 400,
                   differs=differs)


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
    doc = doc_of(studio, request)
    _, values = await _form_values(request)
    return await asyncio.to_thread(_checked, studio, doc, values)


def _checked(studio: Studio, doc: Doc, values: dict[str, str]) -> Response:
    before = before_of(studio, doc)
    posted = forms.posted(doc.schema, values, before)
    try:
        problems, warnings = _judged(studio, doc, posted, before, listops.origins(values, posted))
    except OutreachError as exc:
        return JSONResponse({"count": 1, "fields": {}, "loose": [exc.format_message()]})
    fields = forms.fields_of(doc.schema, plain(posted))
    loose = forms.attach(fields, form_worded(problems), warnings)
    return JSONResponse({"count": len(problems), "loose": [f"{p.key}: {p.message}" for p in loose],
                         "fields": {f.anchor: {"problems": f.problems, "warnings": f.warnings}
                                    for f in forms.walk(fields) if f.problems or f.warnings}})


async def save_raw(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    doc = doc_of(studio, request)
    form = await request.form(max_files=0, max_fields=10, max_part_size=1024 * 1024)
    return await asyncio.to_thread(_raw_saved, studio, doc, str(form.get("base", "")), str(form.get("text", "")))


def _raw_saved(studio: Studio, doc: Doc, base: str, text: str) -> Response:
    """The raw text written over the file; a stale one refused with the editor showing what was typed."""
    try:
        yamledit.save_text(doc.path, base, text)
    except yamledit.Stale as exc:
        return editor_page(studio, doc, "handout", stale=exc.format_message(), raw=text, status=409)
    return RedirectResponse(f"{doc.url}?saved=1", status_code=303)


async def library_choice(request: Request) -> Response:
    """A library guide's field: keep the commune's value or take the library's (what `outreach library
    review --keep/--take` does); taking it removes the key from the commune's file."""
    studio: Studio = request.app.state.studio
    doc = doc_of(studio, request)
    form = await request.form(max_files=40, max_fields=3000, max_part_size=2 * 1024 * 1024)
    keep, take = [str(v) for v in form.getlist("keep")], [str(v) for v in form.getlist("take")]
    return await asyncio.to_thread(_library_chosen, studio, doc, keep, take)


def _library_chosen(studio: Studio, doc: Doc, keep: list[str], take: list[str]) -> Response:
    if doc.follows is None:
        raise Refused(404, "hướng dẫn này không theo thư viện")
    try:
        libraryseen.review(studio.project, doc.follows.slug, keep, take)
    except OutreachError as exc:
        return editor_page(studio, doc, "handout", failure=f"Chưa làm được: {exc.format_message()}", status=400)
    return RedirectResponse(f"{doc.url}?saved=1", status_code=303)
