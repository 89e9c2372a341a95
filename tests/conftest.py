"""Shared fixtures: small projects in temp folders, built with the real templates and engines."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import main

REPO = Path(__file__).resolve().parent.parent


def copy_project(dest: Path, guides: bool) -> Path:
    """A project folder with the repo's templates and commune.yaml (and sample guides if asked)."""
    shutil.copytree(REPO / "templates", dest / "templates")
    (dest / "content" / "guides").mkdir(parents=True)
    shutil.copy(REPO / "content" / "commune.yaml", dest / "content" / "commune.yaml")
    if guides:
        shutil.copytree(REPO / "content" / "guides", dest / "content" / "guides", dirs_exist_ok=True)
        for extra in (REPO / "content").iterdir():
            if extra.is_dir() and extra.name != "guides":
                shutil.copytree(extra, dest / "content" / extra.name)
    return dest


def run(project: Path, *args: str):
    """Run the CLI as an officer would, in `project`; returns click's Result."""
    return CliRunner().invoke(main, ["--project", str(project), *args], catch_exceptions=False)


def write_guide(project: Path, slug: str, text: str | bytes) -> Path:
    path = project / "content" / "guides" / f"{slug}.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def starter(project: Path, slug: str = "thu-tuc") -> str:
    """The text of a fresh starter guide (which validates as is)."""
    assert run(project, "new", slug).exit_code == 0
    return (project / "content" / "guides" / f"{slug}.yaml").read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def tool(*args: str) -> str:
    """Output of a poppler/zbar command; fails the test if the tool fails."""
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def ffmpeg_loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) as ffmpeg's own ebur128 meter reads a file: the reference
    the tool's faster meter is checked against."""
    report = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true",
                             "-f", "null", "-"], check=True, capture_output=True, text=True).stderr
    summary = report[report.rindex("Summary:"):]
    return (float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1)),
            float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1)))


def duration_seconds(path: Path) -> float:
    """Length of an audio file as ffprobe reads it."""
    done = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                           str(path)], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


@pytest.fixture(autouse=True)
def no_viettel_key(monkeypatch):
    """A developer's own Viettel AI key must not make the tests call Viettel (tests set the stand-in's)."""
    monkeypatch.delenv("VIETTEL_TTS_TOKEN", raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with the commune settings and no guide yet."""
    return copy_project(tmp_path / "commune", guides=False)


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """The bundled sample guides' printed products, built once for the whole session."""
    root = copy_project(tmp_path_factory.mktemp("samples"), guides=True)
    result = run(root, "build", "--no-audio")
    assert result.exit_code == 0, result.output
    return root


def sample_slugs() -> list[str]:
    return sorted(p.stem for p in (REPO / "content" / "guides").glob("*.yaml"))
