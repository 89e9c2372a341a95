"""build/manifest.json: for every output unit, the hash of all that shaped it and the files it made.

A unit is up to date when its inputs hash is unchanged and each of its files is still there with the
size and mtime it was recorded with (cheap to check: a no-op build reads no output file).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from outreach import __version__

MANIFEST = "manifest.json"


@dataclass
class FileRecord:
    sha256: str
    size: int
    mtime_ns: int


@dataclass
class UnitRecord:
    """One unit of output (a PDF, the bulletin, the meeting clips) as it was last built."""

    inputs: str
    files: dict[str, FileRecord] = field(default_factory=dict)  # path relative to build/
    engine: str | None = None
    draft: bool = False
    again: bool = False  # made again at the next build however current (a take of it could not be noted)


def digest(*parts) -> str:
    """A stable hash of JSON-able parts."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def file_record(path: Path) -> FileRecord:
    stat = path.stat()
    return FileRecord(hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_size, stat.st_mtime_ns)


class Manifest:
    def __init__(self, build_dir: Path):
        self.build_dir = build_dir
        self.units: dict[str, UnitRecord] = {}

    @classmethod
    def load(cls, build_dir: Path) -> Manifest:
        """The recorded state; a missing, old or damaged manifest means everything is rebuilt."""
        manifest = cls(build_dir)
        try:
            data = json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))
            if data.get("outreach") == __version__:
                manifest.units = {
                    key: UnitRecord(unit["inputs"], {p: FileRecord(**f) for p, f in unit["files"].items()},
                                    unit.get("engine"), unit.get("draft", False), unit.get("again", False))
                    for key, unit in data["units"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return manifest

    def is_current(self, key: str, inputs: str) -> bool:
        unit = self.units.get(key)
        return unit is not None and unit.inputs == inputs and all(
            _unchanged(self.build_dir / rel, record) for rel, record in unit.files.items())

    def record(self, key: str, unit: UnitRecord) -> None:
        self.units[key] = unit

    def text(self) -> str:
        return json.dumps({"outreach": __version__, "units": {k: asdict(v) for k, v in sorted(self.units.items())}},
                          ensure_ascii=False, indent=1) + "\n"


def _unchanged(path: Path, record: FileRecord) -> bool:
    try:
        stat = path.stat()
    except OSError:
        return False
    return stat.st_size == record.size and stat.st_mtime_ns == record.mtime_ns
