"""What the last build wrote of a guide, as the editor and the build page show it: the clips to play
(with what the build said of each section's take), the files to open, and the files to send."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from outreach.catalog import SENT, guide_files
from outreach.products import BY_NAME, Unit, bulletin_of, download_name, meeting_clips_of
from outreach.project import Project
from outreach.sidecars import ClipRecord
from outreach.studio import takes


def last_build(project: Project, slug: str) -> dict:
    """The clips to play and the outputs to open, from what the last build wrote."""
    folder = project.build_dir / slug
    spoken, sessions = BY_NAME["broadcast"], BY_NAME["meeting"]
    bulletin, meeting = bulletin_of(project.build_dir, slug), meeting_clips_of(project.build_dir, slug)
    heard: list[tuple[str, ClipRecord, str]] = [(spoken.label, bulletin, spoken.sound_of())] if bulletin else []
    heard += [(f"Buổi họp — {clip.title}", clip, sessions.sound_of(Path(clip.file).stem)) for clip in meeting]
    clips = [_clip(title, record, f"/files/{slug}/{rel}") for title, record, rel in heard if (folder / rel).is_file()]
    present = _present(project, slug)
    # What is sent first, then the rest; an audio unit's file is its sidecar: its clips are listed below.
    made = guide_files(slug, present, SENT) + guide_files(slug, present, ("pdf", "text"))
    outputs = [(label, f"/files/{rel}") for label, rel in made]
    outputs += [(f"{sessions.label}: {clip['title']}", clip["url"]) for clip in clips[1 if bulletin else 0:]]
    return dict(clips=clips, any_draft=any(c["draft"] for c in clips), outputs=outputs,
                take_problems=_take_problems(folder / spoken.file, [r for r in (bulletin, *meeting) if r]))


def _present(project: Project, slug: str) -> Callable[[Unit], bool]:
    """Whether a unit's file of `slug` is in build/ now (the catalog asks the manifest instead)."""
    return lambda unit: (project.build_dir / slug / unit.file_of(slug)).is_file()


def to_send(project: Project, slug: str) -> list[tuple[str, str, str]]:
    """(label, link, download name) of each file of a guide made to be sent, when it is there."""
    return [(label, f"/files/{rel}", download_name(slug, rel.partition("/")[2]))
            for label, rel in guide_files(slug, _present(project, slug), SENT)]


def _clip(title: str, record: ClipRecord, url: str) -> dict:
    seconds = record.duration_seconds
    length = f"{int(seconds // 60)} phút {round(seconds % 60)} giây" if seconds >= 60 else f"{round(seconds)} giây"
    return {"title": title, "url": url, "draft": record.draft, "seconds": length,
            "sections": len(record.sections), "recorded": record.recorded}


def _take_problems(sidecar: Path, records: list[ClipRecord]) -> takes.BuildSays:
    """What the last build said of a section's take, by section id (why it was not used, or why it is
    in doubt), and when that build was."""
    try:
        built_at = sidecar.stat().st_mtime
    except OSError:
        return takes.BuildSays({}, 0.0)
    said = {s.id: "; ".join(filter(None, (s.problem, s.warning))) for record in records for s in record.sections}
    return takes.BuildSays({section: words for section, words in said.items() if words}, built_at)
