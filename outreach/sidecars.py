"""What a build says about its clips, beside them: the bulletin's sidecar and the meeting clips'
index (their file names are the unit table's, products.UNITS). One record per kind, one way to write
it and one to read it back: the catalog, the schedule, the studio and the facilitator sheet read
records, never dictionaries by key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

# A bulletin's sidecar is a few kilobytes; far more is not one we wrote (reading stops there).
MAX_SIDECAR_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class SectionRecord:
    """One section of a clip as heard: who voiced it, and what the officer should know of its take."""

    id: str
    text: str
    source: str                     # an engine's name, or "recording" for the officer's take
    duration_seconds: float
    problem: str | None = None      # why the officer's take of it was not used
    warning: str | None = None      # what is in doubt about the take that is used


@dataclass(frozen=True)
class ClipRecord:
    """One MP3 that was made: a meeting clip (meeting/index.json lists them)."""

    file: str
    title: str
    duration_seconds: float
    engine: str
    voice: str
    draft: bool
    loudness_lufs: float
    true_peak_dbtp: float
    text: str
    sections: tuple[SectionRecord, ...]
    sha256: str

    @property
    def recorded(self) -> int:
        """How many of its sections are the officer's voice."""
        return sum(section.source == RECORDING for section in self.sections)


@dataclass(frozen=True)
class BulletinRecord(ClipRecord):
    """The bulletin (broadcast.json): a clip, and what a schedule needs of it."""

    slug: str = ""
    priority: str = ""
    speed: float = 1.0


RECORDING = "recording"  # a section's source when the officer's take voices it
_BULLETIN = TypeAdapter(BulletinRecord)
_CLIPS = TypeAdapter(list[ClipRecord])


def bulletin_json(record: BulletinRecord) -> bytes:
    return _BULLETIN.dump_json(record, indent=2, exclude_none=True) + b"\n"


def clips_json(records: list[ClipRecord]) -> bytes:
    return _CLIPS.dump_json(records, indent=2, exclude_none=True) + b"\n"


def read_bulletin(path: Path) -> BulletinRecord | None:
    """The bulletin's record, or None when it is missing or damaged (an older or broken build)."""
    data = _read(path)
    try:
        return _BULLETIN.validate_json(data) if data else None
    except ValidationError:
        return None


def read_clips(path: Path) -> list[ClipRecord]:
    """The meeting clips' records, or [] when the index is missing or damaged."""
    data = _read(path)
    try:
        return _CLIPS.validate_json(data) if data else []
    except ValidationError:
        return []


def _read(path: Path) -> bytes | None:
    try:
        with path.open("rb") as sidecar:
            return sidecar.read(MAX_SIDECAR_BYTES + 1) or None
    except OSError:
        return None
