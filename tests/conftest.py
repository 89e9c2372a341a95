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


# What an officer writes over each placeholder of the starter (templates/new-guide.yaml.j2).
FILLED = {
    'code: "1.000000"': 'code: "1.001193"',
    "SỬA tên thủ tục": "Đăng ký khai sinh",
    "SỬA lĩnh vực": "Hộ tịch",
    "SỬA cơ quan thực hiện": "Ủy ban nhân dân xã An Viễn",
    "SỬA ai cần làm thủ tục này, viết một câu ngắn.": "Cha, mẹ hoặc người thân đi khai sinh cho em bé mới sinh.",
    "SỬA tên giấy tờ": "Giấy chứng sinh",
    "SỬA tên mẫu đơn (xóa dòng này nếu không có mẫu)": "Tờ khai đăng ký khai sinh",
    "SỬA cách tìm dịch vụ và điền tờ khai trực tuyến.": "Tìm dịch vụ Đăng ký khai sinh, điền tờ khai rồi bấm Gửi.",
    "SỬA cách nhận kết quả (trên mạng, qua bưu điện hoặc tại Bộ phận Một cửa).":
        "Nhận Giấy khai sinh qua bưu điện hoặc tại Bộ phận Một cửa của xã.",
    "SỬA thời hạn giải quyết": "Ngay trong ngày làm việc",
    "SỬA phí, lệ phí (chép nguyên văn, kể cả trường hợp được miễn)": "Miễn lệ phí",
    "SỬA kết quả người dân nhận được": "Giấy khai sinh",
    "SỬA số ký hiệu văn bản": "123/2015/NĐ-CP",
    "SỬA trích yếu văn bản": "Nghị định quy định chi tiết Luật Hộ tịch",
}


def unedited_starter(project: Path, slug: str = "thu-tuc") -> str:
    """The text `outreach new` writes, placeholders and all."""
    assert run(project, "new", slug).exit_code == 0
    return (project / "content" / "guides" / f"{slug}.yaml").read_text(encoding="utf-8")


def starter(project: Path, slug: str = "thu-tuc") -> str:
    """A starter guide with every placeholder filled in as an officer would (it validates); it is
    written to content/guides/SLUG.yaml and its text returned."""
    text = unedited_starter(project, slug)
    for placeholder, value in FILLED.items():
        assert placeholder in text, placeholder
        text = text.replace(placeholder, value)
    write_guide(project, slug, text)
    return text


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
