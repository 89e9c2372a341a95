"""Where a build's jobs run: in this process for one worker, else in a pool of worker processes that
die with their build, where a worker that dies fails only the job that killed it."""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from outreach import guidebuild
from outreach.content import Content
from outreach.errors import Problem
from outreach.guidebuild import GuideResult
from outreach.plan import Job
from outreach.products import Context
from outreach.project import Project
from outreach.templating import BoundedSandbox

# WeasyPrint makes hundreds of thousands of short-lived objects a page: with Python's default
# (a collection every 700 new objects) the collector took about a tenth of every render.
GC_THRESHOLD = (10_000, 10, 10)
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def run(project: Project, env: BoundedSandbox, content: Content, engine: str, probed: dict, jobs: list[Job],
        workers: int) -> Iterator[GuideResult]:
    """Results as guides finish: in this process for one worker, else in a process pool."""
    if workers <= 1 or len(jobs) <= 1:
        yield from run_here(guidebuild.make_context(project, content, engine, probed, env, officer_view=False),
                            jobs)
        return
    pending: list[Job] = jobs
    suspects: list[Job] = []
    while pending:
        pending, in_flight = yield from _run_pool(project, content, engine, probed, pending, workers)
        suspects += in_flight
    # A dead worker takes down every job that was running with it: each of those is tried once more
    # on its own, so only the job that really kills its worker fails.
    for job in suspects:
        unfinished = yield from _run_pool(project, content, engine, probed, [job], 1)
        if any(unfinished):
            yield _died(project, content, job)


def run_here(ctx: Context, jobs: list[Job]) -> Iterator[GuideResult]:
    default = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        for job in jobs:
            yield guidebuild.build_guide(ctx, job)
    finally:
        gc.set_threshold(*default)


def _run_pool(project: Project, content: Content, engine: str, probed: dict, jobs: list[Job],
              workers: int) -> Any:
    """Results of `jobs` from one pool; if a worker dies, returns (jobs that never started, jobs
    that were running), else two empty lists."""
    started: Any = multiprocessing.SimpleQueue()  # written before a job runs: it survives a worker's death
    with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                             initargs=(project, content, engine, probed, os.getpid(), started)) as pool:
        futures = {pool.submit(_work, job): job for job in jobs}
        broken = []
        for future in as_completed(futures):
            try:
                result = future.result()
            except BrokenProcessPool:
                broken.append(futures[future])
                continue
            yield result
    running = set()
    while not started.empty():
        running.add(started.get())
    in_flight = [job for job in broken if _job_key(job) in running]
    if broken and not in_flight:  # nothing even started: the workers cannot start here at all
        return [], broken
    return [job for job in broken if _job_key(job) not in running], in_flight


def _job_key(job: Job) -> tuple[str, tuple[str, ...]]:
    return job.slug, job.units


def _died(project: Project, content: Content, job: Job) -> GuideResult:
    part = "âm thanh" if job.sound else "bản in"
    shown = content.file_of(project, job.slug)
    return GuideResult(job.slug, part, problems=[Problem(
        shown, 1, "(tiến trình)", f"tiến trình tạo {part} của hướng dẫn này bị dừng đột ngột (có thể do hết bộ nhớ); "
                                  "các tệp cũ được giữ nguyên, hãy chạy lại 'outreach build'")])


_context: Context | None = None
_parent: int | None = None
_started: Any = None


def _start_worker(project: Project, content: Content, engine: str, probed: dict, parent: int, started: Any) -> None:
    global _context, _parent, _started
    _parent, _started = parent, started
    _die_with_parent()
    _context = guidebuild.make_context(project, content, engine, probed, officer_view=False)
    gc.set_threshold(*GC_THRESHOLD)


def _die_with_parent() -> None:
    """A worker whose build was killed must not live on, writing files and temp files later."""
    if not _kernel_kills_orphans():
        _watch_parent()
    _exit_if_orphaned()


def _kernel_kills_orphans() -> bool:
    """Linux: ask the kernel to send SIGKILL to this worker when the build process dies."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent() -> None:
    """Elsewhere (Windows, macOS: spawned workers), a thread waits on the parent's sentinel, which the
    system closes when the build process dies, and ends this worker then, even mid-job."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_gone, args=(parent,), daemon=True, name="outreach-parent").start()


def _exit_when_gone(parent: Any) -> None:
    parent.join()
    os._exit(1)


def _exit_if_orphaned() -> None:
    if os.getppid() != _parent:  # the parent died before prctl took effect
        os._exit(1)


def _work(job: Job) -> GuideResult:
    _exit_if_orphaned()
    _started.put(_job_key(job))
    assert _context is not None, "the pool's initializer makes it"
    return guidebuild.build_guide(_context, job)
