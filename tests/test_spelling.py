"""Spelling: every Vietnamese text field through hunspell-vi, with the commune's own word list."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import line_of, run, starter, write_guide

pytestmark = pytest.mark.skipif(not Path("/usr/share/hunspell/vi_VN.dic").is_file() or not shutil.which("hunspell"),
                                reason="Debian hunspell-vi is installed by `make test`")


@pytest.fixture
def misspelt(project) -> tuple[Path, str]:
    text = starter(project).replace("audience: Cha, mẹ hoặc người thân đi khai sinh cho em bé mới sinh.",
                                    "audience: Ngừoi dân xã An Viễn cần giấy khai sinh cho con, dùng VNeID và UBND.")
    write_guide(project, "thu-tuc", text)
    return project, text


def test_check_names_file_line_key_and_word(misspelt):
    project, text = misspelt
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.output.strip() == (f"content/guides/thu-tuc.yaml:{line_of(text, 'audience:')}: audience: "
                                     "từ lạ 'Ngừoi' (thêm vào content/words.txt nếu đúng)")


def test_validate_warns_and_strict_fails(misspelt):
    project, _ = misspelt
    relaxed = run(project, "validate")
    assert relaxed.exit_code == 0 and "Cảnh báo: content/guides/thu-tuc.yaml" in relaxed.output
    strict = run(project, "validate", "--strict")
    assert strict.exit_code == 1 and "từ lạ 'Ngừoi'" in strict.output


def test_commune_word_list_and_both_tone_placements_are_accepted(misspelt):
    project, _ = misspelt
    (project / "content" / "words.txt").write_text("# tên riêng\nNgừoi\n", encoding="utf-8")
    path = project / "content" / "guides" / "thu-tuc.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "agency: Ủy ban nhân dân xã An Viễn", "agency: Ủy ban nhân dân xã, Uỷ ban xoá và xóa"), encoding="utf-8")
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert "không có từ lạ" in result.output


def test_bundled_samples_spell_clean():
    from conftest import REPO
    result = run(REPO, "check")
    assert result.exit_code == 0, result.output
