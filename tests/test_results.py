"""content/results.csv: bad rows named by file and line, the good ones kept; an .xlsx or .csv export
of the one-stop system imported into it, its columns remembered in commune.yaml."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from conftest import REPO, copy_project, run

from outreach.content import load_content
from outreach.project import Project
from outreach.results import Month, parse_month, percent

openpyxl = pytest.importorskip("openpyxl")
SAMPLE = REPO / "content" / "results.csv"


@pytest.fixture
def project(tmp_path) -> Path:
    root = copy_project(tmp_path / "xa", guides=True)
    shutil.copy(REPO / "content" / "schedule.yaml", root / "content" / "schedule.yaml")
    return root


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_the_sample_figures_are_valid_and_start_near_the_seed_share(project):
    shutil.copy(SAMPLE, project / "content" / "results.csv")
    result = run(project, "validate")
    assert result.exit_code == 0, result.output
    content = load_content(Project(project))
    june = [f for f in content.results if f.month == Month(2026, 6)]
    assert len(content.results) == 36 and len(june) == 6
    assert percent(100 * sum(f.online for f in june) / sum(f.total for f in june)) == "18 %"


def test_every_bad_row_is_named_by_file_line_and_key_and_the_rest_is_kept(project):
    rows = ["month,code,online,total",
            "2026-11,1.001193,12,25",      # 2: good
            "13/2026,1.001193,3,4",        # 3: no month 13
            "2026-10,1.001193,30,20",      # 4: online > total
            "2026-10,9.999999,1,2",        # 5: no guide has the code
            "2026-09,1.000656,mười,-3",    # 6: not a number; negative
            "11/2026,1.001193,12,25",      # 7: the same month and code as line 2
            "2026-11,1.000656,2,8",        # 8: good
            "2026-11,1.000656"]            # 9: two cells
    (project / "content" / "results.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run(project, "validate")
    assert result.exit_code == 1
    out = result.output
    assert "content/results.csv:3: month: không có tháng 13 (tháng từ 1 đến 12)" in out
    assert "content/results.csv:4: online: số hồ sơ trực tuyến (30) lớn hơn tổng số hồ sơ (20)" in out
    assert "content/results.csv:5: code: không có hướng dẫn nào có mã thủ tục '9.999999'" in out
    assert "content/results.csv:6: online: 'mười' không phải là số nguyên" in out
    assert "content/results.csv:6: total: số hồ sơ không thể âm (-3)" in out
    assert "content/results.csv:7: code: dòng trùng với dòng 2 (cùng tháng T11/2026, cùng mã 1.001193)" in out
    assert "content/results.csv:9: (tệp): dòng có 2 ô, cần đúng 4" in out
    assert "Traceback" not in out
    kept = load_content(Project(project)).results
    assert {(f.month.key, f.code, f.online, f.total) for f in kept} == {("2026-11", "1.001193", 12, 25),
                                                                      ("2026-11", "1.000656", 2, 8)}


@pytest.mark.parametrize("text, month", [("2026-11", (2026, 11)), ("11/2026", (2026, 11)), ("T3/2027", (2027, 3)),
                                         ("tháng 3/2027", (2027, 3)), ("01/11/2026", (2026, 11))])
def test_months_are_read_as_officers_write_them(text, month):
    assert parse_month(text) == Month(*month)


def export_workbook(path: Path, rows: list[dict[str, str]]) -> None:
    """What the provincial system gives: title lines, then its own headers and column order, numbers as numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    sheet.append(["BÁO CÁO TÌNH HÌNH TIẾP NHẬN HỒ SƠ THỦ TỤC HÀNH CHÍNH"])
    sheet.append([])
    sheet.append(["STT", "Tháng", "Mã thủ tục", "Tên thủ tục", "Tổng số hồ sơ", "Trực tuyến"])
    for number, row in enumerate(rows, 1):
        sheet.append([number, row["month"], row["code"], "…", int(row["total"]), int(row["online"])])
    sheet.append([None, None, None, "Tổng cộng", 999, 99])  # a subtotal line: no code, skipped
    book.save(path)


def test_an_xlsx_export_imports_the_same_figures_as_the_csv_and_its_columns_are_remembered(project, tmp_path):
    export_workbook(tmp_path / "bao-cao.xlsx", sample_rows())
    result = run(project, "results", "import", str(tmp_path / "bao-cao.xlsx"))
    assert result.exit_code == 0, result.output
    assert "36 dòng mới" in result.output
    assert (project / "content" / "results.csv").read_text(encoding="utf-8") == SAMPLE.read_text(encoding="utf-8")
    commune = (project / "content" / "commune.yaml").read_text(encoding="utf-8")
    assert commune.startswith("# Thông tin chung của xã"), "the officer's comments stay"
    assert "results:\n  columns:\n    month: Tháng\n    code: Mã thủ tục\n" in commune
    assert run(project, "validate").exit_code == 0


def test_a_bad_cell_of_a_workbook_is_named_by_sheet_and_cell_and_the_rest_is_imported(project, tmp_path):
    rows = sample_rows()[:6]
    rows[2] = {**rows[2], "online": "40", "total": "8"}
    export_workbook(tmp_path / "bao-cao.xlsx", rows)
    result = run(project, "results", "import", str(tmp_path / "bao-cao.xlsx"))
    assert result.exit_code == 1
    assert "bao-cao.xlsx:6: Báo cáo!F6: số hồ sơ trực tuyến (40) lớn hơn tổng số hồ sơ (8)" in result.output
    assert len((project / "content" / "results.csv").read_text(encoding="utf-8").splitlines()) == 1 + 5


def test_a_csv_export_with_chosen_columns_and_one_month(project, tmp_path):
    export = tmp_path / "thang-11.csv"
    export.write_text("Mã TTHC;Số HS online;Tổng HS\n1.001193;12;25\n1.000656;3;8\n", encoding="utf-8")
    result = run(project, "results", "import", str(export), "--code", "A", "--online", "Số HS online",
                 "--total", "C", "--for-month", "11/2026")
    assert result.exit_code == 0, result.output
    assert (project / "content" / "results.csv").read_text(encoding="utf-8") == (
        "month,code,online,total\n2026-11,1.000656,3,8\n2026-11,1.001193,12,25\n")
    again = run(project, "results", "import", str(export), "--for-month", "11/2026")
    assert again.exit_code == 0 and "2 dòng như cũ" in again.output, "the columns were remembered"


def test_a_file_that_is_not_a_workbook_is_refused_without_a_traceback(project, tmp_path):
    fake = tmp_path / "bao-cao.xlsx"
    fake.write_bytes(b"not a zip at all")
    result = run(project, "results", "import", str(fake))
    assert result.exit_code == 1
    assert "bao-cao.xlsx:1: (tệp): không phải tệp Excel .xlsx" in result.output
    assert not (project / "content" / "results.csv").exists()


# --- charts, and the catalog's results section ---------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sample project with its six months of figures, one guide's print built (charts and catalog too)."""
    root = copy_project(tmp_path_factory.mktemp("results"), guides=True)
    for name in ("results.csv", "schedule.yaml"):
        shutil.copy(REPO / "content" / name, root / "content" / name)
    result = run(root, "build", "--no-audio", "--only", "dang-ky-khai-sinh", "-j", "1")
    assert result.exit_code == 0, result.output
    return root


def svg_words(path: Path) -> str:
    """What an SVG chart says: its title and the text matplotlib drew as outlines (named in comments)."""
    import xml.etree.ElementTree as ET

    tree = ET.parse(path, parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True)))  # it parses
    words = [el.text or "" for el in tree.iter() if el.tag is ET.Comment or el.tag.endswith("title")]
    return " | ".join(w.strip() for w in words)


def glyph_ids(path: Path, face: str, text: str) -> set[str]:
    """The ids matplotlib gives the outlines of `text`'s letters in Fira Sans `face`."""
    from fontTools.ttLib import TTFont

    from outreach.assets import FONT_DIR
    font = TTFont(FONT_DIR / f"FiraSans-{face}.ttf")
    cmap = font.getBestCmap()
    return {f"FiraSans-{face}-{font.getGlyphID(cmap[ord(char)]):x}" for char in text}


def test_the_commune_chart_says_each_months_share_and_the_target_in_vietnamese(built):
    chart = built / "build" / "results" / "ti-le-truc-tuyen.svg"
    words = svg_words(chart)
    assert "Tỉ lệ hồ sơ nộp trực tuyến của xã An Viễn" in words
    for month, share in (("T6/2026", "18 %"), ("T9/2026", "22 %"), ("T11/2026", "26 %")):
        assert f"<!-- {month} -->" in chart.read_text(encoding="utf-8") or month in words
        assert share in words
    assert "Mục tiêu 50 %" in words
    svg = chart.read_text(encoding="utf-8")
    assert glyph_ids(chart, "Bold", "ỉệồơộếễ") <= set(re_ids(svg)), "the title's Vietnamese letters are Fira Sans"
    assert "<text" not in svg, "letters are outlines: no font is needed where the chart is opened"


def re_ids(svg: str) -> list[str]:
    import re
    return re.findall(r'id="([^"]+)"', svg)


def test_each_procedure_chart_shows_counts_and_shares(built):
    words = svg_words(built / "build" / "results" / "dang-ky-khai-sinh.svg")
    assert "Đăng ký khai sinh" in words and "Trực tuyến" in words and "Trực tiếp" in words
    assert "21 %" in words and "48 %" in words and "hồ sơ" in words
    assert len(list((built / "build" / "results").glob("*.svg"))) == 7


def test_the_catalog_shows_the_charts_the_list_the_week_and_before_and_after(built):
    page = (built / "build" / "index.html").read_text(encoding="utf-8")
    section = page[page.index('id="ket-qua"'):page.index('class="guide"')]
    assert 'src="results/ti-le-truc-tuyen.svg"' in section
    assert "T11/2026: 26 % (42/159 hồ sơ)" in section, "the chart's numbers in words (alternative text)"
    assert section.count('src="results/') == 7
    push = section[section.index("Nên tuyên truyền tiếp"):section.index("Đề xuất một tuần")]
    assert push.index("Chứng thực bản sao từ bản chính") < push.index("Đăng ký thường trú")
    assert "còn 144 hồ sơ nộp trực tiếp tại xã trong T9/2026–T11/2026 (nhiều nhất trong 6 thủ tục)" in push
    assert "chỉ 8,9 % nộp trực tuyến (thấp nhất)" in push
    assert "Đăng ký khai sinh" not in push, "the procedure that rose most is not on the list"
    assert "lần cuối trong lịch phát thanh: đợt «Nhắc lại cuối tuần» (05/12/2026–27/12/2026)" in push
    assert "Tuần đẩy mạnh nộp trực tuyến" in section and "06:30–06:50" in section
    assert "trước (T6/2026–T8/2026): 19 %, sau (T9/2026–T11/2026): 39 %" in section
    assert "không chứng minh" in section


def test_charts_are_made_again_only_when_what_they_show_changed(built):
    folder = built / "build" / "results"
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.glob("*.svg")}
    handout = built / "build" / "dang-ky-khai-sinh" / "handout.pdf"
    printed = handout.stat().st_mtime_ns
    assert run(built, "build", "--no-audio", "--only", "dang-ky-khai-sinh").exit_code == 0
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.svg")} == {k: v[0] for k, v in before.items()}
    commune = built / "content" / "commune.yaml"
    commune.write_text(commune.read_text(encoding="utf-8") + "results:\n  target: 40\n", encoding="utf-8")
    assert run(built, "build", "--no-audio", "--only", "dang-ky-khai-sinh").exit_code == 0
    assert "Mục tiêu 40 %" in svg_words(folder / "ti-le-truc-tuyen.svg")
    assert (folder / "dang-ky-khai-sinh.svg").read_bytes() == before["dang-ky-khai-sinh.svg"][1], "deterministic"
    assert handout.stat().st_mtime_ns == printed, "the target shapes the charts only, not the handouts"


@pytest.mark.parametrize("name, data, message", [
    ("bao-cao.xls", b"\xd0\xcf\x11\xe0old excel", "chỉ nhập được tệp Excel .xlsx hoặc .csv"),
    ("bao-cao.csv", "Tháng,Mã thủ tục,Trực tuyến,Tổng số hồ sơ\n".encode("utf-16"), "không phải mã UTF-8"),
    ("bao-cao.csv", "Kỳ,Mã,Số\n11/2026,1.001193,3\n".encode(), "'Trực tuyến' (số hồ sơ trực tuyến)"),
])
def test_an_export_outreach_cannot_read_says_what_to_do(project, tmp_path, name, data, message):
    export = tmp_path / name
    export.write_bytes(data)
    result = run(project, "results", "import", str(export))
    assert result.exit_code == 1 and f"{name}:1: (tệp): " in result.output and message in result.output
    assert "Traceback" not in result.output
