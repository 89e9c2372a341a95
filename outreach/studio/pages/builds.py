"""Builds started from the studio: the start button, the build's page, and its progress as
Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from outreach.project import Project
from outreach.studio.jobs import BuildJob
from outreach.studio.pages.built import to_send
from outreach.studio.security import Refused
from outreach.studio.state import Studio


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
    return studio.page("build.html.j2", **_build_view(studio.project, _job(request)))


def _build_view(project: Project, job: BuildJob) -> dict:
    """The build's page: how far it got, its last word and problems, and once done the files to send."""
    progress = [e for e in job.events if "total" in e]
    last = job.events[-1] if job.events else {"message": ""}
    sending = to_send(project, job.slug) if job.done and job.slug else []
    return dict(title=f"Tạo {job.title}", job=job, last=last, to_send=sending,
                done=progress[-1]["done"] if progress else 0, total=progress[-1]["total"] if progress else 0,
                problems=last.get("problems", []))


async def build_events(request: Request) -> Response:
    """Server-Sent Events: every event of the build, then the stream ends with it."""
    job = _job(request)
    last = request.headers.get("last-event-id", "")
    # A browser resumes after the last event it had; anything but such a number starts from the first.
    start = int(last) + 1 if re.fullmatch(r"[0-9]{1,9}", last) else 0
    return StreamingResponse(_events(job, start), media_type="text/event-stream", headers={"cache-control": "no-cache"})


async def _events(job: BuildJob, start: int) -> AsyncIterator[str]:
    """The job's events from number `start` as Server-Sent Events, as they come, until it is done."""
    sent = start
    while True:
        while sent < len(job.events):
            yield f"id: {sent}\ndata: {json.dumps(job.events[sent], ensure_ascii=False)}\n\n"
            sent += 1
        if job.done and sent >= len(job.events):
            return
        await asyncio.sleep(0.2)
