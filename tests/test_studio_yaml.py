"""The studio's saving, without a browser: the officer's file keeps what they wrote by hand."""

from __future__ import annotations

import pytest

from conftest import copy_project, run, starter
from outreach.fields import about
from outreach.model import Guide
from outreach.studio import forms, yamledit
from outreach.studio.app import GUIDE_SCHEMA
from outreach.yamlsource import load_yaml


def _submit(path, changes: dict[str, str], op: str = "") -> None:
    """Save the form of `path` as a browser would send it, with `changes` typed in."""
    before = load_yaml(path, path.name).data
    values = {**forms.submitted(forms.fields_of(GUIDE_SCHEMA, before)), **changes}
    yamledit.save_form(path, yamledit.version_of(path), forms.posted(GUIDE_SCHEMA, values, before), before, op,
                       GUIDE_SCHEMA)


@pytest.fixture
def guide(tmp_path):
    project = copy_project(tmp_path, guides=False)
    starter(project)
    return project, project / "content" / "guides" / "thu-tuc.yaml"


def test_an_edit_changes_that_value_only(guide):
    project, path = guide
    before = path.read_text(encoding="utf-8")
    _submit(path, {"promise": "Làm ở nhà, nhanh và gọn", "last_checked": "2026-01-05"})
    after = path.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(before.splitlines()) == len(after.splitlines())
    assert [b.split("#")[0].strip() for _, b in changed] == ["promise: Làm ở nhà, nhanh và gọn",
                                                             "last_checked: 2026-01-05"]
    assert f"# {about(Guide, 'promise').hint}" in changed[0][1], "the comment after the value stays"
    assert run(project, "validate", "--only", "thu-tuc").exit_code == 0


def test_a_list_the_file_lacks_is_added_where_the_schema_puts_it(guide):
    _, path = guide
    text = path.read_text(encoding="utf-8")
    start, end = text.index("# Hỏi đáp thường gặp."), text.index("# Những lỗi người dân hay mắc.")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    _submit(path, {})
    assert "faq" not in path.read_text(encoding="utf-8"), "an untouched form adds no empty list"
    _submit(path, {}, op="add:faq")
    keys = list(load_yaml(path, path.name).data)
    assert keys.index("key_messages") < keys.index("faq") < keys.index("common_mistakes")


def test_a_save_over_a_changed_file_is_refused(guide):
    _, path = guide
    base = yamledit.version_of(path)
    path.write_text(path.read_text(encoding="utf-8") + "# sửa tay\n", encoding="utf-8")
    with pytest.raises(yamledit.Stale):
        yamledit.save_form(path, base, {"promise": "khác"}, {}, "", GUIDE_SCHEMA)
    assert path.read_text(encoding="utf-8").endswith("# sửa tay\n")


def test_moving_a_step_takes_its_keys_along(guide):
    _, path = guide
    titles = [s["title"] for s in load_yaml(path, path.name).data["steps"]]
    _submit(path, {}, op="up:steps.2")
    assert [s["title"] for s in load_yaml(path, path.name).data["steps"]] == [titles[0], titles[2], titles[1]]
