"""A province's own speech engine, installed as a package of its own: README's example, put on
sys.path with its dist-info (METADATA, entry_points.txt) so importlib.metadata finds it exactly as
pip would have installed it; no outreach file is touched."""

from __future__ import annotations

import json
import os
import re
import sys

import pytest

from conftest import REPO, run, starter, write_guide
from outreach.sound import engines

ENTRY_POINTS = "[outreach.engines]\ncommand = outreach_command:ENGINE\n"


def readme_example() -> str:
    """The python block under README's "A speech engine of your own"."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### A speech engine of your own"):]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "README lost its engine example"
    return found.group(1)


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    (site / "outreach_command-0.1.dist-info").mkdir(parents=True)
    (site / "outreach_command.py").write_text(readme_example(), encoding="utf-8")
    info = site / "outreach_command-0.1.dist-info"
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: outreach-command\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    # Worker processes find it the same way, whatever way they are started.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    engines.installed.cache_clear()
    sys.modules.pop("outreach_command", None)
    yield site
    engines.installed.cache_clear()
    sys.modules.pop("outreach_command", None)


def test_the_readme_engine_installed_as_a_package_is_listed_and_speaks_a_bulletin(installed_plugin, project):
    listed = run(project, "engines")
    line = next(row for row in listed.output.splitlines() if row.startswith("command "))
    assert "dùng được" in line and "giọng của chương trình đọc riêng (gói outreach-command)" in line
    assert "rồi command, rồi espeak-ng" in listed.output  # rank 40: after piper, before the draft voice
    commune = project / "content" / "commune.yaml"
    commune.write_text(commune.read_text(encoding="utf-8") + "\naudio:\n  engine: command\n  command:\n    program: "
                       "[espeak-ng, -v, vi, -s, '150', -w, '{wav}', --stdin]\n", encoding="utf-8")
    write_guide(project, "thu-tuc", starter(project))
    built = run(project, "build", "-j", "1")
    assert built.exit_code == 0, built.output
    sidecar = json.loads((project / "build" / "thu-tuc" / "broadcast.json").read_text(encoding="utf-8"))
    assert (sidecar["engine"], sidecar["voice"], sidecar["draft"]) == ("command", "espeak-ng", False)
    assert sidecar["duration_seconds"] > 20


def test_a_plugins_settings_are_checked_where_they_are_written(installed_plugin, project):
    commune = project / "content" / "commune.yaml"
    text = commune.read_text(encoding="utf-8") + "\naudio:\n  command:\n    program: espeak-ng\n"
    commune.write_text(text, encoding="utf-8")
    result = run(project, "validate")
    assert result.exit_code == 1
    assert f"commune.yaml:{len(text.splitlines())}: audio.command.program: phải là một danh sách" in result.output


def test_a_package_that_cannot_load_is_named_and_the_others_still_work(installed_plugin, project):
    (installed_plugin / "outreach_command.py").write_text("raise ImportError('thiếu thư viện')\n", encoding="utf-8")
    listed = run(project, "engines")
    assert listed.exit_code == 0
    assert "command    không dùng được: không nạp được outreach_command:ENGINE: thiếu thư viện" in listed.output
    assert any(row.startswith("espeak-ng") and "dùng được" in row for row in listed.output.splitlines())


def test_engines_need_no_list_in_outreach():
    """The built-ins are found through the same entry points a province's package uses."""
    names = {point.name for point in engines.entry_points(group="outreach.engines")}
    assert {"viettel", "gtts", "piper", "espeak-ng"} <= names
    assert engines.preference()[-1] == "espeak-ng"  # the draft voice is auto's last resort
