"""Templates are code a commune edits: what a hostile or broken one gets, and where built-in ones come from."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, run, starter, tool, write_guide
from outreach import templating
from outreach.limitedproc import MB, Exhausted, LimitedWorker


def guide_project(project: Path) -> Path:
    write_guide(project, "thu-tuc", starter(project))
    return project


def poster_with(project: Path, snippet: str) -> None:
    poster = project / "templates" / "poster.html.j2"
    poster.write_text(poster.read_text(encoding="utf-8").replace("{% block body %}", "{% block body %}" + snippet, 1),
                      encoding="utf-8")


def test_a_template_cannot_run_commands_or_reach_python_internals(project, tmp_path):
    guide_project(project)
    marker = tmp_path / "pwned"
    poster_with(project, f"{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}")
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    assert not marker.exists()
    assert "templates/poster.html.j2:" in result.output and "lỗi trong mẫu trình bày" in result.output
    assert (project / "build" / "thu-tuc" / "handout.pdf").exists()  # the other products are still made


def test_a_symlink_out_of_templates_is_refused(project):
    guide_project(project)
    (project / "templates" / "secret.html.j2").symlink_to("/etc/passwd")
    poster_with(project, '{% include "secret.html.j2" %}')
    (project / "templates" / "style.css").unlink()
    (project / "templates" / "style.css").symlink_to("/etc/passwd")
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    assert "trỏ ra ngoài thư mục templates/" in result.output
    for pdf in (project / "build" / "thu-tuc").glob("*.pdf"):
        assert "root:x:0:0" not in tool("pdftotext", str(pdf), "-")


def test_runaway_templates_end_with_a_message(project):
    guide_project(project)
    attacks = {
        "handout.html.j2": "{% for i in range(10**12) %}x{% endfor %}",
        "handout-large.html.j2": "{% macro loop(n) %}{{ loop(n + 1) }}{% endmacro %}{{ loop(0) }}",
        "poster.html.j2": "{{ 'x' * 10**11 }}",
        "facilitator.html.j2": "{% for i in range(90000) %}{% for j in range(90000) %}{{ i }}{% endfor %}{% endfor %}",
    }
    for name, snippet in attacks.items():
        path = project / "templates" / name
        path.write_text(path.read_text(encoding="utf-8").replace("{% block body %}", "{% block body %}" + snippet, 1),
                        encoding="utf-8")
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    for name in attacks:
        assert f"templates/{name}:" in result.output, name
    assert "Traceback" not in result.output
    assert (project / "build" / "thu-tuc" / "sms.txt").exists()


# --- The render worker lives as long as its build, studio or server: what ran before must not count --

_HOARD: list[bytearray] = []  # in a render worker: what earlier work left behind (caches, a heap grown)


def _hoard(megabytes: int) -> int:
    _HOARD.append(bytearray(megabytes * MB))
    return len(_HOARD)


def _allocated(megabytes: int) -> int:
    return len(bytearray(megabytes * MB))


def test_each_call_of_a_long_lived_render_worker_gets_its_whole_memory_budget():
    worker = LimitedWorker(64 * MB, preload=(__name__,))  # this module, imported before any limit
    try:
        worker.call(_hoard, (48,), 30)
        assert worker.call(_allocated, (48,), 30) == 48 * MB  # a limit set once at its start left it 16 MB
        with pytest.raises(Exhausted):
            worker.call(_allocated, (80,), 30)  # the budget still holds for each call
        assert worker.call(_allocated, (48,), 30) == 48 * MB  # a fresh worker after one ran out
    finally:
        worker.close()


def test_a_flood_of_tiny_chunks_is_stopped_by_the_output_cap_in_a_worker_that_rendered_before(project, monkeypatch):
    """Kept as one object each, 4 million one-character chunks met the 256 MB limit first, and where
    the MemoryError struck (inside the template or not, so named or not) depended on what the
    worker had rendered earlier in the test run, the studio or the province's server."""
    worker = LimitedWorker(templating.TEMPLATE_MEMORY, preload=("outreach.templating", "outreach.model"))
    monkeypatch.setattr(templating, "_WORKER", worker)
    try:
        worker.call(_hoard, (64,), 30)
        guide_project(project)
        facilitator = project / "templates" / "facilitator.html.j2"
        facilitator.write_text(facilitator.read_text(encoding="utf-8").replace(
            "{% block body %}", "{% block body %}{% for i in range(90000) %}{% for j in range(90000) %}{{ i }}"
                                "{% endfor %}{% endfor %}", 1), encoding="utf-8")
        result = run(project, "build", "--no-audio", "-j", "1")
    finally:
        worker.close()
    assert result.exit_code == 1
    assert "templates/facilitator.html.j2:1: (mẫu): lỗi trong mẫu trình bày: mẫu tạo ra hơn 4.000.000 ký tự" in \
        result.output
    assert (project / "build" / "thu-tuc" / "handout.pdf").exists()


def test_a_failure_outside_any_template_is_charged_to_the_template_being_rendered():
    problem = templating.template_problem(MemoryError(), "facilitator.html.j2")
    assert (problem.file, problem.line) == ("templates/facilitator.html.j2", 1)


def test_a_project_without_templates_uses_the_built_in_ones(tmp_path):
    project = tmp_path / "xa-moi"
    (project / "content" / "guides").mkdir(parents=True)
    (project / "content" / "commune.yaml").write_bytes((REPO / "content" / "commune.yaml").read_bytes())
    write_guide(project, "thu-tuc", starter(project))
    (project / "templates").mkdir()
    (project / "templates" / "style.css").write_text(  # one file of its own: the rest stay built in
        (REPO / "templates" / "style.css").read_text(encoding="utf-8") + "\nh1 { letter-spacing: 0.5em; }\n",
        encoding="utf-8")
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 0, result.output
    text = tool("pdftotext", str(project / "build" / "thu-tuc" / "handout.pdf"), "-")
    assert "HƯỚNG DẪN NỘP HỒ SƠ TRỰC TUYẾN" in text


def test_the_wheel_carries_the_templates_and_leaves_build_alone(tmp_path):
    before = sorted(p.name for p in (REPO / "build").iterdir()) if (REPO / "build").is_dir() else None
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    [wheel] = tmp_path.glob("outreach-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("outreach/templates/handout.html.j2", "outreach/templates/style.css",
                   "outreach/templates/icons/pay.svg", "outreach/templates/new-guide.yaml.j2",
                   "outreach/sound/lexicon.yaml"):
        assert needed in names, needed
    after = sorted(p.name for p in (REPO / "build").iterdir()) if (REPO / "build").is_dir() else None
    assert after == before  # setuptools' own build folder is elsewhere: build/ is outreach's output


def test_a_template_that_loops_without_writing_is_stopped_in_time(project, monkeypatch):
    from outreach import templating
    monkeypatch.setattr(templating, "RENDER_SECONDS", 1.0)
    guide_project(project)
    poster_with(project, "{% for i in range(90000) %}{% for j in range(90000) %}{% endfor %}{% endfor %}")
    result = run(project, "build", "--no-audio", "-j", "1")
    assert result.exit_code == 1
    assert "templates/poster.html.j2:" in result.output and "mẫu chạy quá 1 giây" in result.output
