"""The guides page's rows: what validation and build/manifest.json say of each guide."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from outreach.content import Content
from outreach.manifest import Manifest
from outreach.model import calendar_date
from outreach.project import Project


@dataclass
class Row:
    slug: str
    title: str
    code: str
    online_level: str
    state: str
    state_kind: str       # ok, error, draft, new: how the page colours it
    last_built: str
    last_checked: str
    library: bool = False  # a library guide the commune follows (with or without its own changes)

    @property
    def search(self) -> str:
        return folded(" ".join([self.slug, self.title, self.code, self.online_level, self.state]))


def folded(text: str) -> str:
    """Lower case without diacritics, so «dang ky» finds «Đăng ký» (as the page's script does)."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def rows(project: Project, content: Content, outdated: Collection[str] = ()) -> list[Row]:
    """One row per guide the commune offers (its own files, and the library's it follows; a hidden one
    not); a guide in `outdated` (its outputs made before a change) says so."""
    manifest = Manifest.load(project.build_dir)
    errors: dict[str, int] = {}
    for problem in content.problems:
        errors[problem.file] = errors.get(problem.file, 0) + 1
    written = {source.name: source.data for source in content.sources}
    own_files = {project.shown(path): path for path in project.guide_paths()}
    made = []
    for slug in sorted(content.slugs | {path.stem for path in own_files.values()}):
        files = sorted((f for f, s in content.files.items() if s == slug), key=lambda f: f in own_files)
        if slug in content.hidden or not files:
            continue
        data = {k: v for f in files for k, v in (written.get(f) or {}).items()}
        paths = [own_files.get(f) or _library_path(content, f) for f in files]
        made.append(_row(project, slug, [p for p in paths if p.is_file()], data, sum(errors.get(f, 0) for f in files),
                         manifest, slug in outdated))
        made[-1].library = any(f not in own_files for f in files)
    return made


def _library_path(content: Content, shown: str) -> Path:
    return content.library.guides_dir / Path(shown).name if content.library else Path(shown)


def _row(project: Project, slug: str, paths: list[Path], data: dict, errors: int, manifest: Manifest,
         outdated: bool) -> Row:
    units = [unit for key, unit in manifest.units.items() if key.startswith(f"{slug}/")]
    stamps = [record.mtime_ns for unit in units for record in unit.files.values()]
    if errors:
        state, kind = f"{errors} lỗi", "error"
    elif not units:
        state, kind = "chưa tạo", "new"
    elif outdated:
        state, kind = "cần tạo lại", "stale"
    elif any(unit.draft for unit in units):
        state, kind = "bản nháp giọng máy", "draft"
    else:
        state, kind = "hợp lệ", "ok"
    built = _when(max(stamps)) if stamps else "chưa tạo"
    if stamps and paths and max(p.stat().st_mtime_ns for p in paths) > max(stamps):
        built += " (đã sửa sau đó)"
    return Row(slug, _text(data.get("title")) or slug, _text(data.get("code")), _text(data.get("online_level")),
               state, kind, built, _day(data.get("last_checked")))


def _text(value) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def _day(value) -> str:
    """A date as officers write it (25/11/2026); what is not a date, as written."""
    try:
        return calendar_date(value).strftime("%d/%m/%Y")
    except (ValueError, TypeError, AttributeError):
        return _text(value)


def _when(mtime_ns: int) -> str:
    return dt.datetime.fromtimestamp(mtime_ns / 1e9).strftime("%d/%m/%Y %H:%M")
