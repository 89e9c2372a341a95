"""`outreach results import FILE`: the figures of an export of the provincial one-stop system (.xlsx
or .csv) merged into content/results.csv. Which column holds what is found once (by the commune's
settings, the command's options, or the usual Vietnamese headers) and remembered in commune.yaml."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from outreach.atomic import write_atomic
from outreach.content import load_content
from outreach.errors import ContentError, Problem
from outreach.limits import MAX_EXPORT_BYTES, MAX_EXPORT_UNPACKED, WHOLE_FILE, read_capped
from outreach.model import ResultColumns
from outreach.project import Project
from outreach.results import MAX_ROWS, RESULTS_FILE, Figure, Month, Row, judged, merged, read_results, write_results
from outreach.text import unaccented
from outreach.yamlsource import load_yaml

FIELDS = ("month", "code", "online", "total")
# The headers one-stop reports use, unaccented and lower case; the first that matches a column wins.
GUESSES = {
    "month": ("thang", "ky bao cao", "thoi gian", "thang bao cao", "month"),
    "code": ("ma thu tuc", "ma tthc", "ma so thu tuc", "ma thu tuc hanh chinh", "code"),
    "online": ("truc tuyen", "ho so truc tuyen", "so ho so truc tuyen", "tiep nhan truc tuyen", "online"),
    "total": ("tong so ho so", "tong so", "tong ho so", "tong", "total"),
}
HEADER_ROWS = 30    # the header is somewhere near the top, under the report's title lines
MAX_COLUMNS = 100
_LETTER = re.compile(r"[A-Z]{1,2}")


@dataclass
class Table:
    """The cells of one sheet (or CSV file) as text, each row with its number."""

    shown: str
    sheet: str | None
    rows: list[tuple[int, list[str]]]

    def where(self, line: int, column: int) -> str | None:
        """'Sheet!C7' for a spreadsheet's cell (a CSV file is named by its line alone)."""
        return f"{self.sheet}!{letter(column)}{line}" if self.sheet is not None else None


@dataclass
class Imported:
    """What an import did: rows new and replaced, the problems of the others, the columns used."""

    added: int = 0
    replaced: int = 0
    same: int = 0      # rows already in results.csv with the same figures
    problems: list[Problem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    remembered: bool = False  # the columns were written into commune.yaml


def letter(column: int) -> str:
    """0 → A, 26 → AA."""
    name = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name


def import_export(project: Project, path: Path, chosen: dict[str, str], sheet: str | None = None,
                  for_month: Month | None = None) -> Imported:
    """Read the export at `path` and merge its good rows into content/results.csv; `chosen` columns
    (field → header or letter) override the commune's, and are remembered with those found."""
    content = load_content(project)
    if content.commune is None:
        raise ContentError([p for p in content.problems if p.file.endswith("commune.yaml")])
    target = project.content_dir / RESULTS_FILE
    earlier, broken = read_results(target, project.shown(target), _codes(content))
    if broken:
        raise ContentError(broken + [Problem(project.shown(target), 1, WHOLE_FILE, "hãy sửa các lỗi trên của tệp "
                                             "số liệu trước khi nhập thêm (để không mất dòng nào)")])
    saved = content.commune.results.columns
    wanted = {**_columns_of(saved), **chosen}
    table = read_table(path, sheet or (saved.sheet if saved else None))
    header_line, found = locate(table, wanted, guess=saved is None, with_month=for_month is None)
    figures, problems = judged(_rows(table, header_line, found, for_month), _codes(content))
    done = Imported(problems=problems, columns={name: table.rows[header_line][1][i] for name, i in found.items()})
    old = {(f.month, f.code): f for f in earlier}
    done.added = sum((f.month, f.code) not in old for f in figures)
    done.same = sum(old.get((f.month, f.code)) == f for f in figures)
    done.replaced = len(figures) - done.added - done.same
    if figures:
        write_results(target, merged(earlier, figures))
        done.remembered = _remember(project, done.columns, table.sheet, saved)
    return done


def _codes(content) -> set[str]:
    return {str(s.data["code"]).strip() for s in content.sources
            if s.name.startswith("content/guides/") and isinstance(s.data, dict) and s.data.get("code")}


def _columns_of(saved: ResultColumns | None) -> dict[str, str]:
    if saved is None:
        return {}
    return {name: value for name in FIELDS if (value := getattr(saved, name))}


# --- reading the file --------------------------------------------------------------------------------

def read_table(path: Path, sheet: str | None) -> Table:
    """The export's cells: an .xlsx workbook's sheet or a .csv file, both bounded."""
    shown = path.name
    data = read_capped(path, MAX_EXPORT_BYTES, shown)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _workbook(data, shown, sheet)
    if suffix == ".csv":
        return _csv(data, shown)
    raise _refused(shown, "chỉ nhập được tệp Excel .xlsx hoặc .csv; tệp .xls cũ hãy mở bằng Excel rồi lưu thành .xlsx")


def _workbook(data: bytes, shown: str, sheet: str | None) -> Table:
    from openpyxl import load_workbook  # only an import needs it: a build never loads it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _refused(shown, "không phải tệp Excel .xlsx (có thể tệp hỏng, hoặc là .xls đổi tên)") from None
    if unpacked > MAX_EXPORT_UNPACKED:
        raise _refused(shown, f"tệp Excel giải nén ra quá lớn (hơn {MAX_EXPORT_UNPACKED // 2**20} MB)")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise _refused(shown, f"không đọc được tệp Excel: {exc}") from None
    try:
        name = sheet or book.sheetnames[0]
        if name not in book.sheetnames:
            raise _refused(shown, f"không có trang '{name}'; các trang có: {', '.join(book.sheetnames)}")
        return Table(shown, name, list(_sheet_rows(book[name])))
    finally:
        book.close()


def _sheet_rows(sheet) -> Iterator[tuple[int, list[str]]]:
    for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1):
        if number > MAX_ROWS + HEADER_ROWS:
            break
        yield number, [cell_text(value) for value in values]


def cell_text(value: Any) -> str:
    """A cell as text: a whole float without '.0', a date as its month."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv(data: bytes, shown: str) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refused(shown, "tệp CSV không phải mã UTF-8; trong Excel hãy chọn Lưu thành «CSV UTF-8»") from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if len(rows) > MAX_ROWS + HEADER_ROWS:
            break
        rows.append((reader.line_num, [cell.strip() for cell in cells[:MAX_COLUMNS]]))
    return Table(shown, None, rows)


# --- finding the columns -----------------------------------------------------------------------------

def folded(text: str) -> str:
    return " ".join(unaccented(text).lower().split())


def locate(table: Table, wanted: dict[str, str], guess: bool, with_month: bool) -> tuple[int, dict[str, int]]:
    """(index in table.rows of the header, field → column). Columns named in `wanted` are found by
    header or letter; the others, when `guess`, by the usual headers."""
    needed = [name for name in FIELDS if with_month or name != "month"]
    best: tuple[int, dict[str, int]] = (0, {})
    for index, (_, cells) in enumerate(table.rows[:HEADER_ROWS]):
        found = _match(cells, {k: v for k, v in wanted.items() if k in needed}, guess, needed)
        if len(found) == len(needed):
            return index, found
        if len(found) > len(best[1]):
            best = (index, found)
    raise ContentError([_missing(table, best, needed, wanted)])


def _match(cells: list[str], wanted: dict[str, str], guess: bool, needed: list[str]) -> dict[str, int]:
    headers = [folded(cell) for cell in cells]
    found: dict[str, int] = {}
    for name, value in wanted.items():
        if folded(value) in headers:
            found[name] = headers.index(folded(value))
        elif _LETTER.fullmatch(value) and any(headers):
            found[name] = _column_index(value)
    if guess:
        for exact in (True, False):
            for name in needed:
                if name not in found and (column := _guessed(headers, GUESSES[name], set(found.values()), exact)) \
                        is not None:
                    found[name] = column
    return found


def _column_index(name: str) -> int:
    index = 0
    for char in name:
        index = index * 26 + ord(char) - 64
    return index - 1


def _guessed(headers: list[str], guesses: tuple[str, ...], taken: set[int], exact: bool) -> int | None:
    for guess in guesses:
        for column, header in enumerate(headers):
            if column not in taken and header and (header == guess if exact else guess in header):
                return column
    return None


def _missing(table: Table, best: tuple[int, dict[str, int]], needed: list[str], wanted: dict[str, str]) -> Problem:
    line, cells = table.rows[best[0]] if table.rows else (1, [])
    missing = [name for name in needed if name not in best[1]]
    usual = ResultColumns()
    named = ", ".join(f"'{wanted.get(name) or getattr(usual, name)}' ({_FIELD_WORDS[name]})" for name in missing)
    have = ", ".join(f"'{c}'" for c in cells if c) or "không có"
    return Problem(table.shown, line, WHOLE_FILE, f"không tìm thấy cột {named}; các cột ở dòng {line}: {have}. Hãy "
                   "chọn cột bằng --month, --code, --online, --total (tên cột hoặc chữ cái của cột)")


_FIELD_WORDS = {"month": "tháng", "code": "mã thủ tục", "online": "số hồ sơ trực tuyến", "total": "tổng số hồ sơ"}


def _rows(table: Table, header: int, columns: dict[str, int], for_month: Month | None) -> Iterator[Row]:
    """The rows under the header that hold anything, as results.csv rows."""
    for line, cells in table.rows[header + 1:]:
        values = {name: cells[i] if i < len(cells) else "" for name, i in columns.items()}
        if not any(values.values()) or not values.get("code"):
            continue  # blank lines, and the report's subtotal and signature lines (no code)
        if for_month is not None:
            values["month"] = for_month.key
        cells_at = {name: where for name, i in columns.items() if (where := table.where(line, i))}
        yield Row(table.shown, line, values, cells_at)


# --- remembering the columns ---------------------------------------------------------------------

def _remember(project: Project, columns: dict[str, str], sheet: str | None, saved: ResultColumns | None) -> bool:
    """Write the headers used into commune.yaml (results.columns), keeping the officer's comments."""
    from outreach.studio import forms, yamledit  # the round-trip writer keeps comments; a build never needs it

    wanted: dict[str, str | None] = {**dict.fromkeys(FIELDS), **columns, "sheet": sheet}
    if saved is not None and all(getattr(saved, name) == value for name, value in wanted.items()):
        return False
    path = project.content_dir / "commune.yaml"
    before = load_yaml(path, project.shown(path)).data
    written = {k: v if v is not None else forms.ABSENT for k, v in wanted.items()}
    # Every key as it is, then results: a section the file lacks goes at its end, not its top.
    values = {**(before if isinstance(before, dict) else {}), "results": {"columns": written}}
    write_atomic(path, yamledit.merged_text(path, values, before).encode("utf-8"))
    return True


def _refused(shown: str, message: str) -> ContentError:
    return ContentError([Problem(shown, 1, WHOLE_FILE, message)])


__all__ = ["Figure", "Imported", "import_export"]
