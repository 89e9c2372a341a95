"""Make the out-of-date units of one guide. Runs in a worker process; returns what it made."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from outreach import assets, script, sms, timing
from outreach.atomic import staging, write_atomic
from outreach.content import Content
from outreach.project import Project
from outreach.errors import DoesNotFit, Problem, SpeechError
from outreach.manifest import UnitRecord, file_record
from outreach.model import Guide
from outreach.pdf import render_pdf
from outreach.plan import AUDIO_UNITS, Job
from outreach.render import FACILITATOR, PRODUCTS, Product, render_html, template_environment
from outreach.sound.speech import Clip, Speaker, speaker_for
from outreach.yamlsource import WHOLE_FILE

LONGEST_BULLETIN = 180  # seconds: residents stop listening to a loudspeaker after about three minutes


@dataclass
class Context:
    """What every job of a build shares; made once per worker process."""

    project: Project
    content: Content
    env: jinja2.Environment
    speaker: Speaker
    pdf_reuse: dict = field(default_factory=dict)  # fonts and images WeasyPrint keeps between renders


@dataclass
class GuideResult:
    slug: str
    part: str = "bản in"  # or "âm thanh": print and sound of a guide are built as separate jobs
    units: dict[str, UnitRecord] = field(default_factory=dict)
    drafts: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stages: Counter = field(default_factory=Counter)

    @property
    def built(self) -> list[str]:
        return [rel for unit in self.units.values() for rel in unit.files]


def make_context(project: Project, content: Content, engine: str, probed: dict[str, str | None]) -> Context:
    commune = content.commune
    speaker = speaker_for(project.root, project.build_dir / ".cache" / "speech", commune.audio, commune.dialect,
                          content.lexicon, engine, probed)
    return Context(project, content, template_environment(project), speaker)


def build_guide(ctx: Context, job: Job) -> GuideResult:
    """Build `job.units` of one guide; a unit is reported only once all its files are in place."""
    result = GuideResult(job.slug, "âm thanh" if set(job.units) & set(AUDIO_UNITS) else "bản in")
    timing.take()
    folder = ctx.project.build_dir / job.slug
    for product in PRODUCTS:
        if product.name in job.units:
            _attempt(ctx, result, lambda: _pdf_unit(ctx, job, product, folder, result))
        if f"print-{product.name}" in job.units:
            _attempt(ctx, result, lambda: _pdf_unit(ctx, job, product, folder / "print", result, print_shop=True))
    if "sms" in job.units:
        _attempt(ctx, result, lambda: _sms_unit(ctx, job, folder, result))
    if {"broadcast-text", *AUDIO_UNITS} & set(job.units):
        _attempt(ctx, result, lambda: _scripts_and_audio(ctx, job, folder, result))
    if FACILITATOR.name in job.units:
        _attempt(ctx, result, lambda: _facilitator_unit(ctx, job, folder, result))
    result.stages = timing.take()
    return result


def _attempt(ctx: Context, result: GuideResult, make) -> None:
    """Run one unit's `make`; a failure becomes a problem of this guide and the next unit goes on."""
    guide_file = ctx.project.shown(ctx.project.guides_dir / f"{result.slug}.yaml")
    try:
        make()
    except DoesNotFit as exc:
        result.problems.append(Problem(guide_file, 1, WHOLE_FILE, f"nội dung quá dài cho {exc.product}.pdf (cần "
                                       f"{exc.pages} trang, chỉ được 1); hãy rút gọn các bước hoặc danh sách giấy tờ"))
    except jinja2.TemplateError as exc:
        result.problems.append(template_problem(ctx.project, exc))
    except SpeechError as exc:  # an engine or ffmpeg failed
        result.problems.append(Problem(guide_file, 1, "(âm thanh)", f"không tạo được âm thanh: {exc}"))


def _pdf_unit(ctx: Context, job: Job, product: Product, folder: Path, result: GuideResult,
              print_shop: bool = False) -> None:
    pdf, warnings = render_product(ctx, product, job.guide, print_shop=print_shop)
    target = _write(folder / f"{product.name}.pdf", pdf)
    _record(ctx, result, job, f"print-{product.name}" if print_shop else product.name, [target])
    result.warnings += [f"{ctx.project.shown(target)}: {w}" for w in warnings]


def _facilitator_unit(ctx: Context, job: Job, folder: Path, result: GuideResult) -> None:
    """Notes for a meeting leader; they list the meeting clips with their durations when built."""
    try:
        clips = json.loads((folder / "meeting" / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        clips = []
    pdf, warnings = render_product(ctx, FACILITATOR, job.guide, clips)
    target = _write(folder / f"{FACILITATOR.name}.pdf", pdf)
    _record(ctx, result, job, FACILITATOR.name, [target])
    result.warnings += [f"{ctx.project.shown(target)}: {w}" for w in warnings]


def _sms_unit(ctx: Context, job: Job, folder: Path, result: GuideResult) -> None:
    text, warnings = sms.sms_text(sms.notices(ctx.env, job.guide, ctx.content.commune))
    target = _write(folder / "sms.txt", text.encode("utf-8"))
    _record(ctx, result, job, "sms", [target])
    result.warnings += [f"{ctx.project.shown(target)}: {w}" for w in warnings]


def render_product(ctx: Context, product: Product, guide: Guide, clips: list[dict] | None = None,
                   print_shop: bool = False) -> tuple[bytes, list[str]]:
    """PDF bytes of one product and WeasyPrint's warnings about it."""
    project = ctx.project
    roots = [project.content_dir, project.templates_dir, assets.FONT_DIR]
    try:
        return render_pdf(lambda scale: render_html(ctx.env, project, product, guide, ctx.content.commune, scale,
                                                    clips),
                          project.templates_dir, roots, one_page=product.one_page, print_shop=print_shop,
                          reuse=ctx.pdf_reuse, first_scale=product.first_scale)
    except DoesNotFit as exc:
        raise DoesNotFit(exc.pages, product.name) from None


def _scripts_and_audio(ctx: Context, job: Job, folder: Path, result: GuideResult) -> None:
    commune = ctx.content.commune
    bulletin = script.bulletin(ctx.env, job.guide, commune)
    if "broadcast-text" in job.units:
        _record(ctx, result, job, "broadcast-text", [_write(folder / "broadcast.txt", bulletin.text.encode())])
    requests = []
    if "broadcast" in job.units:
        requests.append((bulletin, folder / "broadcast.mp3", True))
    meeting = script.meeting_clips(ctx.env, job.guide, commune) if "meeting" in job.units else []
    requests += [(part, folder / "meeting" / f"{part.name}.mp3", False) for part in meeting]
    clips = _speak(ctx, requests)
    if "broadcast" in job.units:
        clip, clips = clips[0], clips[1:]
        sidecar = _write(folder / "broadcast.json", _json({
            "title": job.guide.title, "slug": job.slug, "priority": job.guide.priority or commune.audio.priority,
            "speed": commune.audio.speed, **_clip_entry(clip)}))
        _record(ctx, result, job, "broadcast", [clip.path, sidecar], [clip])
        if clip.seconds > LONGEST_BULLETIN:
            minutes, seconds = divmod(round(clip.seconds), 60)
            result.warnings.append(f"{ctx.project.shown(clip.path)}: bản tin dài {minutes} phút {seconds} giây; "
                                   "bản tin loa nên dưới 3 phút, hãy rút gọn lời các bước hoặc danh sách giấy tờ")
    if "meeting" in job.units:
        index = _write(folder / "meeting" / "index.json", _json([_clip_entry(c) for c in clips]))
        _remove_stale_clips(folder / "meeting", {c.path.name for c in clips})
        _record(ctx, result, job, "meeting", [c.path for c in clips] + [index], clips)


def _record(ctx: Context, result: GuideResult, job: Job, unit: str, paths: list[Path],
            clips: list[Clip] = ()) -> None:
    result.units[unit] = UnitRecord(
        job.inputs[unit], {p.relative_to(ctx.project.build_dir).as_posix(): file_record(p) for p in paths},
        engine=clips[0].engine if clips else None, draft=any(c.draft for c in clips))
    result.drafts += [c.path for c in clips if c.draft]


def _speak(ctx: Context, requests: list[tuple[script.Script, Path, bool]]) -> list[Clip]:
    """Make every MP3 beside its target, then rename each into place (a failure leaves the old ones)."""
    staged = [(spoken, staging(target), chime) for spoken, target, chime in requests]
    try:
        clips = ctx.speaker.speak_many(staged) if staged else []
        for (_, target, _), (_, tmp, _) in zip(requests, staged):
            os.replace(tmp, target)
    finally:
        for _, tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return [dataclasses.replace(clip, path=target) for clip, (_, target, _) in zip(clips, requests)]


def _remove_stale_clips(folder: Path, keep: set[str]) -> None:
    """Clips of steps that were renamed or removed would otherwise be played at meetings."""
    for old in folder.glob("*.mp3"):
        if old.name not in keep:
            old.unlink()


def _clip_entry(clip: Clip) -> dict:
    return {"file": clip.path.name, "title": clip.title, "duration_seconds": round(clip.seconds, 1), "engine": clip.engine,
            "voice": clip.voice, "draft": clip.draft, "loudness_lufs": round(clip.lufs, 1),
            "true_peak_dbtp": round(clip.true_peak, 1), "text": clip.reading,
            "sha256": hashlib.sha256(clip.path.read_bytes()).hexdigest()}


def _json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def template_problem(project: Project, exc: jinja2.TemplateError) -> Problem:
    name = getattr(exc, "filename", None) or getattr(exc, "name", None)
    shown = project.shown(Path(name)) if name else "templates"
    return Problem(shown, getattr(exc, "lineno", None) or 1, "(mẫu)", f"lỗi trong mẫu trình bày: {exc.message}")


def _write(target: Path, data: bytes) -> Path:
    write_atomic(target, data)
    return target
