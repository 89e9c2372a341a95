"""The commune's templates: code that a commune edits, so Jinja2 runs them sandboxed, reads them only
from the project's templates/ and the built-in ones, and stops any render that runs away.

A file in the project's templates/ overrides the built-in one of the same name; a project with no
templates/ of its own uses the built-in ones alone.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import jinja2.meta
import markupsafe
from jinja2.sandbox import MAX_RANGE, ImmutableSandboxedEnvironment, SecurityError

from outreach import limitedproc, text
from outreach.errors import ContentError, OutreachError, Problem
from outreach.library import library_templates
from outreach.project import Project

PACKAGE_DIR = Path(__file__).parent
MAX_TEMPLATE_BYTES = 256 * 1024
MAX_OUTPUT_CHARS = 4_000_000     # a handout's HTML is about 20 000; a catalog of 1 000 guides fits
MAX_SEQUENCE = 1_000_000         # longest string or list one `*` or `+` in a template may make
MAX_EXPONENT = 64                # `2 ** 64` is plenty for a template; `10 ** 11` strings are not
RENDER_SECONDS = 20.0            # no product takes a tenth of that
# What a render may allocate, whatever makes it (`center`, `format`, `~`, `join`, ...): a handout's
# whole render needs a few MB; pictures are decoded outside it (assets.Pictures).
TEMPLATE_MEMORY = 256 * limitedproc.MB
KILL_GRACE = 2.0                 # past RENDER_SECONDS the sandbox stops a render; past this, its worker is killed
_WORKER = limitedproc.LimitedWorker(TEMPLATE_MEMORY, preload=(__name__, "outreach.model"))


def builtin_templates_dir() -> Path:
    """The templates shipped with outreach: inside the package when installed, at the top of the
    source tree when run from a checkout (an editable install)."""
    installed = PACKAGE_DIR / "templates"
    return installed if installed.is_dir() else PACKAGE_DIR.parent / "templates"


def template_folders(project: Project) -> list[Path]:
    """Where templates are looked up, first match wins: the project's own, then its library's
    (a province may give all its communes one look), then the built-in ones."""
    folders = [project.templates_dir, *library_templates(project), builtin_templates_dir()]
    unique: list[Path] = []
    for folder in folders:
        if folder.is_dir() and all(folder.resolve() != seen.resolve() for seen in unique):
            unique.append(folder)
    return unique


def find_template_file(folders: list[Path], name: str) -> Path | None:
    """The file `name` (e.g. "style.css", "icons/pay.svg") of the first folder that has it, checked
    to be a regular file really inside that folder (a symlink out of it is refused)."""
    pieces = jinja2.loaders.split_template_path(name)
    for folder in folders:
        path = folder.joinpath(*pieces)
        if not path.exists() and not path.is_symlink():
            continue
        real = path.resolve()
        if not real.is_relative_to(folder.resolve()) or not real.is_file():
            raise TemplateRefused(name, path)
        return path
    return None


def icon_names(folders: list[Path]) -> frozenset[str]:
    """The pictograms a guide may name: every icons/*.svg of the template folders."""
    return frozenset(p.stem for folder in folders for p in (folder / "icons").glob("*.svg"))


class TemplateRefused(jinja2.TemplateError):
    """A template path that leaves its folder (symlink) or is not a plain file."""

    def __init__(self, name: str, path: Path):
        super().__init__(f"mẫu '{name}' trỏ ra ngoài thư mục templates/ hoặc không phải tệp thường; đã từ chối đọc")
        self.filename = str(path)


def read_template_text(path: Path, name: str) -> str:
    """A template file's text, refusing files too large to be a template."""
    with path.open("rb") as handle:
        data = handle.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise jinja2.TemplateError(f"mẫu '{name}' quá lớn (tối đa {MAX_TEMPLATE_BYTES // 1024} KB)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise jinja2.TemplateError(f"mẫu '{name}' không phải mã UTF-8") from None


class ConfinedLoader(jinja2.BaseLoader):
    """Templates from the folders only, never through a symlink that leaves them."""

    def __init__(self, folders: list[Path]):
        self.folders = folders

    def get_source(self, environment, template: str):
        path = find_template_file(self.folders, template)
        if path is None:
            raise jinja2.TemplateNotFound(template)
        mtime = path.stat().st_mtime_ns
        return read_template_text(path, template), str(path), lambda: path.stat().st_mtime_ns == mtime

    def list_templates(self) -> list[str]:
        names = {p.relative_to(folder).as_posix() for folder in self.folders for p in folder.rglob("*") if p.is_file()}
        return sorted(names)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox (no access to Python internals, no changing data), plus limits on
    the size of what `*`, `+` and `**` make and on the time a render may take."""

    intercepted_binops = frozenset({"*", "+", "**"})

    def __init__(self, **options: Any):
        super().__init__(**options)
        self._deadline = threading.local()
        self.globals["range"] = bounded_range

    def call_binop(self, context, operator: str, left, right):
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"số mũ quá lớn ({right}) trong mẫu")
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if hasattr(sequence, "__len__") and isinstance(count, int) and len(sequence) * count > MAX_SEQUENCE:
                    raise SecurityError("mẫu tạo ra chuỗi quá dài")
        if (operator == "+" and hasattr(left, "__len__") and hasattr(right, "__len__")
                and len(left) + len(right) > MAX_SEQUENCE):
            raise SecurityError("mẫu tạo ra chuỗi quá dài")
        self.check_time()
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        __self.check_time()
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj, attribute):
        self.check_time()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        self.check_time()
        return super().getitem(obj, argument)

    def check_time(self) -> None:
        deadline = getattr(self._deadline, "at", None)
        if deadline is not None and time.monotonic() > deadline:
            raise SecurityError(too_slow(self._deadline.seconds))

    @contextmanager
    def time_limit(self, seconds: float | None = None) -> Iterator[None]:
        """Renders (and macro calls) inside stop after `seconds` (RENDER_SECONDS); nested limits keep
        the outer one."""
        outer = getattr(self._deadline, "at", None)
        if outer is None:
            self._deadline.seconds = seconds or RENDER_SECONDS
        self._deadline.at = outer or time.monotonic() + self._deadline.seconds
        try:
            yield
        finally:
            self._deadline.at = outer


def bounded_range(*args: int) -> range:
    """range() as templates get it: no more than MAX_RANGE numbers (Jinja's own limit, in Vietnamese)."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range() quá lớn trong mẫu: tối đa {MAX_RANGE:,} số".replace(",", "."))
    return numbers


def too_slow(seconds: float) -> str:
    return f"mẫu chạy quá {seconds:.0f} giây; có vòng lặp quá lớn?"


def template_environment(project: Project) -> BoundedSandbox:
    """The one environment of a build (per process): sandboxed, confined, HTML autoescaped."""
    return sandbox(tuple(template_folders(project)))


def sandbox(folders: tuple[Path, ...]) -> BoundedSandbox:
    """A sandboxed environment of the templates in `folders`."""
    env = BoundedSandbox(
        loader=ConfinedLoader(list(folders)),
        # select_autoescape matches by suffix; ".html.j2" must be listed or nothing is escaped.
        autoescape=jinja2.select_autoescape(["html", "xml", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["section"] = text.section_mark
    env.filters.update(vn_date=vn_date, short_url=short_url, sentence=text.sentence,
                       lower_first=text.lower_first, contact_lines=contact_lines, keep_together=keep_together)
    return env


def render(env: BoundedSandbox, name: str, **variables: Any) -> str:
    """Template `name` rendered with `variables` (which must pickle), bounded in time, size and
    memory; a template that fails or runs away raises ContentError naming its file and line."""
    return confined(env, name, _generated, name, variables)


def confined(env: BoundedSandbox, name: str, work: Callable[..., Any], *args: Any) -> Any:
    """work(sandbox, *args), where `sandbox` has env's templates, in the render worker: under
    TEMPLATE_MEMORY of address space and RENDER_SECONDS (where the platform allows; else here).
    Any failure is a ContentError naming template `name` or the template at fault."""
    if not limitedproc.available():
        return _outcome(_run_sandboxed(env, name, RENDER_SECONDS, work, args))
    folders = tuple(env.loader.folders)  # type: ignore[union-attr]
    try:
        answer = _WORKER.call(_in_worker, (folders, name, RENDER_SECONDS, work, args), RENDER_SECONDS + KILL_GRACE)
    except limitedproc.Exhausted as exc:
        what = too_slow(RENDER_SECONDS) if exc.kind == "time" else too_greedy()
        raise ContentError([Problem(f"templates/{name}", 1, "(mẫu)", f"lỗi trong mẫu trình bày: {what}")]) from None
    return _outcome(answer)


def too_greedy() -> str:
    return f"mẫu dùng quá nhiều bộ nhớ (tối đa {TEMPLATE_MEMORY // limitedproc.MB} MB)"


_sandboxes: dict[tuple[Path, ...], BoundedSandbox] = {}


def _in_worker(folders: tuple[Path, ...], name: str, seconds: float, work: Callable[..., Any], args: tuple) -> tuple:
    """In the render worker: the sandbox of `folders` (the last few kept, each caches its compiled
    templates) runs the work."""
    if folders not in _sandboxes:
        if len(_sandboxes) >= 4:
            _sandboxes.pop(next(iter(_sandboxes)))
        _sandboxes[folders] = sandbox(folders)
    return _run_sandboxed(_sandboxes[folders], name, seconds, work, args)


def _run_sandboxed(env: BoundedSandbox, name: str, seconds: float, work: Callable[..., Any], args: tuple) -> tuple:
    """("ok", result), ("problems", [Problem]) or ("error", message): what pickles back from a worker.
    A failure in no template's code (the memory limit met outside one) is charged to template `name`."""
    try:
        with template_errors(name), env.time_limit(seconds):
            return "ok", work(env, *args)
    except ContentError as exc:
        return "problems", exc.problems
    except OutreachError as exc:
        return "error", exc.message


def _outcome(answer: tuple) -> Any:
    kind, value = answer
    if kind == "problems":
        raise ContentError(value)
    if kind == "error":
        raise OutreachError(value)
    return value


def _generated(env: BoundedSandbox, name: str, variables: dict[str, Any]) -> str:
    """Template `name`'s output, refused past MAX_OUTPUT_CHARS. The chunks are copied into one buffer
    as they come, not kept: millions of one-character chunks kept as objects took ~60 bytes a
    character, so a flood of them met the memory limit before this one, at a place that depended on
    what the worker had run before."""
    template = env.get_template(name)
    size, output = 0, io.StringIO()
    for chunk in template.generate(**variables):
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            too_long = SecurityError(f"mẫu tạo ra hơn {MAX_OUTPUT_CHARS:,} ký tự".replace(",", "."))
            too_long.filename = template.filename  # type: ignore[attr-defined]
            raise too_long
        env.check_time()
        output.write(chunk)
    return output.getvalue()




@contextmanager
def template_errors(rendering: str | None = None) -> Iterator[None]:
    """Any failure of a template (syntax, runtime, sandbox, runaway recursion or memory) becomes a
    ContentError at the template's own file and line (template `rendering`'s when no frame is a template's)."""
    try:
        yield
    except (jinja2.TemplateError, RecursionError, MemoryError, ArithmeticError, TypeError, ValueError,
            LookupError, AttributeError) as exc:
        raise ContentError([template_problem(exc, rendering)]) from None


def template_problem(exc: BaseException, rendering: str | None = None) -> Problem:
    """Where in which template `exc` happened, and what it was, for the officer."""
    name = getattr(exc, "filename", None)
    line = getattr(exc, "lineno", None)
    if not name:  # runtime errors: the deepest frame Jinja rewrote to point into a template
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".j2", ".css"))]
        if frames:
            name, line = frames[-1].filename, frames[-1].lineno
    if not name and rendering:
        name = f"templates/{rendering}"
    if isinstance(exc, RecursionError):
        what = "mẫu tự gọi lại chính nó quá nhiều lần (macro đệ quy?)"
    elif isinstance(exc, MemoryError):
        what = too_greedy()
    else:
        what = getattr(exc, "message", None) or str(exc)
    return Problem(_shown_template(name), line or 1, "(mẫu)", f"lỗi trong mẫu trình bày: {what}")


def _shown_template(name: str | None) -> str:
    """templates/<name> for the officer, wherever the file really is."""
    if not name:
        return "templates"
    path = Path(name)
    for parent in path.parents:
        if parent.name == "templates":
            return f"templates/{path.relative_to(parent).as_posix()}"
    return path.name


def template_sources(env: jinja2.Environment, name: str) -> dict[str, str]:
    """The source of template `name` and of every template it extends, includes or imports."""
    seen: dict[str, str] = {}
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        try:
            source, _, _ = env.loader.get_source(env, current)  # type: ignore[union-attr]
            seen[current] = source
            pending += [t for t in jinja2.meta.find_referenced_templates(env.parse(source)) if t]
        except jinja2.TemplateError:  # missing or broken: the build reports it with its line
            seen.setdefault(current, "(unreadable)")
    return seen


def vn_date(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def short_url(url: str) -> str:
    """The address as printed under a QR code: no scheme, no trailing slash."""
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/")


_SPACE = r"[ \u00a0]"
_TIME = r"\d{1,2}(?:h\d{2}|h\b|:\d{2}|" + _SPACE + r"?giờ(?:" + _SPACE + r"\d{2}(?:" + _SPACE + r"phút)?)?)"
# What a reader must never find split across two lines, most specific first: legal references
# (60/2014/QH13, 123/2015/NĐ-CP), procedure codes (1.001193), phone numbers ((0251) 1022,
# 0987 654 321, 1900 1234), dates (25/11/2026, 01/7), time ranges (7 giờ 00 – 11 giờ 30), amounts
# (200.000 đồng/bản, 2.000 đ), counts of days, hours or pages (05 ngày làm việc) and levels
# (VNeID mức độ 2).
UNBREAKABLE = re.compile("|".join([
    r"\b\d+/\d{4}/[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)*",
    r"\b\d\.\d{6}\b",
    r"\(0\d{1,4}\)" + _SPACE + r"?\d{2,4}(?:[ .\u00a0]\d{2,4})*",
    r"\b(?:0\d{2,3}|1[89]00)(?:[ .\u00a0]\d{3,4}){1,2}\b",
    r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
    _TIME + r"(?:" + _SPACE + r"?[–-]" + _SPACE + r"?" + _TIME + r")?",
    r"\b\d{1,3}(?:\.\d{3})*(?:,\d+)?" + _SPACE + r"?(?:đồng|đ|VNĐ)(?:/[^\W\d_]+)?(?!\w)",
    r"\b\d+" + _SPACE + r"(?:ngày làm việc|ngày|giờ|phút|tháng|năm|tuổi|bản|trang|lần)(?!\w)",
    r"\bmức" + _SPACE + r"(?:độ" + _SPACE + r")?\d\b",
]))


def keep_together(value) -> markupsafe.Markup:
    """`value` as HTML (escaped unless it already is) with every number a reader must see whole
    wrapped in <span class="nobr">, which style.css keeps on one line."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(UNBREAKABLE.sub(lambda m: f'<span class="nobr">{m.group()}</span>', value))
    pieces, end = [], 0
    raw = str(value)
    for match in UNBREAKABLE.finditer(raw):
        pieces += [markupsafe.escape(raw[end:match.start()]),
                   markupsafe.Markup('<span class="nobr">%s</span>') % match.group()]
        end = match.end()
    return markupsafe.Markup("").join([*pieces, markupsafe.escape(raw[end:])])


def contact_lines(commune) -> list[tuple[str, str]]:
    """(label, number) of every way to reach the commune but the main hotline: the other hotlines,
    then the officers."""
    return ([(line.label, line.number) for line in commune.hotlines[1:]]
            + [(f"{person.role} {person.name}", person.phone) for person in commune.contacts])
