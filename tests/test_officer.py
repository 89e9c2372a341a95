"""What a commune officer who has never written YAML actually types, and what the tool answers.

Every case here once crashed, misled or was silently wrong; each test reads the output as the
officer would read it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import line_of, run, starter, tool, write_guide
from outreach.content import load_content
from outreach.project import Project

GUIDE = "content/guides/thu-tuc.yaml"


def guide_of(project, slug: str = "thu-tuc"):
    content = load_content(Project(project))
    assert not content.problems, content.problems
    return content.guides[slug]


def assert_no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- The reader never turns text into another type ------------------------------------------------

@pytest.mark.parametrize("typed, expected", [
    ("    note: no\n", "no"),
    ("    note: yes\n", "yes"),
    ("    note: on\n", "on"),
    ("    note: 08\n", "08"),
    ("    note: 1e3\n", "1e3"),
    ("    note: 2026-11-25\n", "2026-11-25"),
])
def test_plain_words_stay_the_words_typed(project, typed, expected):
    text = starter(project).replace("    originals: 1", typed + "    originals: 2")
    write_guide(project, "thu-tuc", text)
    result = run(project, "validate")
    assert result.exit_code == 0, result.output
    document = guide_of(project).documents[0]
    assert document.note == expected
    assert document.originals == 2  # numbers still become numbers where the schema wants one


def test_unquoted_procedure_code_keeps_its_last_zero(project):
    write_guide(project, "thu-tuc", starter(project).replace('code: "1.001193"', "code: 1.001190"))
    result = run(project, "validate")
    assert result.exit_code == 0, result.output
    assert guide_of(project).code == "1.001190"


@pytest.mark.parametrize("line, key, value", [
    ("code: “1.004194”", "code", "1.004194"),
    ("promise: “Lưu ý: làm tại nhà”", "promise", "Lưu ý: làm tại nhà"),
    ("promise: ‘Làm tại nhà’", "promise", "Làm tại nhà"),
])
def test_curly_quotes_from_word_or_a_phone_work_like_straight_ones(project, line, key, value):
    text = starter(project)
    old = next(row for row in text.splitlines() if row.startswith(f"{key}:"))
    write_guide(project, "thu-tuc", text.replace(old, line))
    result = run(project, "validate")
    assert result.exit_code == 0, result.output
    assert getattr(guide_of(project), key) == value


# --- YAML syntax errors, in Vietnamese, at the line to change ---------------------------------------

def test_colon_inside_unquoted_text_says_to_quote_the_sentence(project):
    text = starter(project).replace("promise: Làm tại nhà, không cần xếp hàng", "promise: Lưu ý: làm tại nhà")
    write_guide(project, "thu-tuc", text)
    result = run(project, "validate")
    assert result.exit_code == 1
    assert (f"{GUIDE}:{line_of(text, 'promise:')}: (tệp): lỗi cú pháp YAML: đoạn chữ có dấu hai chấm; "
            'hãy đặt cả câu trong dấu ngoặc kép, ví dụ promise: "Lưu ý: làm tại nhà"') in result.output
    assert_no_traceback(result)


@pytest.mark.parametrize("old, new, needle", [
    ("    icon: form\n", "      icon: form\n", "      icon: form"),      # one key deeper than its siblings
    ("    copies: 0", "   copies: 0", "   copies: 0"),                  # one key shallower
])
def test_bad_indentation_is_named_at_its_line(project, old, new, needle):
    text = starter(project).replace(old, new, 1)
    write_guide(project, "thu-tuc", text)
    result = run(project, "validate")
    assert result.exit_code == 1
    assert f"{GUIDE}:{line_of(text, needle)}: (tệp): lỗi cú pháp YAML: thụt lề sai" in result.output
    assert "các khóa của cùng một mục phải thẳng cột" in result.output


def test_unindented_continuation_line_is_reported_at_that_line(project):
    text = starter(project).replace("fee: Miễn lệ phí", "fee: Miễn lệ phí khai sinh đúng hạn,\nmiễn cho hộ nghèo")
    write_guide(project, "thu-tuc", text)
    result = run(project, "validate")
    assert result.exit_code == 1
    assert (f"{GUIDE}:{line_of(text, 'miễn cho hộ nghèo')}: (tệp): lỗi cú pháp YAML: dòng này không có dấu hai "
            "chấm; nếu là phần tiếp theo của dòng trên, hãy thụt lề nó vào") in result.output


def test_text_after_space_hash_is_warned_about_not_dropped_silently(project):
    text = starter(project).replace("fee: Miễn lệ phí", "fee: Miễn lệ phí #1 cho trẻ dưới 60 ngày")
    write_guide(project, "thu-tuc", text)
    result = run(project, "validate")
    assert result.exit_code == 0, result.output
    assert (f"Cảnh báo: {GUIDE}:{line_of(text, 'fee:')}: fee: phần sau dấu ' #' bị bỏ qua vì YAML coi là ghi chú: "
            "'#1 cho trẻ dưới 60 ngày'; nếu đó là nội dung, hãy đặt cả câu trong dấu ngoặc kép") in result.output
    built = run(project, "build", "--no-audio")
    assert built.exit_code == 0, built.output
    assert f"Cảnh báo: {GUIDE}:{line_of(text, 'fee:')}: fee: phần sau dấu ' #' bị bỏ qua" in built.output


def test_starter_comments_after_values_are_not_warned_about(project):
    starter(project)
    result = run(project, "validate")
    assert result.exit_code == 0
    assert "bị bỏ qua" not in result.output


@pytest.mark.parametrize("extra, message", [
    ("[a, b]: x\n", "khóa phải là một từ (ví dụ title), không phải danh sách hay nhóm mục"),
    ("? {a: 1}\n: x\n", "khóa phải là một từ (ví dụ title), không phải danh sách hay nhóm mục"),
    ("2026-01-01: x\n", "2026-01-01: khóa không hợp lệ"),
    ("notes: " + "[" * 200 + "]" * 200 + "\n", "các mục lồng vào nhau quá sâu (hơn 30 tầng)"),
    ("notes: " + "[" * 5000 + "]" * 5000 + "\n", "các mục lồng vào nhau quá sâu (hơn 30 tầng)"),
])
def test_odd_keys_and_deep_nesting_get_a_message_not_a_traceback(project, extra, message):
    text = starter(project).rstrip("\n") + "\n" + extra
    write_guide(project, "thu-tuc", text)
    for command in ("validate", "check"):
        result = run(project, command)
        assert_no_traceback(result)
    result = run(project, "validate")
    assert result.exit_code == 1
    assert f"{GUIDE}:{len(text.splitlines()) - extra.count(chr(10)) + 1}:" in result.output
    assert message in result.output


# --- Pasted text is cleaned ---------------------------------------------------------------------

PASTED = {"\u200b": "zero-width space", "\u200d": "zero-width joiner", "\u00ad": "soft hyphen",
          "\ufeff": "BOM inside text", "\u00a0": "non-breaking space"}


def test_icon_with_a_zero_width_space_just_works(project):
    write_guide(project, "thu-tuc", starter(project).replace("icon: form", "icon: form\u200b"))
    result = run(project, "validate")
    assert result.exit_code == 0, result.output


def test_pasted_characters_never_reach_a_pdf_script_or_sms(project):
    text = starter(project)
    dirty = (text.replace("title: Đăng ký khai sinh", "title: Đăng\u00a0ký khai si\u00adnh\u200b")
             .replace("fee: Miễn lệ phí", "fee: Miễn\ufeff lệ\u200d phí")
             .replace("Đăng nhập\n", "Đăng\u00a0nhập\n"))
    write_guide(project, "thu-tuc", dirty.replace("\n", "\r\n").encode("utf-8"))
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 0, result.output
    out = project / "build" / "thu-tuc"
    texts = [(out / name).read_text(encoding="utf-8") for name in ("broadcast.txt", "sms.txt")]
    texts.append(tool("pdftotext", str(out / "handout.pdf"), "-"))
    for produced in texts:
        for char, name in PASTED.items():
            assert char not in produced, name
        assert "\r" not in produced
    assert "Đăng ký khai sinh" in texts[1]
    assert guide_of(project).fee == "Miễn lệ phí"


# --- Dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, key, message", [
    ("last_checked: ", "last_checked: 2026-02-30  # ", "last_checked",
     "không có ngày 30/2/2026: tháng 2 năm 2026 chỉ có 28 ngày"),
    ("last_checked: ", "last_checked: 2026-25-11  # ", "last_checked",
     "không có tháng 25 (tháng từ 1 đến 12); hãy viết ngày dạng NN/TT/NNNN hoặc NNNN-TT-NN"),
    ("last_checked: ", "last_checked: hôm qua  # ", "last_checked", "'hôm qua' không phải là ngày"),
    ("    summary: Nghị định quy định chi tiết Luật Hộ tịch\n",
     "    summary: Nghị định quy định chi tiết Luật Hộ tịch\n    date: 31/11/2026\n", "legal_basis[0].date",
     "không có ngày 31/11/2026: tháng 11 năm 2026 chỉ có 30 ngày"),
])
def test_a_date_that_does_not_exist_is_a_message_in_every_command(project, old, new, key, message):
    text = starter(project).replace(old, new)
    write_guide(project, "thu-tuc", text)
    needle = "date: 31/11" if "date: 31" in new else "last_checked:"
    result = run(project, "validate")
    assert result.exit_code == 1
    assert f"{GUIDE}:{line_of(text, needle)}: {key}: {message}" in result.output
    assert_no_traceback(run(project, "check"))
    built = run(project, "build", "--no-audio")
    assert built.exit_code == 1
    assert f"{GUIDE}:{line_of(text, needle)}: {key}: {message}" in built.output


@pytest.mark.parametrize("typed", ["20/11/2025", "20-11-2025", "20.11.2025", "2025-11-20", "20/11/2025"])
def test_dates_in_the_vietnamese_order_are_dates(project, typed):
    text = starter(project)
    old = next(row for row in text.splitlines() if row.startswith("last_checked:"))
    write_guide(project, "thu-tuc", text.replace(old, f"last_checked: {typed}"))
    assert run(project, "validate").exit_code == 0
    assert guide_of(project).last_checked == dt.date(2025, 11, 20)


def test_schedule_dates_use_the_same_rules(project):
    starter(project)
    schedule = ("campaigns:\n  - name: Tháng cao điểm\n    start: 01/12/2025\n    end: 31/02/2026\n"
                "    slots:\n      - start: \"06:00\"\n        end: \"06:15\"\n        guides: [thu-tuc]\n")
    (project / "content" / "schedule.yaml").write_text(schedule, encoding="utf-8")
    result = run(project, "validate")
    assert result.exit_code == 1
    assert ("content/schedule.yaml:4: campaigns[0].end: không có ngày 31/2/2026: tháng 2 năm 2026 chỉ có 28 ngày"
            in result.output)


# --- The starter's placeholders --------------------------------------------------------------------

def test_a_placeholder_left_in_blocks_the_build_and_is_named(project):
    text = starter(project).replace("title: Đăng ký khai sinh", "title: SỬA tên thủ tục")
    write_guide(project, "thu-tuc", text)
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    assert (f"{GUIDE}:{line_of(text, 'title:')}: title: còn nội dung mẫu chưa sửa: 'SỬA tên thủ tục'; "
            "hãy thay bằng thông tin thật của thủ tục") in result.output
    assert not (project / "build" / "thu-tuc" / "handout.pdf").exists()
