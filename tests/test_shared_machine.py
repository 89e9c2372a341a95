"""Safe to share a machine (issue 23): what one commune's template, content file or studio client
can cost the machine every commune shares. Each case is bounded in time and memory and ends in a
Vietnamese message naming the file, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run, starter, write_guide

# A safety net only: the cases below end in seconds; this stops a regression from hanging CI.
HANG = 90


def run_bounded(project: Path, *args: str) -> subprocess.CompletedProcess:
    """The CLI in its own process, so that a case that hangs fails instead of stopping the suite."""
    return subprocess.run([sys.executable, "-m", "outreach", "--project", str(project), *args],
                          capture_output=True, text=True, timeout=HANG)


def out(done: subprocess.CompletedProcess) -> str:
    return done.stdout + done.stderr


def template_with(project: Path, name: str, snippet: str) -> None:
    """The project's template `name` with `snippet` at the start of its body."""
    path = project / "templates" / name
    path.write_text(path.read_text(encoding="utf-8").replace("{% block body %}", "{% block body %}" + snippet, 1),
                    encoding="utf-8")


# --- What WeasyPrint opens -----------------------------------------------------------------------

def test_the_fetcher_refuses_a_fifo_and_a_huge_sparse_file_without_reading_them(tmp_path):
    from outreach.fetcher import ConfinedFetcher
    os.mkfifo(tmp_path / "pipe.png")
    with open(tmp_path / "sparse.png", "wb") as sparse:
        sparse.truncate(2 * 1024 ** 3)  # 2 GB of zero bytes that take no disk
    (tmp_path / "folder.svg").mkdir()
    fetcher = ConfinedFetcher([tmp_path])
    with pytest.raises(ValueError, match="không phải tệp thường"):
        fetcher.fetch((tmp_path / "pipe.png").as_uri())
    with pytest.raises(ValueError, match="tệp quá lớn"):
        fetcher.fetch((tmp_path / "sparse.png").as_uri())
    with pytest.raises(ValueError, match="không phải tệp thường"):
        fetcher.fetch((tmp_path / "folder.svg").as_uri())


def test_a_template_linking_a_fifo_in_the_project_does_not_hang_the_build(project):
    write_guide(project, "thu-tuc", starter(project))
    os.mkfifo(project / "content" / "pipe.png")
    template_with(project, "poster.html.j2", f'<img src="{(project / "content" / "pipe.png").as_uri()}">')
    done = run_bounded(project, "build", "--no-audio")
    assert "Traceback" not in out(done)
    assert "không phải tệp thường" in out(done)
    assert (project / "build" / "thu-tuc" / "poster.pdf").is_file()


# --- The templates' image() ----------------------------------------------------------------------

SVG = b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><text>SECRET-OUTSIDE</text></svg>"


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink", "missing"])
def test_image_in_a_template_cannot_embed_or_probe_a_file_outside_content(project, tmp_path, how):
    outside = tmp_path / "outside.svg"
    outside.write_bytes(SVG)
    (project / "content" / "images").mkdir()
    (project / "content" / "images" / "link.svg").symlink_to(outside)
    named = {"absolute": str(outside), "dotdot": "../../outside.svg", "symlink": "images/link.svg",
             "missing": str(tmp_path / "nothing-here.svg")}[how]
    write_guide(project, "thu-tuc", starter(project))
    template_with(project, "poster.html.j2", f"<img src=\"{{{{ image('{named}') }}}}\">")
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    assert "mẫu trình bày gọi image(" in result.output
    assert "Traceback" not in result.output
    # the same answer for a file that exists and one that does not: nothing learnt about the disk
    assert "không tìm thấy" not in result.output
    assert not (project / "build" / "thu-tuc" / "poster.pdf").exists()
    assert (project / "build" / "thu-tuc" / "handout.pdf").is_file()


# --- Pasted characters that reorder text ---------------------------------------------------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidirectional_controls_never_reach_the_bulletin_the_sms_or_the_catalog(project):
    text = starter(project).replace("title: Đăng ký khai sinh", "title: Đăng ký \u202ekhai sinh\u202c\u2066\u2069")
    text = text.replace("Miễn lệ phí", "Miễn\u2067 lệ phí\u2069\u202b")
    write_guide(project, "thu-tuc", text)
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 0, result.output
    for name in ("thu-tuc/sms.txt", "thu-tuc/broadcast.txt", "index.html"):
        made = (project / "build" / name).read_text(encoding="utf-8")
        assert not set(made) & set(BIDI), name
    assert "Đăng ký khai sinh" in (project / "build" / "thu-tuc" / "sms.txt").read_text(encoding="utf-8")


def test_a_second_build_names_the_project_folder_not_a_dot(project, monkeypatch):
    import fcntl

    from outreach import buildlock
    write_guide(project, "tot", starter(project, "tot"))
    (project / "build" / ".cache").mkdir(parents=True)
    monkeypatch.setattr(buildlock, "LOCK_WAIT", 0.2)
    with open(project / "build" / buildlock.LOCK_FILE, "w") as first:
        fcntl.flock(first, fcntl.LOCK_EX)
        result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    assert f"đang chạy trong dự án {project.resolve()};" in result.output
