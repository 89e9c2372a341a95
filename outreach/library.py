"""A library of guides written once for every commune (bundled with the package, or a province's), and
how a commune follows it: each guide's values layered from the library file and the commune's own
override file, each value remembering the file and line it was written at.

Where a project's library is (decided here, see README "Library"): commune.yaml `library: bundled`
(the package's outreach/library/) or `library: PATH` (relative to the project folder); without the
key, a project at DIR/communes/<slug>/ follows DIR/library/ when that folder has guides/ (the province
server's layout); otherwise it follows no library and its guides are only its own, as before.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from outreach.errors import ContentError, Problem
from outreach.limits import WHOLE_FILE
from outreach.model import SLUG_PATTERN
from outreach.project import Project
from outreach.yamlsource import Path_, Source, dotted_key, load_yaml

BUNDLED = "bundled"
BUNDLED_DIR = Path(__file__).parent / "library"
SETTING = "library"                 # the key of commune.yaml
FOLLOWS, HIDDEN = "follows", "hidden"  # the keys an override file adds to a guide's
YES, NO = ("true", "yes", "có"), ("false", "no", "không")
SEEN_DIR = "library-seen"           # content/library-seen/<slug>.yaml: the library's values last reviewed
COMMUNE_FILE = "commune.yaml"


@dataclass(frozen=True)
class Library:
    """A folder of guides (guides/*.yaml) and optionally templates (templates/)."""

    root: Path
    setting: str  # as commune.yaml says it, or the folder found by the server layout

    @property
    def guides_dir(self) -> Path:
        return self.root / "guides"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def bundled(self) -> bool:
        return self.root.resolve() == BUNDLED_DIR.resolve()

    def guide_paths(self) -> list[Path]:
        return sorted(p for p in self.guides_dir.glob("*.yaml") if SLUG_PATTERN.match(p.stem))

    def guide_path(self, slug: str) -> Path:
        return self.guides_dir / f"{slug}.yaml"

    def shown(self, project: Project, path: Path) -> str:
        """A library file as officers see it: the bundled one by its place in the package, a
        province's relative to the project folder."""
        if self.bundled:
            return f"outreach/library/guides/{path.name}"
        return os.path.relpath(path, project.root)


def setting_of(project: Project) -> tuple[str | None, int]:
    """commune.yaml's `library:` value as written and its line; (None, 1) without one or when the
    file cannot be read (validation reports that)."""
    try:
        source = load_yaml(project.content_dir / COMMUNE_FILE, COMMUNE_FILE)
    except ContentError:
        return None, 1
    value = source.data.get(SETTING)
    return (value if isinstance(value, str) else None), source.line_of((SETTING,))


def find(project: Project) -> tuple[Library | None, Problem | None]:
    """The library this project follows (None: none), or the problem with its setting."""
    setting, line = setting_of(project)
    shown = project.shown(project.content_dir / COMMUNE_FILE)
    if setting is None:
        province = project.root.parent.parent / "library"
        found = project.root.parent.name == "communes" and (province / "guides").is_dir()
        return (Library(province, "../../library") if found else None), None
    root = BUNDLED_DIR if setting.strip() == BUNDLED else (project.root / setting.strip())
    if not (root / "guides").is_dir():
        return None, Problem(shown, line, SETTING, f"không tìm thấy thư viện '{setting}' (cần thư mục "
                                                   f"{setting.strip()}/guides/); hãy ghi '{BUNDLED}' để dùng thư viện "
                                                   "có sẵn, hoặc đường dẫn tới thư mục thư viện của tỉnh")
    return Library(root, setting.strip()), None


def library_templates(project: Project) -> list[Path]:
    """The templates/ folder of the project's library, if it has one."""
    library, _ = find(project)
    return [library.templates_dir] if library and library.templates_dir.is_dir() else []


def library_slugs(project: Project) -> set[str]:
    """The slugs of the library guides (whether the commune shows them or not)."""
    library, _ = find(project)
    return {p.stem for p in library.guide_paths()} if library else set()


# --- values layered from two files -----------------------------------------------------------------

@dataclass
class Layered(Source):
    """A commune's guide as the library writes it with the commune's override on top: `data` is the
    merged mapping, each top-level key answered by the file that wrote it."""

    library: Source | None = None
    own: Source | None = None
    commune: Source | None = None       # where `agency` came from when neither file writes it
    overridden: tuple[str, ...] = ()    # keys the commune's file changes

    def origin(self, key: str) -> Source:
        if self.own is not None and (key in self.overridden or key in (FOLLOWS, HIDDEN)):
            return self.own
        if key == "agency" and self.commune is not None and self.library is not None and key not in self.library.data:
            return self.commune
        assert self.library is not None
        return self.library

    def where(self, path: Path_) -> tuple[str, int]:
        if not path:
            home = self.own or self.library
            assert home is not None
            return home.name, 1
        source = self.origin(str(path[0]))
        if source is self.commune:
            return source.name, source.line_of(("committee",))
        return source.name, source.line_of(path)

    def line_of(self, path: Path_) -> int:
        return self.where(path)[1]


def layered(library: Source, own: Source | None, commune: Source | None) -> Layered:
    """The library guide with the commune's changes on top. The commune's own values count as
    confirmed by it: they leave the library's `unconfirmed` list unless the commune writes that list."""
    changes = {k: v for k, v in (own.data if own else {}).items() if k not in (FOLLOWS, HIDDEN)}
    data = {**library.data, **changes}
    unconfirmed = data.get("unconfirmed")
    if "unconfirmed" not in changes and isinstance(unconfirmed, list):
        data["unconfirmed"] = [key for key in unconfirmed if key not in changes]
    if "agency" not in data and commune is not None and isinstance(commune.data.get("committee"), str):
        data["agency"] = commune.data["committee"]  # the commune's committee, as its settings name it
    name = own.name if own else library.name
    return Layered(name, data, {}, [], library, own, commune, tuple(changes))


@dataclass
class Arranged:
    """A project's guides once its library is applied: slug → what to validate, and what was found."""

    sources: dict[str, Source] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)      # shown file → slug, for every guide file
    hidden: set[str] = field(default_factory=set)
    library_sources: list[Source] = field(default_factory=list)
    library: Library | None = None


def arrange(project: Project, library: Library | None, own: dict[str, Source | None],
            commune: Source | None) -> Arranged:
    """Each guide the commune offers: its own guides as they are, each library guide with the
    commune's override on top, minus those it hides. Problems name the file and line. A commune
    file that cannot be read (None) still stands in for the library guide of its name."""
    result = Arranged(library=library)
    followed: dict[str, str] = {}
    for slug, source in own.items():
        if source is None:
            continue
        target = source.data.get(FOLLOWS)
        if target is None:
            result.sources[slug] = source
            continue
        problem = _follow_problem(source, target, library, followed)
        if problem:
            result.problems.append(problem)
            continue
        followed[target] = slug
    if library is not None:
        for path in library.guide_paths():
            _add_library_guide(project, library, path, own, followed, commune, result)
    return result


def _follow_problem(source: Source, target: Any, library: Library | None, followed: dict[str, str]) -> Problem | None:
    line = source.line_of((FOLLOWS,))
    if library is None:
        return Problem(source.name, line, FOLLOWS, "xã chưa theo thư viện nào; hãy ghi 'library: bundled' (hoặc đường "
                                                   "dẫn thư viện của tỉnh) trong content/commune.yaml")
    slugs = [p.stem for p in library.guide_paths()]
    if not isinstance(target, str) or target not in slugs:
        return Problem(source.name, line, FOLLOWS, f"thư viện không có hướng dẫn '{target}'; các hướng dẫn có: "
                                                   f"{', '.join(slugs)}")
    if source.data.get(HIDDEN) not in (None, *YES, *NO):
        return Problem(source.name, source.line_of((HIDDEN,)), HIDDEN, "phải là true (ẩn hướng dẫn này) hoặc false")
    if target in followed:
        return Problem(source.name, line, FOLLOWS, f"hướng dẫn '{target}' của thư viện đã được tệp "
                                                   f"content/guides/{followed[target]}.yaml theo; mỗi hướng dẫn chỉ "
                                                   "theo một lần")
    return None


def _add_library_guide(project: Project, library: Library, path: Path, own: dict[str, Source | None],
                       followed: dict[str, str], commune: Source | None, result: Arranged) -> None:
    slug = path.stem
    override = own.get(followed[slug]) if slug in followed else None
    if slug in own and override is None:
        return  # the commune's own guide of that name replaces the library's whole
    shown = library.shown(project, path)
    target = followed.get(slug, slug)
    result.files[shown] = target
    if override is not None and override.data.get(HIDDEN) in YES:
        result.hidden.add(target)
        return
    try:
        source = load_yaml(path, shown)
    except ContentError as exc:
        result.problems += exc.problems
        return
    result.library_sources.append(source)
    named = naming_problems(source, commune)
    result.problems += named
    if not named:  # refused whole: a handout must never print another commune's name or numbers
        result.sources[target] = layered(source, override, commune)


# --- a library guide is written for any commune ---------------------------------------------------

_UNIT = re.compile(r"\b(xã|phường|thị trấn|đặc khu)\s+([^\W\d_]\w*(?:\s+[^\W\d_]\w*){0,2})", re.IGNORECASE)
_DIGITS = re.compile(r"\d")


def naming_problems(source: Source, commune: Source | None) -> list[Problem]:
    """A library guide must name no particular commune: not 'xã <Name>' written out, nor this
    commune's name, committee, phone numbers or officers (the templates print those from settings)."""
    named = _commune_words(commune.data if commune else {})
    numbers = {digits for digits in named if digits.isdigit()}
    problems = []
    for path, text in _strings(source.data, ()):
        found = _named_unit(text) or next((w for w in named if not w.isdigit() and w in text), None)
        digits = "".join(_DIGITS.findall(text))
        found = found or next((n for n in numbers if n in digits), None)
        if found:
            problems.append(Problem(source.name, source.line_of(path), _dotted(path), _naming_message(found)))
    return problems


def _naming_message(found: str) -> str:
    return (f"hướng dẫn của thư viện không được ghi riêng cho một xã ('{found}'): tên xã, ủy ban, nơi tiếp nhận, "
            "đường dây nóng và cán bộ được in từ content/commune.yaml của từng xã; hãy viết chung, ví dụ "
            "'Ủy ban nhân dân cấp xã', hoặc để xã ghi trong tệp của mình (follows)")


def _named_unit(text: str) -> str | None:
    for match in _UNIT.finditer(text):
        if match.group(2)[0].isupper():
            words = match.group(2).split()
            proper = [w for w in words[:next((i for i, w in enumerate(words) if not w[0].isupper()), len(words))]]
            return f"{match.group(1)} {' '.join(proper)}"
    return None


def _commune_words(data: dict) -> set[str]:
    """This commune's name (with and without 'xã'), committee, officers' names and phone digits."""
    words: set[str] = set()
    for key in ("name", "committee"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            words.add(value.strip())
            bare = re.sub(r"^(xã|phường|thị trấn|đặc khu)\s+", "", value.strip(), flags=re.IGNORECASE)
            if len(bare) >= 4:
                words.add(bare)
    for item in [*(data.get("hotlines") or []), *(data.get("contacts") or [])]:
        if isinstance(item, dict):
            for key in ("number", "phone"):
                digits = "".join(_DIGITS.findall(str(item.get(key, ""))))
                if len(digits) >= 6:
                    words.add(digits)
            if isinstance(item.get("name"), str) and len(item["name"].strip()) >= 4:
                words.add(item["name"].strip())
    return words


def _strings(value: Any, path: Path_):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,))
    elif isinstance(value, str):
        yield path, value


def _dotted(path: Path_) -> str:
    return dotted_key(path) if path else WHOLE_FILE


# --- one guide the commune follows, as the studio edits it -----------------------------------------

@dataclass(frozen=True)
class Followed:
    """A library guide as one commune offers it: the commune's slug, the library's, the commune's
    override file (written on the first change) and the values layered from both."""

    slug: str
    target: str
    path: Path
    guide: Layered


def followed(project: Project, slug: str) -> Followed | None:
    """The library guide `slug` stands for in this commune; None when `slug` is the commune's own
    guide, is not in the library, or a file under it cannot be read (validation names it)."""
    library, _ = find(project)
    path = project.guide_path(slug)
    if library is None or not SLUG_PATTERN.match(slug):
        return None
    try:
        own = load_yaml(path, project.shown(path)) if path.is_file() else None
        target = own.data.get(FOLLOWS) if own else slug
        if not isinstance(target, str) or not library.guide_path(target).is_file():
            return None
        base = load_yaml(library.guide_path(target), library.shown(project, library.guide_path(target)))
    except ContentError:
        return None
    return Followed(slug, target, path, layered(base, own, commune_source(project)))


def commune_source(project: Project) -> Source | None:
    """commune.yaml as parsed (None when it cannot be read: validation reports that)."""
    path = project.content_dir / COMMUNE_FILE
    try:
        return load_yaml(path, project.shown(path))
    except ContentError:
        return None
