"""content/results.csv: files received online and in total, per month and procedure code — the one
number the commune reports and wants to raise. Read with every problem named by file and line (the
good rows kept), written back whole and atomically, and written the Vietnamese way (18 %, 1.250)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from outreach.atomic import write_atomic
from outreach.errors import ContentError, Problem
from outreach.limits import MAX_RESULTS_BYTES, WHOLE_FILE, read_text_capped

RESULTS_FILE = "results.csv"
HEADER = ("month", "code", "online", "total")
MAX_ROWS = 20_000  # six procedures × twelve months is 72 rows; a province's decade fits too
MAX_COUNT = 1_000_000  # files of one procedure in one commune in one month
MONTH_FORMS = "hãy viết tháng dạng NNNN-TT hoặc TT/NNNN, ví dụ 2026-11 hoặc 11/2026"
_ISO_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?")
_MONTH_FIRST = re.compile(r"(?:(?:tháng|t)\s*)?(\d{1,2})[-/.](\d{4})", re.IGNORECASE)
_DAY_MONTH_YEAR = re.compile(r"\d{1,2}[-/.](\d{1,2})[-/.](\d{4})")
_COUNT = re.compile(r"\d{1,3}(?:[.,\u00a0 ]\d{3})+|\d+")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @property
    def key(self) -> str:
        """As results.csv writes it: 2026-11."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """As officers read it: T11/2026."""
        return f"T{self.month}/{self.year}"

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)


def parse_month(text: str) -> Month:
    """'2026-11', '11/2026', 'T11/2026', 'tháng 11/2026', or a date in that month; ValueError in
    Vietnamese otherwise."""
    value = text.strip()
    if match := _ISO_MONTH.fullmatch(value):
        year, month = match.groups()
    elif match := _MONTH_FIRST.fullmatch(value) or _DAY_MONTH_YEAR.fullmatch(value):
        month, year = match.groups()
    else:
        raise ValueError(f"'{value}' không phải là tháng; {MONTH_FORMS}" if value else f"còn để trống; {MONTH_FORMS}")
    if not 1 <= int(month) <= 12:
        raise ValueError(f"không có tháng {int(month)} (tháng từ 1 đến 12); {MONTH_FORMS}")
    if not 2000 <= int(year) <= 2100:
        raise ValueError(f"năm {year} không hợp lệ; {MONTH_FORMS}")
    return Month(int(year), int(month))


def parse_count(text: str) -> int:
    """A number of files: '25', '1.250' or '1 250' (Vietnamese thousands); ValueError otherwise."""
    value = text.strip()
    if value.startswith("-") and _COUNT.fullmatch(value[1:]):
        raise ValueError(f"số hồ sơ không thể âm ({value})")
    if not _COUNT.fullmatch(value):
        shown = f"'{value}'" if value else "ô trống"
        raise ValueError(f"{shown} không phải là số nguyên; hãy viết số hồ sơ, ví dụ 25 hoặc 1.250")
    count = int(re.sub(r"\D", "", value))
    if count > MAX_COUNT:
        raise ValueError(f"{value} hồ sơ trong một tháng là quá nhiều; hãy kiểm tra lại")
    return count


@dataclass(frozen=True)
class Figure:
    """One row: in `month`, `online` of the `total` files of procedure `code` came in online."""

    month: Month
    code: str
    online: int
    total: int

    @property
    def in_person(self) -> int:
        return self.total - self.online


@dataclass(frozen=True)
class Row:
    """A row as read, before it is judged: where it is (file, line, and a cell for a sheet) and its texts."""

    file: str
    line: int
    values: dict[str, str]
    cells: dict[str, str] | None = None  # field → 'Sheet!C7', for a spreadsheet
    width: int = len(HEADER)             # how many cells the line had

    def problem(self, field: str, message: str) -> Problem:
        key = self.cells[field] if self.cells and field in self.cells else field
        return Problem(self.file, self.line, key, message)


def judged(rows: Iterable[Row], codes: set[str]) -> tuple[list[Figure], list[Problem]]:
    """The good figures of `rows` and one problem for each thing wrong in the others."""
    figures: dict[tuple[Month, str], tuple[Figure, int]] = {}
    problems: list[Problem] = []
    for row in rows:
        figure, found = _figure(row, codes)
        if figure is not None and (figure.month, figure.code) in figures:
            first = figures[figure.month, figure.code][1]
            found.append(row.problem("code", f"dòng trùng với dòng {first} (cùng tháng {figure.month.label}, cùng mã "
                                             f"{figure.code}); hãy xóa hoặc gộp một dòng"))
        if found:
            problems += found
        elif figure is not None:
            figures[figure.month, figure.code] = (figure, row.line)
    return [figure for figure, _ in figures.values()], problems


def _figure(row: Row, codes: set[str]) -> tuple[Figure | None, list[Problem]]:
    problems: list[Problem] = []

    def read(field: str, parse):
        try:
            return parse(row.values.get(field, ""))
        except ValueError as exc:
            problems.append(row.problem(field, str(exc)))
            return None

    month, code = read("month", parse_month), read("code", lambda text: _code(text, codes))
    online, total = read("online", parse_count), read("total", parse_count)
    if online is not None and total is not None and online > total:
        problems.append(row.problem("online", f"số hồ sơ trực tuyến ({online}) lớn hơn tổng số hồ sơ ({total})"))
    if problems or None in (month, code, online, total):
        return None, problems
    return Figure(month, code, online, total), []


def _code(text: str, codes: set[str]) -> str:
    value = text.strip()
    if value not in codes:
        known = ", ".join(sorted(codes)) or "chưa có hướng dẫn nào"
        shown = f"'{value}'" if value else "mã trống"
        raise ValueError(f"không có hướng dẫn nào có mã thủ tục {shown}; các mã có: {known}")
    return value


def csv_rows(text: str, shown: str) -> Iterator[Row]:
    """The rows of results.csv after its header, each with its line; a wrong header is the file's problem."""
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if tuple(header) != HEADER:
        raise ContentError([Problem(shown, 1, WHOLE_FILE, f"dòng đầu phải là {','.join(HEADER)}")])
    for number, cells in enumerate(reader, 1):
        if number > MAX_ROWS:
            raise ContentError([Problem(shown, reader.line_num, WHOLE_FILE, f"quá nhiều dòng (tối đa {MAX_ROWS})")])
        if not any(cell.strip() for cell in cells):
            continue
        yield Row(shown, reader.line_num, dict(zip(HEADER, cells)), width=len(cells))


def read_results(path: Path, shown: str, codes: set[str]) -> tuple[list[Figure], list[Problem]]:
    """The good figures of results.csv and every problem; no file means no figures yet."""
    if not path.exists() and not path.is_symlink():
        return [], []
    try:
        rows = list(csv_rows(read_text_capped(path, MAX_RESULTS_BYTES, shown), shown))
    except ContentError as exc:
        return [], exc.problems
    except csv.Error as exc:
        return [], [Problem(shown, 1, WHOLE_FILE, f"tệp CSV hỏng: {exc}")]
    problems = [row.problem(WHOLE_FILE, f"dòng có {row.width} ô, cần đúng {len(HEADER)}: {','.join(HEADER)}")
                for row in rows if row.width != len(HEADER)]
    figures, found = judged([row for row in rows if row.width == len(HEADER)], codes)
    return figures, sorted(problems + found, key=lambda p: p.line)


def csv_text(figures: Iterable[Figure]) -> str:
    """results.csv as written back: the header, then by month and code."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for figure in sorted(figures, key=lambda f: (f.month, f.code)):
        writer.writerow((figure.month.key, figure.code, figure.online, figure.total))
    return out.getvalue()


def write_results(path: Path, figures: Iterable[Figure]) -> None:
    write_atomic(path, csv_text(figures).encode("utf-8"))


def merged(old: Iterable[Figure], new: Iterable[Figure]) -> list[Figure]:
    """`old` with each (month, code) of `new` added or replaced."""
    rows = {(f.month, f.code): f for f in old}
    rows.update({(f.month, f.code): f for f in new})
    return list(rows.values())


# --- the numbers, as they are read ---------------------------------------------------------------

def share(online: int, total: int) -> float | None:
    """The online share in percent, or None with no files at all."""
    return 100 * online / total if total else None


def percent(value: float | None) -> str:
    """18 %, 7,5 %: a space before the sign, a decimal comma only below 10."""
    if value is None:
        return "–"
    if 0 < value < 10 and round(value, 1) != round(value):
        return f"{value:.1f} %".replace(".", ",")
    return f"{round(value)} %"


def count(value: int) -> str:
    """1.250: thousands grouped with a dot."""
    return f"{value:,}".replace(",", ".")


def files(value: int) -> str:
    return f"{count(value)} hồ sơ"
