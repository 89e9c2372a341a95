"""An officer's mistakes in YAML come back as file:line: key: message, all at once, exit 1."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from conftest import FILLED, line_of, run, starter, write_guide


def test_unedited_starter_fails_and_names_each_placeholder(project):
    result = run(project, "new", "dang-ky-moi")
    assert result.exit_code == 0
    assert "content/guides/dang-ky-moi.yaml" in result.output
    text = (project / "content" / "guides" / "dang-ky-moi.yaml").read_text(encoding="utf-8")
    result = run(project, "validate")
    assert result.exit_code == 1
    for placeholder in FILLED:
        value = placeholder.removeprefix("code: ").strip('"')
        assert f"dang-ky-moi.yaml:{line_of(text, placeholder)}:" in result.output
        assert f"còn nội dung mẫu chưa sửa: '{value}'" in result.output
    assert result.output.count("còn nội dung mẫu chưa sửa") == len(FILLED)


def test_filled_in_starter_validates(project):
    starter(project, "dang-ky-moi")
    result = run(project, "validate")
    assert result.exit_code == 0, result.output
    assert "Hợp lệ" in result.output


def test_new_refuses_to_overwrite_and_bad_slugs(project):
    starter(project, "da-co")
    assert run(project, "new", "da-co").exit_code == 1
    result = run(project, "new", "../thoat-ra")
    assert result.exit_code == 2
    assert not (project / "content" / "thoat-ra.yaml").exists()


def test_misspelt_key_is_caught_with_suggestion_and_line(project):
    text = starter(project).replace("steps:", "stpes:")
    write_guide(project, "thu-tuc", text)
    result = run(project, "validate")
    assert result.exit_code == 1
    line = line_of(text, "stpes:")
    assert f"content/guides/thu-tuc.yaml:{line}: stpes: khóa không hợp lệ; có phải ý bạn là 'steps'?" in result.output
    assert "thu-tuc.yaml:1: steps: thiếu mục bắt buộc" in result.output


def test_all_problems_of_all_files_reported_together(project):
    text = starter(project)
    bad = text.replace("icon: form", "icon: maybay").replace("online_level: toàn trình", "online_level: mot phan")
    write_guide(project, "thu-tuc", bad)
    write_guide(project, "khac", "title: [\n")
    result = run(project, "validate")
    assert result.exit_code == 1
    assert f"thu-tuc.yaml:{line_of(bad, 'icon: maybay')}: steps[1].icon: không có hình 'maybay'" in result.output
    assert f"thu-tuc.yaml:{line_of(bad, 'online_level')}: online_level: phải là một trong: toàn trình, một phần" in result.output
    assert "khac.yaml:1: (tệp): lỗi cú pháp YAML" in result.output


def test_nested_key_path_and_type_messages(project):
    text = starter(project)
    bad = text.replace("originals: 1", "originals: hai").replace('code: "1.001193"', "code: 1001193")
    write_guide(project, "thu-tuc", bad)
    result = run(project, "validate")
    assert f"thu-tuc.yaml:{line_of(bad, 'originals: hai')}: documents[0].originals: phải là một số nguyên" in result.output
    assert ("code: mã thủ tục '1001193' sai dạng; mã gồm một chữ số, dấu chấm và sáu chữ số, ví dụ 1.001193"
            in result.output)


@pytest.mark.parametrize("content, expected", [
    (b"", ":1: (tệp): tệp trống"),
    (b"- a\n- b\n", ":1: (tệp): tệp phải là các mục dạng 'khóa: giá trị', không phải một danh sách"),
    (b"title: a\nfield: \xff\xfe\n", ":2: (tệp): tệp không phải mã UTF-8"),
    (b"title: a\nsteps:\n\t- x\n", ":3: (tệp): lỗi cú pháp YAML: có ký tự Tab"),
    (b"title: a\ntitle: b\n", ":2: title: khóa bị lặp lại"),
])
def test_broken_files_get_a_message_not_a_traceback(project, content, expected):
    write_guide(project, "hong", content)
    result = run(project, "validate")
    assert result.exit_code == 1
    assert f"content/guides/hong.yaml{expected}" in result.output
    assert "Traceback" not in result.output


def test_alias_bomb_is_refused_quickly(project):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(20))
    write_guide(project, "bom", bomb)
    result = run(project, "validate")
    assert result.exit_code == 1
    assert "bom.yaml:2: (tệp): lỗi cú pháp YAML: không dùng bí danh YAML" in result.output


def test_bom_and_nfd_text_are_accepted(project):
    text = starter(project)
    write_guide(project, "thu-tuc", "\ufeff".encode() + unicodedata.normalize("NFD", text).encode("utf-8"))
    result = run(project, "validate")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("image, message", [
    ("../../etc/hostname", "ảnh phải nằm trong thư mục content/"),
    ("http://example.com/a.png", "ảnh phải là đường dẫn tương đối trong thư mục content/"),
    ("file:///etc/hostname", "ảnh phải là đường dẫn tương đối trong thư mục content/"),
    ("/etc/hostname", "ảnh phải là đường dẫn tương đối trong thư mục content/"),
    ("images/khong-co.png", "không tìm thấy tệp ảnh content/images/khong-co.png"),
    ("guides/thu-tuc.yaml", "ảnh phải là tệp PNG, JPEG hoặc SVG"),
])
def test_images_must_be_pictures_inside_content(project, image, message):
    text = starter(project).replace("    icon: login\n", f"    icon: login\n    image: {image}\n")
    write_guide(project, "thu-tuc", text)
    result = run(project, "validate")
    assert result.exit_code == 1
    assert f"thu-tuc.yaml:{line_of(text, 'image:')}: steps[0].image: {message}" in result.output


def test_symlink_out_of_content_is_refused(project):
    (project / "content" / "images").mkdir()
    (project / "content" / "images" / "lien-ket.png").symlink_to("/etc/hostname")
    text = starter(project).replace("    icon: login\n", "    icon: login\n    image: images/lien-ket.png\n")
    write_guide(project, "thu-tuc", text)
    result = run(project, "validate")
    assert "steps[0].image: ảnh phải nằm trong thư mục content/" in result.output


def test_commune_problems_are_reported_too(project):
    path = project / "content" / "commune.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("dialect: south", "dialect: mien-tay"), encoding="utf-8")
    result = run(project, "validate")
    assert result.exit_code == 1
    assert "content/commune.yaml:" in result.output and "dialect: phải là một trong: north, south" in result.output


def test_guide_file_names_must_be_slugs(project):
    write_guide(project, "Khai Sinh", starter(project))
    result = run(project, "validate")
    assert "content/guides/Khai Sinh.yaml:1: (tệp): tên tệp chỉ gồm chữ thường" in result.output


def test_ten_megabyte_string_is_refused_without_reading_it_all(project):
    write_guide(project, "muoi-mb", "title: " + "a" * 10_000_000 + "\n")
    result = run(project, "validate")
    assert result.exit_code == 1
    assert "muoi-mb.yaml:1: (tệp): tệp quá lớn (9765 KB), tối đa 256 KB" in result.output


def test_runaway_paste_in_one_field_is_named(project):
    text = starter(project).replace("fee: Miễn lệ phí",
                                    "fee: " + "Lệ phí rất dài. " * 200)
    write_guide(project, "thu-tuc", text)
    result = run(project, "validate")
    assert f"thu-tuc.yaml:{line_of(text, 'fee:')}: fee: quá dài: tối đa 1500 ký tự, hãy rút gọn" in result.output


def test_alias_bomb_costs_little_memory(project, tmp_path):
    import subprocess
    import sys
    bomb = "a: &a [" + ",".join(["x"] * 9) + "]\n" + "".join(
        f"l{i}: &l{i} [" + ",".join([f"*{'a' if i == 0 else f'l{i - 1}'}"] * 9) + "]\n" for i in range(9))
    write_guide(project, "bom", bomb)
    # VmHWM, not ru_maxrss: the latter keeps the forking pytest's peak across exec.
    code = ("import sys; from outreach.cli import main\n"
            "try:\n    main(['--project', sys.argv[1], 'validate'])\nexcept SystemExit:\n    pass\n"
            "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))")
    out = subprocess.run([sys.executable, "-c", code, str(project)], capture_output=True, text=True, timeout=60)
    assert "không dùng bí danh YAML" in out.stderr + out.stdout
    assert int(out.stdout.strip().splitlines()[-1]) < 200_000  # KiB: the bomb was never expanded


def test_build_only_refuses_a_slug_that_leaves_build(project):
    result = run(project, "build", "--only", "../../etc")
    assert result.exit_code == 2
    assert not (project / "etc").exists()
