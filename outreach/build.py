"""Build orchestration: plan what is out of date, build guides in worker processes, record each
unit in the manifest once its files are in place, then refresh the catalog."""

from __future__ import annotations

import gc
import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from outreach import catalog, guidebuild, schedule, timing
from outreach.content import Content, load_content
from outreach.project import Project
from outreach.errors import Problem
from outreach.atomic import LEFTOVERS, write_atomic
from outreach.guidebuild import GuideResult, template_problem
from outreach.manifest import MANIFEST, Manifest
from outreach.plan import AUDIO_UNITS, PRINT_SHOP, UNITS, Fingerprints, Job
from outreach.render import FACILITATOR, template_environment
from outreach.sound.speech import speaker_for

MANIFEST_SAVE_INTERVAL = 1.0  # seconds
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
    """Build what is out of date; invalid guides are reported and keep their earlier outputs."""
    timing.take()
    with timing.stage("validate"):
        content = load_content(project)
    report = BuildReport(problems=list(content.problems), warnings=[str(w) for w in content.warnings],
                         stages=timing.take())
    report.failed = {Path(p.file).stem for p in content.problems if p.file.startswith("content/guides/")}
    if content.commune is None:
        return report
    engine = options.engine or content.commune.audio.engine
    _remove_leftovers(project.build_dir)
    manifest = Manifest.load(project.build_dir)
    jobs, report.unchanged, probed = _plan(project, content, manifest, engine, options)
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
          options: Options) -> tuple[list[Job], int, dict[str, str | None]]:
    """The guides with out-of-date units, how many units are current, and engine probes made."""
    env = template_environment(project)
    fingerprints = Fingerprints(project, env, content, engine)
    speaker = speaker_for(project.root, project.build_dir / ".cache" / "speech", content.commune.audio,
                          content.commune.dialect, content.lexicon, engine)
    units = UNITS if options.with_audio else tuple(u for u in UNITS if u not in AUDIO_UNITS)
    units += tuple(PRINT_SHOP) if options.print_shop else ()
    jobs, unchanged = [], 0
    for slug, guide in content.guides.items():
        if options.only and slug != options.only:
            continue
        inputs = fingerprints.for_guide(guide)
        stale = tuple(u for u in units if options.force or not manifest.is_current(f"{slug}/{u}", inputs[u])
                      or _better_voice_now(manifest.units[f"{slug}/{u}"], engine, speaker))
        unchanged += len(units) - len(stale)
        # Print and sound are separate jobs, so one edited guide still keeps two cores busy. The
        # facilitator's notes list the clips' durations, so they follow the clips when there are any.
        sound = (*AUDIO_UNITS, FACILITATOR.name) if options.with_audio else ()
        for part in (tuple(u for u in stale if u not in sound), tuple(u for u in stale if u in sound)):
            if part:
                jobs.append(Job(slug, guide, part, inputs))
    if any(set(job.units) & set(AUDIO_UNITS) for job in jobs):
        speaker.best_usable()  # probe once here; workers reuse the answer
    # Sound jobs take longest: started first, the build does not end waiting on one of them.
    jobs.sort(key=lambda job: not set(job.units) & set(AUDIO_UNITS))
    return jobs, unchanged, speaker.probed


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
    with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                             initargs=(project, content, engine, probed)) as pool:
        for future in as_completed([pool.submit(_work, job) for job in jobs]):
            yield future.result()


_context: guidebuild.Context | None = None


def _start_worker(project: Project, content: Content, engine: str, probed: dict) -> None:
    global _context
    _context = guidebuild.make_context(project, content, engine, probed)
    gc.set_threshold(*GC_THRESHOLD)


def _work(job: Job) -> GuideResult:
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
