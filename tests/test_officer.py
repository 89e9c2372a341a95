"""What a commune officer who has never written YAML actually types, and what the tool answers.

Every case here once crashed, misled or was silently wrong; each test reads the output as the
officer would read it.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from conftest import REPO, line_of, run, starter, tool, write_guide

from outreach import __version__
from outreach.cli import main
from outreach.content import load_content
from outreach.model import AudioSettings, Commune, Desk
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
    ("    note: 010\n", "010"),          # YAML 1.1 read these as octal 8, sexagesimal 90, 1500.0, 31
    ("    note: 1:30\n", "1:30"),
    ("    note: 1.5e+3\n", "1.5e+3"),
    ("    note: 0x1F\n", "0x1F"),
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


@pytest.mark.parametrize("old, new, message", [
    ("title: Đăng ký khai sinh", "title: [Đăng ký khai sinh",
     "dấu [ hoặc { ở dòng này chưa được đóng bằng ] hoặc }; nếu đó là chữ, hãy đặt cả câu trong dấu ngoặc kép"),
    ("title: Đăng ký khai sinh", 'title: "Đăng ký khai sinh',
     "dấu ngoặc mở ở dòng này chưa được đóng; hãy thêm dấu ngoặc đóng ở cuối đoạn chữ"),
    ("title: Đăng ký khai sinh", 'title: "Đăng ký" khai sinh',
     "sau dấu ngoặc đóng vẫn còn chữ; hãy đặt cả câu trong dấu ngoặc kép, dấu ngoặc chỉ ở đầu và cuối câu"),
    ("title: Đăng ký khai sinh", "title: @Đăng ký khai sinh",
     "đoạn chữ không được bắt đầu bằng ký tự @; hãy đặt cả câu trong dấu ngoặc kép"),
])
def test_other_syntax_errors_say_what_to_type(project, old, new, message):
    text = starter(project).replace(old, new)
    write_guide(project, "thu-tuc", text)
    result = run(project, "validate")
    assert result.exit_code == 1
    assert f"{GUIDE}:{line_of(text, 'title:')}: (tệp): lỗi cú pháp YAML: {message}" in result.output


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


@pytest.mark.parametrize("old, new, message", [
    ("title: Đăng ký khai sinh", "title:",
     "title: còn để trống; hãy điền nội dung sau dấu hai chấm (hoặc xóa cả dòng nếu mục này không bắt buộc)"),
    ("    originals: 1", "    originals: 1,5", "documents[0].originals: phải là một số nguyên"),
])
def test_empty_values_and_decimal_commas_are_explained(project, old, new, message):
    text = starter(project).replace(old, new)
    write_guide(project, "thu-tuc", text)
    result = run(project, "validate")
    assert result.exit_code == 1
    assert f"{GUIDE}:{line_of(text, new.strip())}: {message}" in result.output


def test_a_decimal_comma_in_the_speed_is_explained(project):
    path = project / "content" / "commune.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "audio:\n  speed: 0,9\n", encoding="utf-8")
    result = run(project, "validate")
    assert result.exit_code == 1
    assert "audio.speed: phải là một số, dùng dấu chấm thập phân, ví dụ 0.9" in result.output


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


@pytest.mark.parametrize("typed", ["20/11/2025", "20-11-2025", "20.11.2025", "2025-11-20", "5/1/2025"])
def test_dates_in_the_vietnamese_order_are_dates(project, typed):
    text = starter(project)
    old = next(row for row in text.splitlines() if row.startswith("last_checked:"))
    write_guide(project, "thu-tuc", text.replace(old, f"last_checked: {typed}"))
    assert run(project, "validate").exit_code == 0
    expected = dt.date(2025, 1, 5) if typed == "5/1/2025" else dt.date(2025, 11, 20)  # day first, always
    assert guide_of(project).last_checked == expected


def test_schedule_dates_use_the_same_rules(project):
    starter(project)
    schedule = ("campaigns:\n  - name: Tháng cao điểm\n    start: 01/12/2025\n    end: 31/02/2026\n"
                "    slots:\n      - start: \"06:00\"\n        end: \"06:15\"\n        guides: [thu-tuc]\n")
    (project / "content" / "schedule.yaml").write_text(schedule, encoding="utf-8")
    result = run(project, "validate")
    assert result.exit_code == 1
    assert ("content/schedule.yaml:4: campaigns[0].end: không có ngày 31/2/2026: tháng 2 năm 2026 chỉ có 28 ngày"
            in result.output)


def test_schedule_times_and_dates_need_no_quotes(project):
    starter(project)
    schedule = ("campaigns:\n  - name: Tháng cao điểm\n    start: 01/12/2025\n    end: 31/12/2025\n"
                "    slots:\n      - start: 06:00\n        end: 06:15\n        guides: [thu-tuc]\n")
    (project / "content" / "schedule.yaml").write_text(schedule, encoding="utf-8")
    result = run(project, "validate")
    assert result.exit_code == 0, result.output
    campaign = load_content(Project(project)).schedule.campaigns[0]
    assert (campaign.start, campaign.slots[0].start) == (dt.date(2025, 12, 1), "06:00")


# --- The starter's placeholders --------------------------------------------------------------------

def test_a_placeholder_left_in_blocks_the_build_and_is_named(project):
    text = starter(project).replace("title: Đăng ký khai sinh", "title: SỬA tên thủ tục")
    write_guide(project, "thu-tuc", text)
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    assert (f"{GUIDE}:{line_of(text, 'title:')}: title: còn nội dung mẫu chưa sửa: 'SỬA tên thủ tục'; "
            "hãy thay bằng thông tin thật của thủ tục") in result.output
    assert not (project / "build" / "thu-tuc" / "handout.pdf").exists()


# --- A newcomer's first steps: the command line ------------------------------------------------------

COMMANDS = sorted(main.commands)
ENGLISH = ("Usage:", "Options:", "Commands:", "Show this message", "[default", "Error:", "INTEGER", "TEXT",
           "DIRECTORY", "Missing", "No such")


def test_version(project):
    result = run(project, "--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"outreach {__version__}"


@pytest.mark.parametrize("command", [[], *[[name] for name in COMMANDS]])
def test_help_of_every_command_is_vietnamese_and_offers_verbose_and_quiet(project, command):
    result = run(project, *command, "--help")
    assert result.exit_code == 0
    assert result.output.startswith("Cách dùng: ")
    assert "Tùy chọn:" in result.output and "Hiện hướng dẫn này rồi thoát." in result.output
    assert "-v, --verbose" in result.output and "-q, --quiet" in result.output
    for word in ENGLISH:
        assert word not in result.output, word


def test_jobs_default_is_the_machines_cores_not_a_number(project):
    result = run(project, "build", "--help")
    assert "(mặc định: số lõi của máy)" in " ".join(result.output.split())
    assert f"default: {os.cpu_count()}" not in result.output


@pytest.mark.parametrize("args, message", [
    (["new"], "Lỗi: thiếu tham số 'TÊN'"),
    (["build", "--nhanh"], "Lỗi: không có tùy chọn --nhanh"),
    (["build", "--forse"], "Lỗi: không có tùy chọn --forse; có phải ý bạn là --force"),
    (["buidl"], "Lỗi: không có lệnh 'buidl'"),
    (["build", "--only"], "Lỗi: tùy chọn '--only' cần một giá trị đi kèm"),
    (["build", "-j", "0"], "Lỗi: giá trị không hợp lệ cho '-j' / '--jobs': 0 nằm ngoài khoảng 1<=x<=64"),
    (["build", "--engine", "google"], "Lỗi: giá trị không hợp lệ cho '--engine': 'google' không phải là một trong"),
    (["say", "Gọi", "số", "1022"], "Lỗi: thừa tham số: số 1022; đoạn chữ có dấu cách phải đặt trong dấu ngoặc kép"),
])
def test_clicks_own_errors_are_vietnamese(project, args, message):
    result = run(project, *args)
    assert result.exit_code == 2
    assert message in result.output
    for word in ENGLISH:
        assert word not in result.output, word


def test_quiet_shows_only_errors_and_verbose_shows_each_file(project):
    text = starter(project).replace("fee: Miễn lệ phí", "fee: Miễn lệ phí #1")
    write_guide(project, "thu-tuc", text)
    quiet = run(project, "validate", "-q")
    assert quiet.exit_code == 0 and quiet.output == ""
    assert run(project, "-q", "build", "--no-audio").output == ""
    verbose = run(project, "validate", "-v")
    assert "  content/guides/thu-tuc.yaml: hợp lệ" in verbose.output
    verbose = run(project, "build", "--no-audio", "--force", "--verbose")
    assert "  đã tạo build/thu-tuc/handout.pdf" in verbose.output
    assert "Thời gian theo bước (giây): validate" in verbose.output
    write_guide(project, "thu-tuc", "title: [\n")
    quiet = run(project, "build", "-q", "--no-audio")
    assert quiet.exit_code == 1
    assert quiet.output.startswith("content/guides/thu-tuc.yaml:1: (tệp): lỗi cú pháp YAML")


def test_only_judges_its_own_guide(project):
    starter(project, "tot")
    write_guide(project, "hong", "title: [\n")
    for command in ("validate", "build"):
        args = [command, "--only", "tot"] + (["--no-audio"] if command == "build" else [])
        result = run(project, *args)
        assert result.exit_code == 0, result.output
        assert "Cảnh báo: content/guides/hong.yaml:1: (tệp): lỗi cú pháp YAML" in result.output
    assert run(project, "build", "--only", "hong", "--no-audio").exit_code == 1


def test_build_errors_come_last_with_a_one_line_summary(project):
    starter(project, "tot")
    write_guide(project, "hong", "title: [\n")
    write_guide(project, "hong-nua", starter(project, "hong-nua").replace("icon: form", "icon: maybay"))
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    lines = result.output.rstrip("\n").splitlines()
    assert lines[-1] == ("Có lỗi ở 2 hướng dẫn (hong, hong-nua): xem các dòng ở trên; những gì có lỗi chưa được tạo "
                         "lại (bản cũ, nếu có, vẫn giữ). Sửa xong chạy lại 'outreach build'.")
    assert sorted(line.split(":")[0] for line in lines[-3:-1]) == ["content/guides/hong-nua.yaml",
                                                                   "content/guides/hong.yaml"]
    assert lines.index("Danh mục: build/index.html") < len(lines) - 3


def test_init_makes_a_commune_project_that_builds_at_once(tmp_path):
    target = tmp_path / "xa-moi"
    result = run(tmp_path, "init", str(target), "--no-audio")
    assert result.exit_code == 0, result.output
    assert "Đã tạo dự án mới" in result.output and "outreach new" in result.output
    advice = result.output.split("Đã tạo dự án mới", 1)[1]
    assert advice.index("outreach serve") < advice.index("outreach new"), "the studio is named first"
    commune = (target / "content" / "commune.yaml").read_text(encoding="utf-8")
    for key in (*Commune.model_fields, *Desk.model_fields, *AudioSettings.model_fields, "label", "number", "role"):
        row = next(row for row in commune.splitlines() if row.lstrip("# -").startswith(f"{key}:"))
        assert "#" in row or commune.splitlines()[commune.splitlines().index(row) - 1].lstrip().startswith("#"), key
    assert [p.name for p in (target / "content" / "guides").iterdir()] == ["dang-ky-khai-sinh.yaml"]
    assert (target / "content" / "schedule.yaml").is_file() and (target / "content" / "lexicon.yaml").is_file()
    assert (target / "build" / "dang-ky-khai-sinh" / "handout.pdf").stat().st_size > 5_000
    assert not (target / "templates").exists()  # the built-in templates serve until the commune overrides one
    checked = run(target, "validate")
    assert checked.exit_code == 0, checked.output
    warned = [line for line in checked.output.splitlines() if line.startswith("Cảnh báo")]
    assert warned and all("content/commune.yaml:" in line and "giá trị mẫu" in line for line in warned), \
        "only the starter's sample values are named, each at its line"
    again = run(tmp_path, "init", str(target))
    assert again.exit_code == 1
    assert "content/ đã có nội dung; hãy chọn một thư mục mới" in again.output


def test_makefile_puts_outreach_on_the_path():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "ln -sfn $(abspath $(BIN)/outreach) $(PREFIX)/bin/outreach" in makefile
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/outreach" not in readme.split("## Everyday use", 1)[1].split("\n## ", 1)[0]
