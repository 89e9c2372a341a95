"""Rebuilds do only the work that changed, in parallel, and survive being killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, copy_project, run, starter, write_guide
from outreach.manifest import MANIFEST, Manifest, file_record
from outreach.products import COMMUNE_BY_NAME, JOINED, UNITS
from outreach.sound.engines.espeak import EspeakEngine

A_GUIDE = len([u for u in UNITS if not u.print_shop])  # the units a build makes of each guide (no --print)


def mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root / "build").as_posix(): p.stat().st_mtime_ns
            for p in (root / "build").rglob("*") if p.is_file() and ".cache" not in p.parts}


@pytest.fixture(scope="module")
def two_guides(tmp_path_factory) -> Path:
    """Two small guides built once with the offline voice; tests below edit copies of it."""
    root = copy_project(tmp_path_factory.mktemp("inc"), guides=False)
    write_guide(root, "mot", starter(root, "mot"))
    write_guide(root, "hai", starter(root, "hai"))
    assert run(root, "build", "--engine", "espeak-ng").exit_code == 0
    return root


@pytest.fixture
def built(two_guides, tmp_path) -> Path:
    """A private copy of the built project (outputs, manifest and speech cache included)."""
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(two_guides), str(copy)], check=True)
    return copy


def count_synthesis(monkeypatch) -> list[str]:
    calls: list[str] = []
    original = EspeakEngine.synthesize
    monkeypatch.setattr(EspeakEngine, "synthesize", lambda self, text, wav: (calls.append(text), original(self, text, wav)))
    return calls


def test_nothing_changed_means_nothing_rebuilt(built, monkeypatch):
    before = mtimes(built)
    calls = count_synthesis(monkeypatch)
    result = run(built, "build", "--engine", "espeak-ng", "-j", "1")
    assert result.exit_code == 0
    assert f"Không có gì thay đổi: {2 * A_GUIDE} phần đã mới nhất, không tạo lại gì." in result.output
    assert mtimes(built) == before
    assert calls == []


def test_editing_one_guide_rebuilds_that_guide_only(built):
    before = mtimes(built)
    path = built / "content" / "guides" / "hai.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Đăng ký khai sinh", "title: Đăng ký kết hôn"),
                    encoding="utf-8")
    result = run(built, "build", "--engine", "espeak-ng")
    assert result.exit_code == 0
    after = mtimes(built)
    changed = {p for p in after if after[p] != before.get(p)}
    assert {p.split("/")[0] for p in changed} <= {"hai", MANIFEST, COMMUNE_BY_NAME["catalog"].file,
                                                  *(unit.file for unit in JOINED)}
    assert "hai/handout.pdf" in changed and "hai/broadcast.mp3" in changed
    assert f"{A_GUIDE} phần không đổi" in result.output  # all units of the other guide


def test_editing_a_handout_template_leaves_audio_alone(built):
    before = mtimes(built)
    handout_text = subprocess.run(["pdftotext", str(built / "build" / "mot" / "handout.pdf"), "-"],
                                  capture_output=True, text=True, check=True).stdout
    assert "HƯỚNG DẪN NỘP HỒ SƠ TRỰC TUYẾN" in handout_text
    css = built / "templates" / "style.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.kicker { display: none; }\n", encoding="utf-8")
    assert run(built, "build", "--engine", "espeak-ng").exit_code == 0
    after = mtimes(built)
    handout_text = subprocess.run(["pdftotext", str(built / "build" / "mot" / "handout.pdf"), "-"],
                                  capture_output=True, text=True, check=True).stdout
    assert "HƯỚNG DẪN NỘP HỒ SƠ TRỰC TUYẾN" not in handout_text  # the edit is in the new handouts
    for slug in ("mot", "hai"):
        assert after[f"{slug}/handout.pdf"] != before[f"{slug}/handout.pdf"]
        assert after[f"{slug}/poster.pdf"] != before[f"{slug}/poster.pdf"]
        assert after[f"{slug}/broadcast.mp3"] == before[f"{slug}/broadcast.mp3"]
        assert after[f"{slug}/meeting/01-dang-nhap.mp3"] == before[f"{slug}/meeting/01-dang-nhap.mp3"]
        assert after[f"{slug}/broadcast.txt"] == before[f"{slug}/broadcast.txt"]


def test_editing_the_lexicon_resynthesises_only_changed_readings(built, monkeypatch):
    calls = count_synthesis(monkeypatch)
    (built / "content" / "lexicon.yaml").write_text("VNeID: vê nê ích\n", encoding="utf-8")
    result = run(built, "build", "--engine", "espeak-ng", "-j", "1")
    assert result.exit_code == 0
    # Only the step that mentions VNeID is spoken again, once: both guides share the same sentence.
    assert calls == ["Bước một: Đăng nhập. Vào Cổng dịch vụ công, đăng nhập bằng tài khoản định danh điện tử "
                     "vê nê ích mức độ hai."]
    assert "vê nê ích" in json.loads((built / "build" / "mot" / "broadcast.json").read_text(encoding="utf-8"))["text"]


def test_force_rebuilds_everything_and_only_builds_one(built):
    before = mtimes(built)
    assert run(built, "build", "--engine", "espeak-ng", "--force", "--only", "mot").exit_code == 0
    after = mtimes(built)
    assert after["mot/handout.pdf"] != before["mot/handout.pdf"]
    assert after["hai/handout.pdf"] == before["hai/handout.pdf"]


def test_outputs_are_deterministic(built, tmp_path):
    other = copy_project(tmp_path / "other", guides=False)
    for slug in ("mot", "hai"):
        (other / "content" / "guides" / f"{slug}.yaml").write_bytes(
            (built / "content" / "guides" / f"{slug}.yaml").read_bytes())
    assert run(other, "build", "--engine", "espeak-ng", "--only", "mot").exit_code == 0
    for rel in ("mot/handout.pdf", "mot/poster.pdf", "mot/broadcast.mp3", "mot/meeting/00-gioi-thieu.mp3"):
        assert (other / "build" / rel).read_bytes() == (built / "build" / rel).read_bytes(), rel


def test_manifest_records_every_file_as_it_is(built):
    manifest = Manifest.load(built / "build")
    # every unit but the print-shop files × 2 guides, and the joined PDFs
    assert len(manifest.units) == 2 * A_GUIDE + len(JOINED)
    for unit in manifest.units.values():
        for rel, record in unit.files.items():
            assert file_record(built / "build" / rel).sha256 == record.sha256


def test_killed_build_then_rebuilt_is_consistent(built):
    """Kill a forced rebuild midway (SIGKILL, no clean-up), build again, check every record."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "outreach", "--project", str(built), "build", "--force",
                                "--engine", "espeak-ng", "-j", "2"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(2.5)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert run(built, "build", "--engine", "espeak-ng").exit_code == 0
    assert not list((built / "build").rglob(".*.tmp*"))
    manifest = Manifest.load(built / "build")
    # every unit but the print-shop files × 2 guides, and the joined PDFs
    assert len(manifest.units) == 2 * A_GUIDE + len(JOINED)
    for unit in manifest.units.values():
        for rel, record in unit.files.items():
            assert file_record(built / "build" / rel) == record
    again = run(built, "build", "--engine", "espeak-ng")
    assert "Không có gì thay đổi" in again.output
