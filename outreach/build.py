"""Build orchestration: plan what is out of date, build guides in worker processes, record each
unit in the manifest once its files are in place, then refresh the catalog."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from outreach import catalog, guidebuild, schedule, timing
from outreach.content import Content, load_content
from outreach.project import Project
from outreach.errors import OutreachError, Problem, why
from outreach.atomic import LEFTOVERS, write_atomic
from outreach.guidebuild import GuideResult, template_problem
from outreach.manifest import MANIFEST, Manifest
from outreach.plan import AUDIO_UNITS, PRINT_SHOP, UNITS, Fingerprints, Job
from outreach.render import FACILITATOR, template_environment
from outreach.sound.speech import prune_cache, speaker_for

MANIFEST_SAVE_INTERVAL = 1.0  # seconds
LOCK_FILE = ".cache/build.lock"  # under build/, beside the speech cache
LOCK_WAIT = 3.0  # seconds a second build waits for the first before it is refused
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# WeasyPrint makes hundreds of thousands of short-lived objects a page: with Python's default
# (a collection every 700 new objects) the collector took about a tenth of every render.
GC_THRESHOLD = (10_000, 10, 10)


@dataclass
class Options:
    only: str | None = None
    engine: str | None = None   # None: audio.engine of commune.yaml
    with_audio: bool = True
    force: bool = False
    print_shop: bool = False
    jobs: int = os.cpu_count() or 1


@dataclass
class BuildReport:
    built: list[str] = field(default_factory=list)       # paths relative to build/
    drafts: list[Path] = field(default_factory=list)
    unchanged: int = 0                                   # units that were already up to date
    failed: set[str] = field(default_factory=set)        # slugs with a problem
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    guides: int = 0
    stages: Counter = field(default_factory=Counter)


def build(project: Project, options: Options = Options(),
          on_guide: Callable[[int, int, GuideResult], None] | None = None) -> BuildReport:
    """Build what is out of date; invalid guides are reported and keep their earlier outputs.
    One build at a time per project: a second one waits briefly, then is refused."""
    with _exclusive(project):
        return _build(project, options, on_guide)


@contextlib.contextmanager
def _exclusive(project: Project):
    """Hold build/.cache/build.lock for the whole build. flock, not the file's existence, is the lock: the
    kernel releases it when the holder dies, so a lock left by a killed build is simply taken over."""
    path = project.build_dir / LOCK_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path, "a+", encoding="utf-8")
    except OSError as exc:
        raise OutreachError(f"không ghi được vào thư mục {project.shown(project.build_dir)}: {why(exc)}") from None
    with lock:
        _wait_for(lock, project)
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield


def _wait_for(lock, project: Project) -> None:
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                lock.seek(0)
                holder = lock.read().strip() or "?"
                raise OutreachError(f"một lần tạo khác (tiến trình {holder}) đang chạy trong dự án "
                                    f"{project.shown(project.root)}; hãy đợi lần đó xong rồi chạy lại") from None
            time.sleep(0.1)


def _build(project: Project, options: Options,
           on_guide: Callable[[int, int, GuideResult], None] | None) -> BuildReport:
    started = time.time() - 1  # a margin: file times come from a coarser clock
    timing.take()
    with timing.stage("validate"):
        content = load_content(project)
    report = BuildReport(problems=list(content.problems), stages=timing.take())
    report.failed = {Path(p.file).stem for p in content.problems if p.file.startswith("content/guides/")}
    if content.commune is None:
        return report
    engine = options.engine or content.commune.audio.engine
    _remove_leftovers(project.build_dir)
    manifest = Manifest.load(project.build_dir)
    jobs, report.unchanged, probed, held = _plan(project, content, manifest, engine, options)
    if held:
        report.failed |= set(held)
        lexicon = project.shown(project.content_dir / "lexicon.yaml")
        report.problems.append(Problem(lexicon, 1, "(âm thanh)", f"chưa tạo lại âm thanh của {', '.join(held)} vì từ "
                                       "điển đọc có lỗi; âm thanh cũ được giữ nguyên, hãy sửa các lỗi ở trên rồi tạo lại"))
    report.guides = len({job.slug for job in jobs})
    saved, unsaved = time.monotonic(), False
    try:
        for done, result in enumerate(_run(project, content, engine, probed, jobs, options.jobs), 1):
            _take(report, result, manifest)
            unsaved = True
            # The whole manifest is written each time, so at most once a second: a build killed in
            # between only makes again what it finished in that second.
            if time.monotonic() - saved >= MANIFEST_SAVE_INTERVAL:
                _save(project, manifest)
                saved, unsaved = time.monotonic(), False
            if on_guide:
                on_guide(done, len(jobs), result)
    finally:
        if unsaved:
            _save(project, manifest)
    if options.with_audio:
        prune_cache(project.speech_cache_dir, since=started)
    try:
        if content.schedule is not None:
            report.warnings += schedule.build_outputs(project, content, manifest)
            _save(project, manifest)
        catalog.refresh(project, content, manifest)
    except jinja2.TemplateError as exc:
        report.problems.append(template_problem(project, exc))
    return report


def _save(project: Project, manifest: Manifest) -> None:
    write_atomic(project.build_dir / MANIFEST, manifest.text().encode())


def _remove_leftovers(build_dir: Path) -> None:
    """Temp files of a build that was killed: never outputs (those are renamed into place whole)."""
    for leftover in build_dir.glob(LEFTOVERS):
        leftover.unlink(missing_ok=True)


def _plan(project: Project, content: Content, manifest: Manifest, engine: str,
          options: Options) -> tuple[list[Job], int, dict[str, str | None], list[str]]:
    """The guides with out-of-date units, how many units are current, engine probes made, and the
    guides whose audio is out of date but held back because the lexicon has problems."""
    env = template_environment(project)
    fingerprints = Fingerprints(project, env, content, engine)
    speaker = speaker_for(project.root, project.build_dir / ".cache" / "speech", content.commune.audio,
                          content.commune.dialect, content.lexicon, engine)
    with_audio = options.with_audio and not content.lexicon_broken
    units = UNITS if with_audio else tuple(u for u in UNITS if u not in AUDIO_UNITS)
    units += tuple(PRINT_SHOP) if options.print_shop else ()
    jobs, unchanged, held = [], 0, []
    for slug, guide in content.guides.items():
        if options.only and slug != options.only:
            continue
        inputs = fingerprints.for_guide(guide)
        stale = tuple(u for u in units if options.force or not manifest.is_current(f"{slug}/{u}", inputs[u])
                      or _better_voice_now(manifest.units[f"{slug}/{u}"], engine, speaker))
        unchanged += len(units) - len(stale)
        if options.with_audio and not with_audio and (options.force or not all(
                manifest.is_current(f"{slug}/{u}", inputs[u]) for u in AUDIO_UNITS)):
            held.append(slug)
        # Print and sound are separate jobs, so one edited guide still keeps two cores busy. The
        # facilitator's notes list the clips' durations, so they follow the clips when there are any.
        sound = (*AUDIO_UNITS, FACILITATOR.name) if with_audio else ()
        for part in (tuple(u for u in stale if u not in sound), tuple(u for u in stale if u in sound)):
            if part:
                jobs.append(Job(slug, guide, part, inputs))
    if any(set(job.units) & set(AUDIO_UNITS) for job in jobs):
        speaker.best_usable()  # probe once here; workers reuse the answer
    # Sound jobs take longest: started first, the build does not end waiting on one of them.
    jobs.sort(key=lambda job: not set(job.units) & set(AUDIO_UNITS))
    return jobs, unchanged, speaker.probed, held


def _better_voice_now(unit, engine: str, speaker) -> bool:
    """A draft made offline is remade when `auto` finds a better engine (e.g. back online)."""
    return unit.draft and engine == "auto" and speaker.best_usable() not in (None, unit.engine)


def _run(project: Project, content: Content, engine: str, probed: dict, jobs: list[Job], workers: int):
    """Results as guides finish: in this process for one worker, else in a process pool."""
    if workers <= 1 or len(jobs) <= 1:
        ctx = guidebuild.make_context(project, content, engine, probed)
        default = gc.get_threshold()
        gc.set_threshold(*GC_THRESHOLD)
        try:
            for job in jobs:
                yield guidebuild.build_guide(ctx, job)
        finally:
            gc.set_threshold(*default)
        return
    pending, suspects = jobs, []
    while pending:
        pending, in_flight = yield from _run_pool(project, content, engine, probed, pending, workers)
        suspects += in_flight
    # A dead worker takes down every job that was running with it: each of those is tried once more
    # on its own, so only the job that really kills its worker fails.
    for job in suspects:
        unfinished = yield from _run_pool(project, content, engine, probed, [job], 1)
        if any(unfinished):
            yield _died(project, job)


def _run_pool(project: Project, content: Content, engine: str, probed: dict, jobs: list[Job], workers: int):
    """Results of `jobs` from one pool; if a worker dies, returns (jobs that never started, jobs
    that were running), else two empty lists."""
    started = multiprocessing.SimpleQueue()  # written before a job runs: it survives a worker's death
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


def _died(project: Project, job: Job) -> GuideResult:
    part = "âm thanh" if set(job.units) & set(AUDIO_UNITS) else "bản in"
    shown = project.shown(project.guide_path(job.slug))
    return GuideResult(job.slug, part, problems=[Problem(
        shown, 1, "(tiến trình)", f"tiến trình tạo {part} của hướng dẫn này bị dừng đột ngột (có thể do hết bộ nhớ); "
                                  "các tệp cũ được giữ nguyên, hãy chạy lại 'outreach build'")])


_context: guidebuild.Context | None = None
_parent: int | None = None
_started = None


def _start_worker(project: Project, content: Content, engine: str, probed: dict, parent: int, started) -> None:
    global _context, _parent, _started
    _parent, _started = parent, started
    _die_with_parent()
    _context = guidebuild.make_context(project, content, engine, probed)
    gc.set_threshold(*GC_THRESHOLD)


def _die_with_parent() -> None:
    """A worker whose build was killed must not live on, writing files and temp files later."""
    try:  # Linux: the kernel sends SIGKILL to this worker when the build process dies
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # elsewhere the check of the parent before each job remains
    _exit_if_orphaned()


def _exit_if_orphaned() -> None:
    if os.getppid() != _parent:  # the parent died before prctl took effect, or prctl is missing
        os._exit(1)


def _work(job: Job) -> GuideResult:
    _exit_if_orphaned()
    _started.put(_job_key(job))
    return guidebuild.build_guide(_context, job)


def _take(report: BuildReport, result: GuideResult, manifest: Manifest) -> None:
    """Fold one guide's result into the report and the manifest (its files are already in place)."""
    for unit, record in result.units.items():
        manifest.record(f"{result.slug}/{unit}", record)
    report.built += result.built
    report.drafts += result.drafts
    report.problems += result.problems
    report.warnings += result.warnings
    report.stages += result.stages
    if result.problems:
        report.failed.add(result.slug)
