"""Make the out-of-date units of one guide, each through its maker in products.UNITS. Runs in a
worker process; returns what it made. Whatever goes wrong in one unit fails that unit of that guide,
with a message naming the guide, the output and the cause; the other units and guides go on."""

from __future__ import annotations

import errno
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from outreach.content import Content
from outreach.errors import ContentError, DoesNotFit, OutreachError, Problem
from outreach.manifest import UnitRecord, file_record
from outreach.model import Guide
from outreach.plan import Job
from outreach.products import BY_NAME, Context, Made, Unit
from outreach.project import Project
from outreach.sound import hearing
from outreach.sound.engines import voicing_for
from outreach.sound.speech import Speaker
from outreach.templating import BoundedSandbox, template_environment
from outreach.timing import Timings
from outreach.yamlsource import WHOLE_FILE


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


def make_context(project: Project, content: Content, engine: str, probed: dict[str, str | None],
                 env: BoundedSandbox | None = None, officer_view: bool = True) -> Context:
    """What the units of a build need, made once per build and process (`env`: the build's own
    template environment, when it runs in this process). A build makes residents' prints
    (`officer_view=False`); the studio's preview is the officer's view."""
    assert content.commune is not None
    timings = Timings()
    settings = voicing_for(content.commune.audio, project.root, content.commune.dialect)
    speaker = Speaker.for_build(engine, settings, project.speech_cache_dir, content.lexicon, probed, timings,
                                hearing.installed())
    return Context(project, content, content.commune, env or template_environment(project), speaker, timings,
                   officer_view=officer_view)


def build_guide(ctx: Context, job: Job) -> GuideResult:
    """Build `job.units` of one guide; a unit is reported only once all its files are in place."""
    result = GuideResult(job.slug, "âm thanh" if job.sound else "bản in")
    ctx.timings.take()
    folder = ctx.project.build_dir / job.slug
    failed: set[str] = set()
    for batch in _batches([BY_NAME[name] for name in job.units]):
        if any(failed & set(unit.after) for unit in batch):  # what it shows could not be made
            failed |= {unit.name for unit in batch}
            continue
        made = _attempt(ctx, job, result, batch, folder)
        failed |= {unit.name for unit in batch} - set(made)
        for unit in batch:
            if unit.name in made:
                _record(ctx, result, job, unit.name, made[unit.name])
    result.stages = ctx.timings.take()
    return result


def _batches(units: list[Unit]) -> list[list[Unit]]:
    """The units in table order, each made alone but the voiced ones: those are spoken in one
    batch (a section the bulletin and a meeting clip share is made once, one ffmpeg run shapes all)."""
    voiced = [u for u in units if u.voice]
    batches: list[list[Unit]] = []
    for unit in units:
        if not unit.voice:
            batches.append([unit])
        elif unit is voiced[0]:
            batches.append(voiced)
    return batches


def _attempt(ctx: Context, job: Job, result: GuideResult, units: list[Unit], folder: Path) -> dict[str, Made]:
    """Make `units`; any failure becomes a problem of this guide naming the outputs and the cause."""
    try:
        made = units[0].make(ctx, job.guide, folder, units)
    except ContentError as exc:  # a template that fails or runs away: at its own file and line
        result.problems += exc.problems
    except DoesNotFit as exc:
        result.problems.append(Problem(ctx.content.file_of(ctx.project, job.slug), 1, WHOLE_FILE,
                                       too_long(units[0].file, exc, job.guide)))
    except Exception as exc:
        files = ", ".join(f"{job.slug}/{unit.file_of(job.slug)}" for unit in units)
        result.problems.append(Problem(ctx.content.file_of(ctx.project, job.slug), 1, _key(units),
                                       f"không tạo được {files}: {cause(exc)}"))
    else:
        for m in made.values():
            result.warnings += m.warnings
        return made
    return {}


def _key(units: list[Unit]) -> str:
    return "(âm thanh)" if any(u.voice for u in units) else WHOLE_FILE


def too_long(file: str, exc: DoesNotFit, guide: Guide) -> str:
    """Why a one-page product does not fit, by how much, and where to cut."""
    longest = sorted(((len(json.dumps(value, ensure_ascii=False)), key) for key, value in
                      guide.model_dump(mode="json", include=set(PRINTED_PARTS)).items() if value), reverse=True)[:3]
    parts = ", ".join(f"{key} ({size} ký tự)" for size, key in longest)
    return (f"nội dung quá dài cho {file} (cần {exc.pages} trang, chỉ được 1; ở cỡ chữ nhỏ nhất vẫn thừa khoảng "
            f"{exc.overflow_mm} mm); phần dài nhất: {parts}; hãy rút gọn các phần đó")


# What the one-page handout prints of a guide, by key, for naming the longest parts.
PRINTED_PARTS = ("promise", "documents", "steps", "processing_time", "fee", "result", "conditions", "key_messages",
                 "legal_basis", "agency", "audience")


def cause(exc: BaseException) -> str:
    """What went wrong, in words an officer can act on."""
    if isinstance(exc, OutreachError):
        return exc.format_message()
    if isinstance(exc, OSError):
        return _os_cause(exc)
    return f"lỗi không mong đợi ({type(exc).__name__}: {exc})"


def _os_cause(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"ổ đĩa đã đầy{where}; hãy giải phóng chỗ trống rồi chạy lại"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"không có quyền ghi{where}; hãy kiểm tra quyền của thư mục build/"
    if isinstance(exc, FileNotFoundError):
        return f"không tìm thấy tệp{where}; có thể một lần tạo khác đang chạy cùng lúc"
    return f"lỗi đọc/ghi tệp{where}: {exc.strerror or exc}"


def _record(ctx: Context, result: GuideResult, job: Job, unit: str, made: Made) -> None:
    clips = made.clips
    result.units[unit] = UnitRecord(
        job.inputs[unit], {p.relative_to(ctx.project.build_dir).as_posix(): file_record(p) for p in made.paths},
        engine=clips[0].engine if clips else None, draft=any(c.draft for c in clips), again=made.again)
    result.drafts += [c.path for c in clips if c.draft]
