"""Build orchestration: valid guides → build/<slug>/ (PDFs, scripts, audio), written atomically;
problems collected, never raised."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from outreach import assets, script
from outreach.audio import AudioError
from outreach.content import Project, load_content
from outreach.errors import Problem
from outreach.model import Commune, Guide
from outreach.engines import SpeechError
from outreach.pdf import DoesNotFit, render_pdf
from outreach.render import PRODUCTS, Product, render_html, template_environment
from outreach.speech import Clip, Speaker, speaker_for
from outreach.yamlsource import WHOLE_FILE


LONGEST_BULLETIN = 180  # seconds: residents stop listening to a loudspeaker after about three minutes


@dataclass
class BuildReport:
    built: list[Path] = field(default_factory=list)
    drafts: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    guides: int = 0


def build(project: Project, only: str | None = None, engine: str | None = None,
          with_audio: bool = True) -> BuildReport:
    """Build every valid guide (or just `only`); invalid ones are reported and their old outputs kept."""
    content = load_content(project)
    report = BuildReport(problems=list(content.problems))
    commune = content.commune
    if commune is None:
        return report
    guides = content.guides
    if only is not None:
        guides = {only: guides[only]} if only in guides else {}
    env = template_environment(project)
    speaker = speaker_for(project.root, project.build_dir / ".cache" / "speech", commune.audio,
                          commune.dialect, content.lexicon, engine or commune.audio.engine)
    for slug, guide in guides.items():
        report.guides += 1
        for product in PRODUCTS:
            _build_product(project, env, product, slug, guide, commune, report)
        _build_scripts_and_audio(project, env, speaker if with_audio else None, slug, guide, commune, report)
    return report


def _build_scripts_and_audio(project: Project, env: jinja2.Environment, speaker: Speaker | None, slug: str,
                             guide: Guide, commune: Commune, report: BuildReport) -> None:
    """broadcast.txt always; broadcast.mp3 + .json and the meeting clips when audio is on."""
    folder = project.build_dir / slug
    try:
        bulletin = script.bulletin(env, guide, commune)
        clips = script.meeting_clips(env, guide, commune)
    except jinja2.TemplateError as exc:
        report.problems.append(_template_problem(project, exc))
        return
    _write(report, folder / "broadcast.txt", bulletin.text.encode("utf-8"))
    if speaker is None:
        return
    try:
        made = _speak_into(report, speaker, bulletin, folder / "broadcast.mp3", chime=True)
        _write(report, folder / "broadcast.json", broadcast_sidecar(slug, guide, commune, made))
        if made.seconds > LONGEST_BULLETIN:
            minutes, seconds = divmod(round(made.seconds), 60)
            report.warnings.append(f"{project.shown(made.path)}: bản tin dài {minutes} phút {seconds} giây; bản tin "
                                   "loa nên dưới 3 phút, hãy rút gọn lời các bước hoặc danh sách giấy tờ")
        index = [_clip_entry(_speak_into(report, speaker, clip, folder / "meeting" / f"{clip.name}.mp3", chime=False))
                 for clip in clips]
        _write(report, folder / "meeting" / "index.json", _json(index))
    except (SpeechError, AudioError) as exc:
        guide_file = project.shown(project.guides_dir / f"{slug}.yaml")
        report.problems.append(Problem(guide_file, 1, "(âm thanh)", f"không tạo được âm thanh: {exc}"))


def _speak_into(report: BuildReport, speaker: Speaker, spoken: script.Script, target: Path, chime: bool) -> Clip:
    """Make the MP3 beside `target`, then rename it into place (a failure leaves the old one)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        clip = speaker.speak(spoken, staged, chime)
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
    report.built.append(target)
    if clip.draft:
        report.drafts.append(target)
    return dataclasses.replace(clip, path=target)


def _write(report: BuildReport, target: Path, data: bytes) -> None:
    write_atomic(target, data)
    report.built.append(target)


def broadcast_sidecar(slug: str, guide: Guide, commune: Commune, clip: Clip) -> bytes:
    """broadcast.json: what a loudspeaker platform asks for when a bulletin is uploaded."""
    return _json({
        "title": guide.title,
        "slug": slug,
        "priority": guide.priority or commune.audio.priority,
        "speed": commune.audio.speed,
        **_clip_entry(clip),
    })


def _clip_entry(clip: Clip) -> dict:
    return {"file": clip.path.name, "duration_seconds": round(clip.seconds, 1), "engine": clip.engine,
            "voice": clip.voice, "draft": clip.draft, "loudness_lufs": clip.lufs,
            "true_peak_dbtp": clip.true_peak, "text": clip.reading,
            "sha256": hashlib.sha256(clip.path.read_bytes()).hexdigest()}


def _json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _build_product(project: Project, env: jinja2.Environment, product: Product, slug: str,
                   guide: Guide, commune: Commune, report: BuildReport) -> None:
    target = project.build_dir / slug / f"{product.name}.pdf"
    guide_file = project.shown(project.guides_dir / f"{slug}.yaml")
    try:
        pdf, warnings = render_product(project, env, product, guide, commune)
    except DoesNotFit as exc:
        report.problems.append(Problem(guide_file, 1, WHOLE_FILE,
                                       f"nội dung quá dài cho {product.name}.pdf (cần {exc.args[0]} trang, chỉ được 1); "
                                       "hãy rút gọn các bước hoặc danh sách giấy tờ"))
        return
    except jinja2.TemplateError as exc:
        report.problems.append(_template_problem(project, exc))
        return
    write_atomic(target, pdf)
    report.built.append(target)
    report.warnings += [f"{project.shown(target)}: {w}" for w in warnings]


def render_product(project: Project, env: jinja2.Environment, product: Product, guide: Guide,
                   commune: Commune) -> tuple[bytes, list[str]]:
    """PDF bytes of one product and WeasyPrint's warnings about it."""
    roots = [project.content_dir, project.templates_dir, assets.FONT_DIR]
    return render_pdf(lambda scale: render_html(env, project, product, guide, commune, scale),
                      project.templates_dir, roots, product.one_page)


def _template_problem(project: Project, exc: jinja2.TemplateError) -> Problem:
    name = getattr(exc, "filename", None) or getattr(exc, "name", None) or "templates"
    shown = project.shown(Path(name)) if name != "templates" else name
    return Problem(shown, getattr(exc, "lineno", None) or 1, "(mẫu)", f"lỗi trong mẫu trình bày: {exc.message}")


def write_atomic(target: Path, data: bytes) -> None:
    """Write through a temp file in the same folder, then rename: never a half-written output."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are meant to be shared and printed
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
