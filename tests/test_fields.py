"""A field is declared once (outreach/fields.py, on the model): the form, the speller, the starter
and the placeholder check read its label, prose and read-aloud flags, placeholder and choices there."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest
from conftest import REPO
from pydantic import BaseModel

from outreach import script
from outreach.content import load_content
from outreach.fields import about, inner_model, models_within
from outreach.model import ICONS, AudioSettings, Commune, DialectName, Guide
from outreach.project import Project
from outreach.sound.reading import DIALECTS
from outreach.studio import forms
from outreach.templating import icon_names, template_environment, template_folders

SAMPLE = Project(REPO)


@pytest.mark.parametrize("model", models_within(Guide) + models_within(Commune)[1:],
                         ids=lambda m: m.__name__)
def test_every_field_has_a_vietnamese_label(model):
    """A field added without `described(...)` would reach the form under its English key."""
    for name in model.model_fields:
        shown = about(model, name)
        assert shown.label != name and shown.label[0].isupper(), f"{model.__name__}.{name}"


def _fields_and_values(model: type[BaseModel], value: BaseModel, path: tuple = ()) -> list[tuple[tuple, str, Any]]:
    """(key path, field, its text) of every text value in a guide, first list item only."""
    found = []
    for name in model.model_fields:
        item = getattr(value, name)
        inner = inner_model(model.model_fields[name].annotation)
        if isinstance(item, list) and item:
            item, where = item[0], path + (name, 0)
        else:
            where = path + (name,)
        if inner is not None and isinstance(item, BaseModel):
            found += _fields_and_values(inner, item, where)
        elif isinstance(item, str):
            found.append((where, f"{model.__name__}.{name}", item))
    return found


def _changed(value: BaseModel, where: tuple, new: str) -> BaseModel:
    key, rest = where[0], where[1:]
    if rest and isinstance(rest[0], int):
        items = list(getattr(value, key))
        items[0] = _changed(items[0], rest[1:], new) if rest[1:] else new
        return value.model_copy(update={key: items})
    if rest:
        return value.model_copy(update={key: _changed(getattr(value, key), rest, new)})
    return value.model_copy(update={key: new})


def _spoken_text(guide: Guide, commune: Commune) -> str:
    env = template_environment(SAMPLE)
    return "\n".join(s.text for s in [script.bulletin(env, guide, commune), *script.meeting_clips(env, guide, commune)])


def test_the_read_aloud_flag_says_which_fields_the_scripts_speak():
    """Change each text of a sample guide: the bulletin or a meeting clip changes exactly when the
    field is declared `spoken`. A template that starts reading a field must say so on the field."""
    content = load_content(SAMPLE)
    guide, commune = content.guides["dang-ky-khai-sinh"], content.commune
    assert commune is not None
    before = _spoken_text(guide, commune)
    wrong = []
    for where, name, _ in _fields_and_values(Guide, guide):
        model, key = name.split(".")
        declared = about(next(m for m in models_within(Guide) if m.__name__ == model), key).spoken
        parents = [about(Guide, str(where[0])).spoken] if len(where) > 1 else []
        heard = _spoken_text(_changed(guide, where, "Chữ đổi để thử"), commune) != before  # type: ignore[arg-type]
        if heard != (declared and all(parents)):
            wrong.append((name, heard))
    assert not wrong, f"read aloud but not declared so, or declared but not read: {wrong}"


def test_dialect_choices_are_the_reading_rules():
    assert set(get_args(DialectName)) == set(DIALECTS)


def test_the_form_shows_choices_in_the_officers_words():
    commune = forms.fields_of(forms.Schema(Commune.model_json_schema()), {"dialect": "south", "audio": {}})
    by_name = {f.name: f for f in forms.walk(commune)}
    dialect, engine = by_name["dialect"], by_name["audio.engine"]
    assert [dialect.shown(c) for c in dialect.choices] == ["miền Bắc (nghìn, linh)", "miền Nam (ngàn, lẻ)"]
    assert dialect.label == "Cách đọc số trên loa"
    assert engine.kind == "choice" and "espeak-ng" in engine.choices
    assert engine.shown("gtts") == "giọng Google (cần mạng)"
    assert engine.shown("espeak-ng") == "giọng máy đọc thử (bản nháp)"
    guide = forms.fields_of(forms.Schema(Guide.model_json_schema()), {"steps": [{"icon": "login"}]})
    icon = next(f for f in forms.walk(guide) if f.name == "steps.0.icon")
    assert icon.shown("login") == "đăng nhập" and icon.shown("lich-rieng") == "lich-rieng"
    spoken = next(f for f in forms.walk(guide) if f.name == "fee")
    assert spoken.help.endswith(forms.SPOKEN)


def test_every_built_in_pictogram_has_a_vietnamese_name():
    assert set(ICONS) == set(icon_names(template_folders(SAMPLE))), "name the new pictogram in model.ICONS"


def test_the_starter_comments_come_from_the_fields(tmp_path: Path):
    from conftest import run
    assert run(tmp_path, "init", str(tmp_path / "xa"), "--no-audio").exit_code == 0
    commune = (tmp_path / "xa" / "content" / "commune.yaml").read_text(encoding="utf-8")
    assert f"speed: 0.9   # {about(AudioSettings, 'speed').help}" in commune
    assert "dialect: south   # " in commune and "south: miền Nam (ngàn, lẻ)" in commune
