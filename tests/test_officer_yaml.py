"""Saving the studio's form keeps each YAML comment above the key or list item it was written above:
when the form moves or removes a list item, adds a key or removes one (ruamel.yaml stores such lines
with the key before them, so they would otherwise travel with the wrong one)."""

from __future__ import annotations

from conftest import copy_project, run, starter

from outreach.studio import forms, listops, yamledit
from outreach.studio.app import GUIDE_SCHEMA
from outreach.yamlsource import load_yaml


def _save(path, changes: dict[str, str], origins: dict[str, list[int | None]] | None = None) -> None:
    """Save the form of `path` as the browser sends it after `changes`, its lists in the order `origins`."""
    before = load_yaml(path, path.name).data
    fields = forms.fields_of(GUIDE_SCHEMA, before)
    values = {**forms.submitted(fields), **changes}
    posted = forms.posted(GUIDE_SCHEMA, values, before)
    for name, marks in (origins or {}).items():  # what the hidden `_from` inputs say after the buttons
        values.update({f"{name}.{i}.{listops.FROM}": "" if m is None else str(m) for i, m in enumerate(marks)})
    yamledit.save_form(path, yamledit.version_of(path), posted, before, "", GUIDE_SCHEMA,
                       listops.origins(values, posted))


def _below(text: str, comment: str) -> str:
    """The first line after `comment` that is not a comment: what it was written above."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == comment)
    return next(line.strip() for line in lines[at + 1:] if not line.strip().startswith("#"))


def test_comments_stay_above_their_keys_and_items_when_the_form_moves_removes_and_adds(tmp_path):
    project = copy_project(tmp_path, guides=False)
    text = starter(project)
    text = text.replace("  - title: Đăng nhập", "  # về bước đăng nhập\n  - title: Đăng nhập")
    text = text.replace("  - title: Điền tờ khai", "  # về bước điền tờ khai\n  - title: Điền tờ khai")
    text = text.replace("  - title: Nhận kết quả", "  # về bước nhận kết quả\n  - title: Nhận kết quả")
    text = text.replace("fee:", "# về lệ phí\nfee:").replace("key_messages:", "conditions: Có giấy tờ tùy thân\n"
                                                                               "# về thông điệp\nkey_messages:")
    path = project / "content" / "guides" / "thu-tuc.yaml"
    path.write_text(text, encoding="utf-8")
    data = load_yaml(path, path.name).data
    steps = [s["title"] for s in data["steps"]]
    # The form: the last step moved to the top, the only FAQ removed, conditions emptied, notes written.
    order = [2, 0, 1]
    form = {"steps.n": "3", "faq.n": "0", "conditions": "", "notes": "Chưa kiểm chứng lệ phí"}
    for i, was in enumerate(order):
        form.update({f"steps.{i}.{key}": data["steps"][was][key] for key in ("title", "text", "icon")})
    _save(path, form, {"steps": order, "faq": []})
    saved = path.read_text(encoding="utf-8")
    assert [s["title"] for s in load_yaml(path, path.name).data["steps"]] == [steps[2], steps[0], steps[1]]
    for note, title in (("# về bước nhận kết quả", steps[2]), ("# về bước đăng nhập", steps[0]),
                        ("# về bước điền tờ khai", steps[1])):
        assert _below(saved, note) == f"- title: {title}", saved
    assert _below(saved, "# về lệ phí").startswith("fee:")
    assert _below(saved, "# về thông điệp") == "key_messages:", "removing conditions kept the next key's note"
    assert _below(saved, "# Những lỗi người dân hay mắc.") == "common_mistakes:", "removing the FAQ kept it"
    checked_line = saved.split("\nlast_checked: ")[1].split("\n")[0]
    assert "# Ngày cán bộ kiểm tra lại" in checked_line, "a comment after a value stays on its line"
    assert saved.index("\nnotes: Chưa kiểm chứng lệ phí") < saved.index("# notes: ghi chú cho cán bộ")
    said = run(project, "validate", "--only", "thu-tuc")
    assert said.exit_code == 0, [line for line in said.output.splitlines() if "thu-tuc" in line]
