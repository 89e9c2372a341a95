"""Planning without building: which units a build makes, what shapes each, how they are split into jobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_project, starter, write_guide
from outreach.build import _split
from outreach.content import load_content
from outreach.manifest import Manifest
from outreach.plan import Fingerprints, stale_units, units_for
from outreach.products import UNITS
from outreach.project import Project
from outreach.templating import template_environment


def names(units) -> list[str]:
    return [u.name for u in units]


def test_units_a_build_makes():
    assert "broadcast" not in names(units_for(with_audio=False, print_shop=False))
    assert "facilitator" in names(units_for(with_audio=False, print_shop=False))
    assert "print-handout" not in names(units_for(with_audio=True, print_shop=False))
    every = names(units_for(with_audio=True, print_shop=True))
    assert every.index("meeting") < every.index("facilitator"), "a unit comes after what it shows"


@pytest.fixture
def planned(tmp_path: Path):
    root = copy_project(tmp_path / "p", guides=False)
    write_guide(root, "thu-tuc", starter(root))
    project = Project(root)

    def inputs(present=lambda name, hash_: True, engine="espeak-ng"):
        content = load_content(project)
        env = template_environment(project)
        return Fingerprints(project, env, content, engine).for_guide("thu-tuc", content.guides["thu-tuc"], present)
    return root, inputs


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def and_followers(shaped: set[str]) -> set[str]:
    """The units an input shapes and those made from them or showing them (the share ZIP holds all)."""
    return shaped | {unit.name for unit in UNITS if set(unit.follows) & shaped}


VOICED = and_followers({unit.name for unit in UNITS if unit.voice})


def test_each_input_changes_only_the_units_it_shapes(planned):
    root, inputs = planned
    base = inputs()
    assert len(set(base.values())) == len(base), "every unit has its own hash"
    (root / "content" / "lexicon.yaml").write_text("VNeID: vê en e i đi\n", encoding="utf-8")
    assert changed(base, inputs()) == VOICED
    css = root / "templates" / "style.css"
    lexicon = inputs()
    css.write_text(css.read_text(encoding="utf-8") + "\nh1 { color: #000; }\n", encoding="utf-8")
    assert changed(lexicon, inputs()) == and_followers({unit.name for unit in UNITS if unit.look})
    sms = root / "templates" / "sms.j2"
    styled = inputs()
    sms.write_text(sms.read_text(encoding="utf-8") + "\n{# note #}\n", encoding="utf-8")
    assert changed(styled, inputs()) == and_followers({unit.name for unit in UNITS if "sms.j2" in unit.templates})
    assert changed(inputs(), inputs(engine="gtts")) == VOICED


def test_the_facilitator_sheet_follows_whether_the_clips_are_there(planned):
    _, inputs = planned
    with_clips = inputs(present=lambda name, hash_: True)
    without = inputs(present=lambda name, hash_: False)
    assert changed(with_clips, without) == {"facilitator", "share-handout", "share-poster", "share-audio", "share-zip"}


def test_stale_units_against_the_manifest(planned, tmp_path):
    root, inputs = planned
    units = units_for(with_audio=True, print_shop=False)
    manifest = Manifest(root / "build")
    assert stale_units(units, "thu-tuc", inputs(), manifest, force=False) == tuple(names(units))
    assert stale_units((), "thu-tuc", inputs(), manifest, force=True) == ()


def test_print_and_sound_are_separate_jobs_the_sheet_goes_with_the_clips():
    assert _split(("handout", "sms", "meeting", "facilitator")) == [("handout", "sms"), ("meeting", "facilitator")]
    assert _split(("handout", "facilitator")) == [("handout", "facilitator")]


def test_a_unit_made_from_one_the_build_leaves_out_is_left_out():
    quiet = names(units_for(with_audio=False, print_shop=False))
    assert "share-audio" not in quiet          # it is the bulletin under another name
    assert "share-zip" in quiet                 # it holds whatever is there


def test_a_recording_changes_only_the_audio_of_its_guide(planned):
    root, inputs = planned
    base = inputs()
    (root / "content" / "recordings").mkdir()
    assert inputs() == base, "an empty recordings folder changes nothing"
    take = root / "content" / "recordings" / "thu-tuc" / "bantin-01.m4a"
    take.parent.mkdir()
    take.write_bytes(b"a phone's take")
    assert changed(base, inputs()) == VOICED
    recorded = inputs()
    take.with_name("bantin-01.m4a.json").write_text('{"text": "…"}', encoding="utf-8")
    assert inputs() == recorded, "the tool's own note beside a take rebuilds nothing"
    other = root / "content" / "recordings" / "khac" / "bantin-01.m4a"
    other.parent.mkdir()
    other.write_bytes(b"another guide's take")
    assert inputs() == recorded


def test_a_common_take_changes_only_the_audio_that_says_its_section(planned):
    from outreach.sound.recordings import common_id
    root, inputs = planned
    base = inputs()
    common = root / "content" / "recordings" / "_common"
    common.mkdir(parents=True)
    (common / "chung-khong-ai-noi-0000.m4a").write_bytes(b"a take of words no guide says")
    assert inputs() == base
    (common / f"{common_id('Xin trân trọng cảm ơn bà con đã lắng nghe.')}.m4a").write_bytes(b"the closing words")
    assert changed(base, inputs()) == and_followers({"broadcast"}), "the meeting clips do not say it"
    closing = inputs()
    hotline = "Nếu cần giúp đỡ, bà con hãy gọi Tổng đài Dịch vụ công tỉnh Đồng Nai, số (0251) 1022."
    (common / f"{common_id(hotline)}.m4a").write_bytes(b"the last meeting clip's hotline")
    assert changed(closing, inputs()) == and_followers({"meeting"})
