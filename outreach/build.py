"""Build orchestration: plan what is out of date, build guides in worker processes, record each
unit in the manifest once its files are in place, then refresh the catalog."""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from outreach import approvals, buildlock, catalog, resultsbuild, schedule, workers
from outreach.atomic import LEFTOVERS, write_atomic
from outreach.content import Content, load_content
from outreach.errors import ContentError, OutreachError, Problem
from outreach.guidebuild import GuideResult, make_context
from outreach.libraryseen import note_first_sight
from outreach.manifest import MANIFEST, Manifest, UnitRecord, digest, file_record
from outreach.plan import Fingerprints, Job, outdated_guides, stale_units, units_for
from outreach.products import BY_NAME, COMMUNE_BY_NAME, COMMUNE_UNITS, JOINED, joined_pages
from outreach.project import PREVIEW, Project
from outreach.sound.cache import prune_cache
from outreach.sound.engines import voicing_for
from outreach.sound.speech import Speaker
from outreach.templating import BoundedSandbox, template_environment
from outreach.timing import Timings

MANIFEST_SAVE_INTERVAL = 1.0  # seconds
# What to do about an espeak-ng draft: said by the CLI's summary and the studio's players.
REAL_VOICE = ("để có giọng thật: khi có mạng dùng giọng Google (--engine gtts), hoặc tải một giọng piper tiếng "
              "Việt và ghi audio.piper.model trong content/commune.yaml, hoặc thu giọng cán bộ xã đọc từng đoạn "
              "(xem outreach record TÊN)")


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
    removed: list[str] = field(default_factory=list)     # guides whose YAML is gone: their outputs pruned
    files: dict[str, str] = field(default_factory=dict)  # every guide file as shown → its guide's slug
    previews: list[str] = field(default_factory=list)    # guides whose newest version awaits approval


def build(project: Project, options: Options | None = None,
          on_guide: Callable[[int, int, GuideResult], None] | None = None) -> BuildReport:
    """Build what is out of date; invalid guides are reported and keep their earlier outputs.
    One build at a time per project: a second one waits briefly, then is refused."""
    with buildlock.exclusive(project):
        return _build(project, options or Options(), on_guide)


def _build(project: Project, options: Options,
           on_guide: Callable[[int, int, GuideResult], None] | None) -> BuildReport:
    started = time.time() - 1  # a margin: file times come from a coarser clock
    timings = Timings()
    with timings.stage("validate"):
        note_first_sight(project)
        content = load_content(project)
    report = BuildReport(problems=list(content.problems), warnings=[str(w) for w in content.warnings],
                         stages=timings.take(), files=content.files)
    report.failed = _failed(content)
    if content.commune is None:
        return report
    _remove_leftovers(project.build_dir)
    content, preview = approvals.split(project, content)  # with approval required: the approved versions
    report.problems, report.failed = list(content.problems), report.failed | _failed(content)
    if content.commune is None:  # what is approved cannot be read: nothing is built, nothing removed
        return report
    manifest = Manifest.load(project.build_dir)
    report.removed = _prune_removed_guides(project, manifest, content.slugs)
    env = template_environment(project)
    try:
        report.built += approvals.adopt_previews(project, env, content, manifest,
                                                 options.engine or content.commune.audio.engine)
        _build_guides(project, env, content, manifest, options, report, on_guide)
        _build_commune_outputs(project, env, content, manifest, report)
        if preview is not None:
            _build_previews(project, env, preview, options, report, on_guide)
        else:
            approvals.drop_previews(project)
    except ContentError as exc:  # the house style, a pictogram or a commune-wide template is broken
        report.problems += exc.problems
    if options.with_audio:
        prune_cache(project.speech_cache_dir, since=started)
    return report


def _failed(content: Content) -> set[str]:
    return {content.files[p.file] for p in content.problems if p.file in content.files}


def _build_previews(project: Project, env: BoundedSandbox, preview: Content, options: Options, report: BuildReport,
                    on_guide: Callable[[int, int, GuideResult], None] | None) -> None:
    """The newest version of each guide not approved yet, in build/.preview/ (its own manifest), every
    printed page marked; no share files, no schedule, no joined PDFs, no catalog."""
    shadow = project.previewing()
    manifest, made = Manifest.load(shadow.build_dir), BuildReport()
    _prune_removed_guides(shadow, manifest, preview.slugs)  # approved since, or gone
    def told(done: int, total: int, result: GuideResult) -> None:
        if on_guide:
            on_guide(done, total, dataclasses.replace(result, part=f"{result.part}, bản chưa duyệt"))
    try:
        _build_guides(shadow, env, preview, manifest, options, made, told)
    finally:
        _save(shadow, manifest)
    report.previews = sorted(preview.guides)
    report.built += [f"{PREVIEW}/{rel}" for rel in made.built]
    report.drafts += made.drafts
    report.problems += made.problems
    report.warnings += made.warnings
    report.failed |= made.failed
    report.stages += made.stages
    report.guides += made.guides
    report.unchanged += made.unchanged


def _build_guides(project: Project, env: BoundedSandbox, content: Content, manifest: Manifest, options: Options,
                  report: BuildReport, on_guide: Callable[[int, int, GuideResult], None] | None) -> None:
    """Make every out-of-date unit, recording each guide in the manifest as it finishes."""
    assert content.commune is not None
    engine = options.engine or content.commune.audio.engine
    jobs, finals, report.unchanged, probed, held = _plan(project, env, content, manifest, engine, options)
    if held:
        report.failed |= set(held)
        lexicon = project.shown(project.content_dir / "lexicon.yaml")
        report.problems.append(Problem(lexicon, 1, "(âm thanh)", f"chưa tạo lại âm thanh của {', '.join(held)} vì "
                                       "từ điển đọc có lỗi; âm thanh cũ được giữ nguyên, hãy sửa các lỗi ở trên rồi "
                                       "tạo lại"))
    report.guides = len({job.slug for job in jobs + finals})
    saved, unsaved = time.monotonic(), bool(report.removed)
    try:
        results = chain(workers.run(project, env, content, engine, probed, jobs, options.jobs),
                        _collect(project, env, content, engine, probed, finals, report, options.jobs))
        for done, result in enumerate(results, 1):
            _take(report, result, manifest)
            unsaved = True
            # The whole manifest is written each time, so at most once a second: a build killed in
            # between only makes again what it finished in that second.
            if time.monotonic() - saved >= MANIFEST_SAVE_INTERVAL:
                _save(project, manifest)
                saved, unsaved = time.monotonic(), False
            if on_guide:
                on_guide(done, len(jobs) + len(finals), result)
    finally:
        if unsaved:
            _save(project, manifest)


def _build_commune_outputs(project: Project, env: BoundedSandbox, content: Content, manifest: Manifest,
                           report: BuildReport) -> None:
    """What the commune's guides make together: the schedule's playlists and wall chart, the results
    charts, the catalog."""
    if content.schedule is not None:
        report.warnings += schedule.build_outputs(project, env, content, manifest)
    outdated = outdated_guides(project, env, content, manifest)  # left by --only, or by a guide that failed
    report.built += _joined_prints(project, env, content, manifest, outdated)
    report.built += resultsbuild.build_outputs(project, content, manifest)
    _save(project, manifest)
    catalog.refresh(project, env, content, manifest, report.problems, outdated)


def refresh_catalog(project: Project) -> None:
    """build/index.html says again which guides are out of date (after the commune's settings were
    saved in the studio); skipped while a build runs, which rewrites it anyway."""
    if not (project.build_dir / COMMUNE_BY_NAME["catalog"].file).is_file():
        return
    try:
        with buildlock.exclusive(project):
            content = approvals.split(project, load_content(project))[0]  # the catalog lists what is published
            if content.commune is None:
                return
            env, manifest = template_environment(project), Manifest.load(project.build_dir)
            catalog.refresh(project, env, content, manifest, content.problems,
                            outdated_guides(project, env, content, manifest))
    except OutreachError:
        return


def _joined_prints(project: Project, env: BoundedSandbox, content: Content, manifest: Manifest,
                   outdated: set[str]) -> list[str]:
    """The joined prints (build/handouts.pdf, build/posters.pdf: one file for one print job), remade
    when one of their pages changed: laid out again and written as one document, so they are tagged as
    each guide's own PDF is. A guide whose pages are out of date is left out until it is made again
    (the catalog says so)."""
    made, ctx = [], None
    for joined in JOINED:
        pages = [f"{slug}/{joined.joins}" for slug in sorted(content.guides)
                 if f"{slug}/{joined.joins}" in manifest.units and slug not in outdated]
        inputs = digest([record.sha256 for page in pages for record in manifest.units[page].files.values()])
        target = project.build_dir / joined.file
        if not pages and joined.key in manifest.units:  # no guide left to print (none approved)
            del manifest.units[joined.key]
            target.unlink(missing_ok=True)
        if not pages or manifest.is_current(joined.key, inputs):
            continue
        ctx = ctx or make_context(project, content, "espeak-ng", {}, env, officer_view=False)  # nothing spoken
        pdf = joined_pages(ctx, BY_NAME[joined.joins], [content.guides[page.split("/")[0]] for page in pages])
        if pdf is None:
            continue
        write_atomic(target, pdf)
        manifest.record(joined.key, UnitRecord(inputs, {joined.file: file_record(target)}))
        made.append(joined.file)
    return made


def _save(project: Project, manifest: Manifest) -> None:
    """Write the manifest if it says anything new (a no-op build writes nothing)."""
    text, target = manifest.text(), project.build_dir / MANIFEST
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        write_atomic(target, text.encode())


def _remove_leftovers(build_dir: Path) -> None:
    """Temp files of a build that was killed: never outputs (those are renamed into place whole)."""
    for leftover in build_dir.glob(LEFTOVERS):
        leftover.unlink(missing_ok=True)


def _prune_removed_guides(project: Project, manifest: Manifest, slugs: set[str]) -> list[str]:
    """Outputs of guides whose YAML was deleted (or that the commune now hides): removed, so no old
    handout or clip is shared by mistake. (A guide that is only invalid keeps its earlier outputs.)"""
    commune = tuple({unit.key.split("/")[0] + "/" for unit in COMMUNE_UNITS if unit.key})
    gone = sorted({key.split("/")[0] for key in manifest.units if not key.startswith(commune)} - slugs)
    for slug in gone:
        for key in [k for k in manifest.units if k.startswith(f"{slug}/")]:
            for rel in manifest.units.pop(key).files:
                (project.build_dir / rel).unlink(missing_ok=True)
        _remove_empty_folders(project.build_dir / slug)
    return gone


def _remove_empty_folders(folder: Path) -> None:
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        if not any(sub.iterdir()):
            sub.rmdir()
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def _plan(project: Project, env: BoundedSandbox, content: Content, manifest: Manifest, engine: str,
          options: Options) -> tuple[list[Job], list[Job], int, dict[str, str | None], list[str]]:
    """The guides' out-of-date units as jobs to run in parallel, then as jobs of the units that
    collect a guide's other outputs (run once those are done); how many units are current; the
    engine probes made; and the guides whose audio is out of date but held back because the lexicon
    has problems (no audio is made from a half-read lexicon)."""
    assert content.commune is not None
    fingerprints = Fingerprints(project, env, content, engine)
    speaker = Speaker.for_build(engine, voicing_for(content.commune.audio, project.root, content.commune.dialect),
                                project.speech_cache_dir, content.lexicon)
    with_audio = options.with_audio and not content.lexicon_broken
    units = units_for(with_audio, options.print_shop, shared=not project.preview)
    voiced = [u.name for u in units_for(True, options.print_shop, shared=not project.preview) if u.voice]
    names = {u.name for u in units}
    jobs, finals, unchanged, held = [], [], 0, []
    for slug, guide in content.guides.items():
        if options.only and slug != options.only:
            continue
        inputs = fingerprints.for_guide(slug, guide, lambda name, hash_: name in names
                                        or manifest.is_current(f"{slug}/{name}", hash_))  # noqa: B023 (called now)
        stale = stale_units(units, slug, inputs, manifest, options.force)
        stale += tuple(u.name for u in units if u.name not in stale
                       and _again_now(manifest.units[f"{slug}/{u.name}"], engine, speaker))
        unchanged += len(units) - len(stale)
        if options.with_audio and not with_audio and (options.force or not all(
                manifest.is_current(f"{slug}/{name}", inputs[name]) for name in voiced)):
            held.append(slug)
        jobs += [Job(slug, guide, part, inputs) for part in _split(tuple(u.name for u in units if u.name in stale))]
        collecting = tuple(u.name for u in units if u.name in stale and u.collects)
        finals += [Job(slug, guide, collecting, inputs)] if collecting else []
    if any(job.sound for job in jobs):
        speaker.best_usable()  # probe once here; workers reuse the answer
    # Sound jobs take longest: started first, the build does not end waiting on one of them.
    jobs.sort(key=lambda job: not job.sound)
    return jobs, finals, unchanged, speaker.probed, held


def _split(stale: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Print and sound of a guide as separate jobs, so one edited guide still keeps two cores busy. A
    unit that shows a voiced unit's outputs (the facilitator sheet lists the clips) goes with them."""
    stale = tuple(name for name in stale if not BY_NAME[name].collects)
    sound = {name for name in stale if BY_NAME[name].voice}
    sound |= {name for name in stale if sound & set(BY_NAME[name].follows)}
    parts = (tuple(n for n in stale if n not in sound), tuple(n for n in stale if n in sound))
    return [part for part in parts if part]


def _again_now(unit: UnitRecord, engine: str, speaker: Speaker) -> bool:
    """A unit current by its inputs that is made again all the same: a draft made offline once `auto`
    finds a better engine (e.g. back online), audio with a take whose note could not be written."""
    return unit.again or unit.draft and engine == "auto" and speaker.best_usable() not in (None, unit.engine)


def _collect(project: Project, env: BoundedSandbox, content: Content, engine: str, probed: dict, finals: list[Job],
             report: BuildReport, jobs: int) -> Iterator[GuideResult]:
    """The units that gather a guide's outputs (its ZIP), once the guide's other jobs are done; not
    for a guide that failed in this build, so they are made again once it is mended."""
    todo = [job for job in finals if job.slug not in report.failed]
    yield from workers.run(project, env, content, engine, probed, todo, jobs)


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
