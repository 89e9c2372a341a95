"""The studio's results page (/results): the figures as a paper form (one row per procedure and
month, saved into content/results.csv whole and atomically), the charts, where to push next, each
campaign's before and after, and the suggested week, which goes into schedule.yaml only when the
officer clicks to accept it (round-trip saving: their comments stay)."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from outreach.content import Content, load_content
from outreach.errors import OutreachError, Problem
from outreach.manifest import digest
from outreach.project import Project
from outreach.results import RESULTS_FILE, Figure, Month, Row, judged, percent, share, write_results
from outreach.resultsbuild import chart_inputs, view, write_charts
from outreach.studio import yamledit
from outreach.studio.security import Refused, inside
from outreach.yamlsource import load_yaml

FORM = "biểu mẫu"        # what a problem of the form names instead of a file
MAX_FORM_ROWS = 2000
CHARTS = Path(".studio") / "results"  # under build/: the charts the page shows, by what they show


@dataclass
class FormRow:
    """One line of the paper form: a month and procedure, its two counts, what is wrong with it."""

    month: str
    code: str
    online: str
    total: str
    share: str = ""
    problems: tuple[str, ...] = ()


async def page(request: Request) -> Response:
    studio = request.app.state.studio
    notice = {"saved": "Đã lưu số liệu vào content/results.csv.",
              "accepted": "Đã thêm tuần phát thanh đề xuất vào content/schedule.yaml."}
    said = next((text for key, text in notice.items() if key in request.query_params), "")
    return await asyncio.to_thread(_page, studio, said)


def _page(studio: Any, notice: str, posted: list[FormRow] | None = None, failure: str = "",
          status: int = 200) -> Response:
    project: Project = studio.project
    content = load_content(project)
    path = project.content_dir / RESULTS_FILE
    shown = project.shown(path)
    on_disk = [p for p in content.problems if p.file == shown]
    rows = posted if posted is not None else _form_rows(content)
    results = _charted(project, content)
    name = content.commune.name if content.commune else None
    return studio.page("results.html.j2", status, title="Kết quả", commune_name=name, groups=_by_month(rows),
                       guides=_choices(content), base=yamledit.version_of(path), notice=notice,
                       failure=failure, on_disk=[str(p) for p in on_disk], results=results,
                       schedule_base=yamledit.version_of(project.content_dir / "schedule.yaml"),
                       suggestion=_suggestion_key(results))


def _choices(content: Content) -> list[tuple[str, str]]:
    """(code, title) of every guide, for the form's procedure lists."""
    return sorted(((g.code, g.title) for g in content.guides.values()), key=lambda pair: pair[1])


def _form_rows(content: Content) -> list[FormRow]:
    """The figures, newest month first, then a blank row per guide for the month after the last."""
    titles = {g.code: g.title for g in content.guides.values()}
    figures = sorted(content.results, key=lambda f: (-f.month.year, -f.month.month, titles.get(f.code, f.code)))
    rows = [FormRow(_month_text(f.month), f.code, str(f.online), str(f.total), percent(share(f.online, f.total)))
            for f in figures]
    latest = max((f.month for f in content.results), default=None)
    upcoming = latest.shifted(1) if latest else Month(dt.date.today().year, dt.date.today().month)
    blank = [FormRow(_month_text(upcoming), code, "", "") for code, _ in _choices(content)]
    return blank + rows


def _by_month(rows: list[FormRow]) -> list[tuple[str, list[tuple[int, FormRow]]]]:
    """The form's rows (with their numbers) grouped by month as they come, like the pages of a paper report."""
    groups: dict[str, list[tuple[int, FormRow]]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(row.month, []).append((i, row))
    return list(groups.items())


def _month_text(month: Month) -> str:
    return f"{month.month:02d}/{month.year}"


# --- saving the form -----------------------------------------------------------------------------

async def save(request: Request) -> Response:
    studio = request.app.state.studio
    form = await request.form(max_files=0, max_fields=4 * MAX_FORM_ROWS + 10)
    values = {key: str(value) for key, value in form.multi_items()}
    return await asyncio.to_thread(_save, studio, values)


def _save(studio: Any, values: dict[str, str]) -> Response:
    project: Project = studio.project
    rows = _posted_rows(values)
    content = load_content(project)
    codes = {g.code for g in content.guides.values()}
    filled = [(i, row) for i, row in enumerate(rows) if row.online.strip() or row.total.strip()]
    figures, problems = judged([Row(FORM, i, vars(row)) for i, row in filled], codes)
    if problems:
        return _page(studio, "", _with_problems(rows, problems), "Chưa lưu: có dòng chưa đúng (xem các dòng tô đỏ).",
                     400)
    path = project.content_dir / RESULTS_FILE
    if yamledit.version_of(path) != values.get("base", ""):
        return _page(studio, "", rows, "Chưa lưu: content/results.csv đã được sửa ở nơi khác sau khi bạn mở trang "
                     "này. Tải lại trang để xem số liệu mới rồi nhập lại.", 409)
    write_results(path, figures)
    return RedirectResponse("/results?saved=1", status_code=303)


def _posted_rows(values: dict[str, str]) -> list[FormRow]:
    rows = []
    for i in range(MAX_FORM_ROWS):
        if f"month.{i}" not in values:
            break
        month, code, online, total = (values.get(f"{name}.{i}", "").strip() for name in ("month", "code", "online",
                                                                                        "total"))
        rows.append(FormRow(month, code, online, total))
    return rows


def _with_problems(rows: list[FormRow], problems: list[Problem]) -> list[FormRow]:
    said: dict[int, list[str]] = {}
    for problem in problems:
        said.setdefault(problem.line, []).append(problem.message)
    return [FormRow(row.month, row.code, row.online, row.total, "", tuple(said.get(i, [])))
            for i, row in enumerate(rows)]


# --- the charts ----------------------------------------------------------------------------------------

def _charted(project: Project, content: Content) -> dict | None:
    """The results view, its charts drawn (once for what they show) under build/.studio/results/."""
    if content.commune is None or not content.results:
        return None
    key = chart_inputs(content)[:16]
    folder = project.build_dir / CHARTS / key
    if not folder.is_dir():
        write_charts(folder, content)
        for old in (project.build_dir / CHARTS).iterdir():
            if old.name != key:
                shutil.rmtree(old, ignore_errors=True)
    return view(project, content, f"/results/charts/{key}")


async def chart_file(request: Request) -> Response:
    studio = request.app.state.studio
    path = inside(studio.project.build_dir / CHARTS, f"{request.path_params['key']}/{request.path_params['name']}")
    if path.suffix != ".svg" or not path.is_file():
        raise Refused(404, "không có biểu đồ này; hãy tải lại trang Kết quả")
    response = FileResponse(path, media_type="image/svg+xml")
    response.headers["content-security-policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


# --- accepting the suggested week ------------------------------------------------------------------

def _suggestion_key(results: dict | None) -> str:
    week = results and results.get("week_data")
    return digest(week) if week else ""


async def accept_week(request: Request) -> Response:
    studio = request.app.state.studio
    form = await request.form(max_files=0, max_fields=5)
    return await asyncio.to_thread(_accept, studio, str(form.get("suggestion", "")), str(form.get("base", "")))


def _accept(studio: Any, suggestion: str, base: str) -> Response:
    """Add the week the officer saw (the same one, recomputed now) to schedule.yaml."""
    project: Project = studio.project
    content = load_content(project)
    results = _charted(project, content)
    week = results.get("week_data") if results else None
    if not week or _suggestion_key(results) != suggestion:
        return _page(studio, "", failure="Chưa thêm: đề xuất đã thay đổi (số liệu hoặc lịch vừa được sửa). Hãy xem lại "
                                         "đề xuất mới dưới đây rồi bấm nhận lần nữa.", status=409)
    try:
        add_campaign(project.content_dir / "schedule.yaml", base, week, project)
    except OutreachError as exc:
        return _page(studio, "", failure=f"Chưa thêm: {exc.format_message()}", status=409)
    return RedirectResponse("/results?accepted=1#lich", status_code=303)


def add_campaign(path: Path, base: str, week: dict, project: Project) -> None:
    """Append `week` to the schedule's campaigns, keeping the file's comments; refused if the file
    changed since the page was made."""
    campaign = {**week, "slots": [{**slot, "start": DoubleQuotedScalarString(slot["start"]),
                                   "end": DoubleQuotedScalarString(slot["end"])} for slot in week["slots"]]}
    if not path.is_file():
        text = "# Lịch phát thanh trên loa truyền thanh xã.\n" + yamledit.dumped({"campaigns": [campaign]})
        yamledit.save_text(path, base, text)
        return
    before = load_yaml(path, project.shown(path), empty_ok=True).data
    before = before if isinstance(before, dict) else {}
    found = before.get("campaigns")
    campaigns: list = found if isinstance(found, list) else []
    values = {**before, "campaigns": [*campaigns, campaign]}
    if before:
        yamledit.save_form(path, base, values, before)
    else:  # only comments so far: keep them above the first campaign
        yamledit.save_text(path, base, path.read_text(encoding="utf-8") + yamledit.dumped(values))


ROUTES = [
    Route("/results", page),
    Route("/results", save, methods=["POST"]),
    Route("/results/week", accept_week, methods=["POST"]),
    Route("/results/charts/{key}/{name}", chart_file),
]

__all__ = ["ROUTES", "Figure", "add_campaign"]
