"""An output's files and sidecars are declared once: the unit table names them, one typed record per
sidecar kind is written and read back; nothing else spells a file name or reads a sidecar by key."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO
from outreach.products import COMMUNE_UNITS, RECORDING_SHEET, UNITS
from outreach.sidecars import (
    BulletinRecord,
    ClipRecord,
    SectionRecord,
    bulletin_json,
    clips_json,
    read_bulletin,
    read_clips,
)

CLIP = ClipRecord("01-dang-nhap.mp3", "Bước 1: Đăng nhập", 12.3, "espeak-ng", "vi", True, -16.0, -1.5,
                  "Bước một: đăng nhập.", (SectionRecord("buoc1-01", "Bước 1: Đăng nhập.", "recording", 4.2),
                                           SectionRecord("buoc1-02", "Gọi.", "espeak-ng", 1.0, problem="cần thu lại")),
                  "ab" * 32)


def test_a_sidecar_reads_back_as_written(tmp_path):
    bulletin = BulletinRecord(**vars(CLIP), slug="thu-tuc", priority="ưu tiên", speed=0.9)
    (tmp_path / "b.json").write_bytes(bulletin_json(bulletin))
    (tmp_path / "m.json").write_bytes(clips_json([CLIP, CLIP]))
    assert read_bulletin(tmp_path / "b.json") == bulletin
    assert read_clips(tmp_path / "m.json") == [CLIP, CLIP]
    assert read_clips(tmp_path / "m.json")[0].recorded == 1
    assert "null" not in (tmp_path / "m.json").read_text(encoding="utf-8")  # absent, as before


def test_a_damaged_or_missing_sidecar_is_none_not_a_crash(tmp_path):
    (tmp_path / "b.json").write_text('{"title": "x"', encoding="utf-8")
    (tmp_path / "m.json").write_text('{"not": "a list"}', encoding="utf-8")
    assert read_bulletin(tmp_path / "b.json") is None and read_bulletin(tmp_path / "none.json") is None
    assert read_clips(tmp_path / "m.json") == [] and read_clips(tmp_path / "none.json") == []


def test_output_file_names_are_spelled_only_in_the_unit_table():
    declared = [name for unit in UNITS for name in (unit.file, unit.sound)] + [unit.file for unit in COMMUNE_UNITS]
    declared.append(RECORDING_SHEET)
    names = {spelled for name in declared if name and "{" not in name for spelled in (name, Path(name).name)}
    pattern = re.compile("|".join(re.escape(f"{quote}{name}{quote}") for name in names for quote in "\"'"))
    code = [*(REPO / "outreach").rglob("*.py"), *(REPO / "scripts").glob("*.py")]
    found = [f"{path.relative_to(REPO)}: {match.group()}" for path in code if path.name != "products.py"
             for match in pattern.finditer(path.read_text(encoding="utf-8"))]
    assert not found
