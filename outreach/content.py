"""Load and validate a project's content: commune.yaml and every guide, all problems at once."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from outreach import samples
from outreach.errors import ContentError, Problem
from outreach.library import FOLLOWS, Arranged, Library, arrange
from outreach.library import find as find_library
from outreach.libraryseen import notices as library_notices
from outreach.model import (
    DATE_FORMS,
    FIELD_LABELS,
    SLUG_PATTERN,
    AudioSettings,
    Commune,
    Guide,
    Schedule,
    lexicon_entries,
)
from outreach.project import Project
from outreach.results import RESULTS_FILE, Figure, read_results
from outreach.sound.engines import engine_choices, installed, settings_problems
from outreach.templating import icon_names, template_folders
from outreach.text import LIST_MARKER
from outreach.yamlsource import WHOLE_FILE, Source, dotted_key, load_yaml

MAX_PROBLEMS_PER_FILE = 100


@dataclass
class Content:
    """What validation found: the commune, the valid guides by slug, and every problem."""

    commune: Commune | None
    guides: dict[str, Guide]
    problems: list[Problem]
    lexicon: dict[str, str]
    schedule: Schedule | None = None
    warnings: list[Problem] = field(default_factory=list)  # worth reading, but nothing fails
    sources: list[Source] = field(default_factory=list)    # commune.yaml and every readable guide, as parsed
    # content/lexicon.yaml had problems: its valid entries apply to `say`, but no audio is made from
    # a half-read lexicon (the build keeps the earlier audio until it is fixed).
    lexicon_broken: bool = False
    results: list[Figure] = field(default_factory=list)  # the good rows of content/results.csv
    files: dict[str, str] = field(default_factory=dict)  # every guide file as shown → the guide's slug
    hidden: set[str] = field(default_factory=set)        # library guides the commune does not offer
    library: Library | None = None                       # the library the commune follows, if any

    @property
    def slugs(self) -> set[str]:
        """Every guide the commune offers, valid or not."""
        return set(self.files.values()) - self.hidden

    def file_of(self, project: Project, slug: str) -> str:
        """The file an officer opens for a guide: its own file, else the library's."""
        own = project.shown(project.guide_path(slug))
        return own if own in self.files else next((f for f, s in self.files.items() if s == slug), own)


@dataclass
class _Loading:
    """What reading a project's files gathers as it goes."""

    project: Project
    icons: frozenset[str]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)


def load_content(project: Project) -> Content:
    """Validate commune.yaml and every guide, collecting all problems instead of stopping."""
    loading = _Loading(project, icon_names(template_folders(project)))
    commune = _load_model(loading, project.content_dir / "commune.yaml", Commune, _engine_problems, keep_source=True)
    commune_source = loading.sources[0] if loading.sources else None
    if commune is not None and commune_source is not None:
        loading.warnings.extend(_old_audio_keys(commune, commune_source))
    if commune is not None and commune_source is not None:
        loading.warnings.extend(_advice(commune, commune_source))
    if not project.guides_dir.is_dir():
        loading.problems.append(Problem(project.shown(project.guides_dir), 1, WHOLE_FILE,
                                        "không có thư mục hướng dẫn; hãy chạy 'outreach new <tên>' để tạo"))
    before = len(loading.problems)
    lexicon = _load_lexicon(loading)
    lexicon_broken = len(loading.problems) > before
    guides, arranged = _load_guides(loading, commune_source)
    schedule_path = project.content_dir / "schedule.yaml"
    slugs = set(arranged.files.values()) - arranged.hidden
    schedule = (_load_model(loading, schedule_path, Schedule, lambda s: s.problems(slugs), optional=True)
                if _present(schedule_path) else None)
    loading.warnings += linked_out_folders(project)
    results = _load_results(loading, arranged)
    return Content(commune, guides, loading.problems, lexicon, schedule, loading.warnings, loading.sources,
                   lexicon_broken, results, arranged.files, arranged.hidden, arranged.library)


def _load_guides(loading: _Loading, commune: Source | None) -> tuple[dict[str, Guide], Arranged]:
    """The commune's own guides and, when it follows a library, every library guide with the
    commune's changes on top (README, Library)."""
    project = loading.project
    library, problem = find_library(project)
    loading.problems += [problem] if problem else []
    own: dict[str, Source | None] = {}
    for path in project.guide_paths():
        own[path.stem] = _parse_guide(loading, path)
    arranged = arrange(project, library, own, commune)
    arranged.files.update({project.shown(path): path.stem for path in project.guide_paths()})
    loading.problems += arranged.problems
    loading.sources += arranged.library_sources
    loading.warnings += library_notices(project, arranged)
    guides: dict[str, Guide] = {}
    for slug, source in sorted(arranged.sources.items()):
        guide = _validated(loading, source, Guide)
        if guide is not None:
            guides[slug] = guide
            loading.warnings += _unconfirmed(source, guide) + _advice(guide, source)
    return guides, arranged


def _unconfirmed(source: Source, guide: Guide) -> list[Problem]:
    """The facts nobody confirmed yet: a warning until an officer checks them and says so."""
    if not guide.unconfirmed:
        return []
    labels = "; ".join(FIELD_LABELS[key] for key in guide.unconfirmed)
    return [Problem(*source.where(("unconfirmed",)), "unconfirmed",
                    f"chưa xác nhận: {labels} (xem notes); kiểm tra xong thì ghi 'unconfirmed: []' trong tệp của xã")]


def _load_results(loading: _Loading, arranged: Arranged) -> list[Figure]:
    """The good rows of content/results.csv; its codes are judged against every guide that parsed
    (a guide with an error elsewhere still owns its code), the library's included."""
    path = loading.project.content_dir / RESULTS_FILE
    codes = {str(s.data["code"]).strip() for slug, s in arranged.sources.items()
             if slug not in arranged.hidden and isinstance(s.data, dict) and s.data.get("code")}
    figures, problems = read_results(path, loading.project.shown(path), codes)
    loading.problems.extend(_at_most(problems))
    return figures


def linked_out_folders(project: Project) -> list[Problem]:
    """A warning for each folder of content/ (two levels: recordings/<slug>/) that is a link out of
    it: nothing in it is read, as a guide or a picture linked out is refused."""
    content = project.content_dir.resolve()
    folders = [p for p in sorted(project.content_dir.glob("*")) + sorted(project.content_dir.glob("*/*"))
               if p.is_symlink() and p.is_dir()]
    return [Problem(project.shown(folder), 1, WHOLE_FILE, "thư mục là liên kết tới nơi ngoài thư mục content/ nên "
                                                         "không được dùng; hãy chép các tệp vào thư mục content/")
            for folder in folders if not folder.resolve().is_relative_to(content)]


def check_file(project: Project, path: Path, model: type[BaseModel] = Guide) -> tuple[list[Problem], list[Problem],
                                                                                    Source | None]:
    """(problems, warnings, the parsed file) of one guide (or commune.yaml with `model=Commune`),
    judged exactly as load_content judges it: the studio checks a form's values before they are saved.
    A commune's file that follows a library guide is judged with the library's values under it."""
    loading = _Loading(project, icon_names(template_folders(project)))
    source = _layered(loading, _parse(loading, path, keep_source=True), model)
    value = _validated(loading, source, model) if source is not None else None
    if value is not None and source is not None:
        loading.warnings.extend(_advice(value, source))
    return loading.problems, loading.warnings, loading.sources[0] if loading.sources else None


def judged_guide(project: Project, path: Path, library: Library | None = None) -> tuple[Guide | None, list[Problem]]:
    """The guide written in `path` (an approved version kept aside as content/approved/<slug>.yaml),
    judged as load_content judges the guide's own file, layered on `library` (the library guide as
    approved) when it follows one, else on the project's; None and why when it is not valid."""
    loading = _Loading(project, icon_names(template_folders(project)))
    source = _layered(loading, _parse(loading, path), Guide, library)
    return (_validated(loading, source, Guide) if source is not None else None), loading.problems


def _layered(loading: _Loading, source: Source | None, model: type[BaseModel],
             library: Library | None = None) -> Source | None:
    """A commune's file that follows a library guide, with the library's values under it."""
    if source is None or model is not Guide or not isinstance(source.data.get(FOLLOWS), str):
        return source
    project, slug = loading.project, Path(source.name).stem
    arranged = arrange(project, library or find_library(project)[0], {slug: source}, _commune_source(project))
    loading.problems += [p for p in arranged.problems if p.file == source.name]
    return arranged.sources.get(slug, source)


def _commune_source(project: Project) -> Source | None:
    try:
        return load_yaml(project.content_dir / "commune.yaml", project.shown(project.content_dir / "commune.yaml"))
    except ContentError:
        return None


def _present(path: Path) -> bool:
    """There is something at `path`: a FIFO or a dangling link is then refused with a message, not
    skipped as if the file were absent."""
    return path.exists() or path.is_symlink()


def _parse_guide(loading: _Loading, path: Path) -> Source | None:
    project = loading.project
    shown = project.shown(path)
    if not SLUG_PATTERN.match(path.stem):
        loading.problems.append(Problem(shown, 1, WHOLE_FILE, "tên tệp chỉ gồm chữ thường không dấu, số và dấu gạch "
                                                              "ngang, ví dụ dang-ky-khai-sinh.yaml"))
        return None
    if not path.resolve().is_relative_to(project.content_dir.resolve()):
        loading.problems.append(Problem(shown, 1, WHOLE_FILE, "tệp là liên kết tới nơi ngoài thư mục content/; hãy "
                                                              "chép nội dung hướng dẫn vào thư mục content/guides/"))
        return None
    return _parse(loading, path, keep_source=True)


def _advice(value: BaseModel, source: Source) -> list[Problem]:
    """What the officer should read but that fails nothing: a guide's words held against its online
    level and its list items against pasted markers, the commune's settings against the starter's
    sample values."""
    if isinstance(value, Guide):
        return promises_beyond_level(value, source) + list_markers(value, source)
    if isinstance(value, Commune):
        return [Problem(*source.where(loc), dotted_key(loc), samples.message(text))
                for loc, text in samples.remaining(value)]
    return []


# What only a wholly online procedure may promise: a "một phần" one still brings the resident to the desk.
NO_TRAVEL = ("không phải đi lại", "không cần đi lại", "không phải xếp hàng", "không cần xếp hàng", "làm tại nhà",
             "ngay tại nhà")


def list_markers(guide: Guide, source: Source) -> list[Problem]:
    """List items that start with a marker of their own ("• Nhận…"): printed after the template's
    bullet, they read "• • Nhận…"."""
    items: list[tuple[tuple, str]] = [(("key_messages", i), m) for i, m in enumerate(guide.key_messages)]
    items += [(("common_mistakes", i), m) for i, m in enumerate(guide.common_mistakes)]
    items += [(("documents", i, "name"), d.name) for i, d in enumerate(guide.documents)]
    items += [(("steps", i, "text"), s.text) for i, s in enumerate(guide.steps)]
    return [Problem(*source.where(loc), dotted_key(loc),
                    f"bắt đầu bằng dấu đầu dòng '{found.group(0).strip()}'; mẫu in đã tự đánh dấu mỗi mục, hãy xóa "
                    "dấu này (xưởng soạn thảo tự xóa khi lưu)")
            for loc, text in items for found in [LIST_MARKER.search(text)] if found and found.start() == 0]


def promises_beyond_level(guide: Guide, source: Source) -> list[Problem]:
    """A "một phần" guide whose own words promise no travel: printed as written, so the officer is told."""
    if guide.online_level == "toàn trình":
        return []
    said = [(("promise",), guide.promise)] + [(("key_messages", i), m) for i, m in enumerate(guide.key_messages)]
    return [Problem(*source.where(loc), dotted_key(loc),
                    f"thủ tục trực tuyến một phần vẫn phải đến nơi tiếp nhận, mà câu này hứa '{found}'; hãy viết lại, "
                    "ví dụ: Nộp hồ sơ trên mạng, đỡ mất công đi lại")
            for loc, text in said for found in [next((w for w in NO_TRAVEL if w in text.lower()), None)] if found]


def load_lexicon(project: Project) -> dict[str, str]:
    """content/lexicon.yaml's valid entries as load_content reads them, without judging anything else."""
    return _load_lexicon(_Loading(project, frozenset()))


def _load_lexicon(loading: _Loading) -> dict[str, str]:
    """The valid entries of content/lexicon.yaml; each bad entry is a problem naming its line. A
    lexicon holding only comments is not used yet."""
    path = loading.project.content_dir / "lexicon.yaml"
    if not _present(path):
        return {}
    try:
        source = load_yaml(path, loading.project.shown(path), empty_ok=True)
    except ContentError as exc:
        loading.problems.extend(exc.problems)
        return {}
    loading.warnings.extend(source.warnings)
    if not source.data:
        return {}
    entries, bad = lexicon_entries(source.data)
    loading.problems.extend(Problem(source.name, source.line_of(loc), dotted_key(loc), message) for loc, message in bad)
    return entries


def _load_model(loading: _Loading, path: Path, model: type[BaseModel], checks=None, optional: bool = False,
                keep_source: bool = False) -> Any:
    """The validated model, or None after adding what is wrong to `loading.problems` (and to its
    warnings what the officer should read but that fails nothing).

    `checks(model)` may return more (key path, message) problems that need the whole file to see.
    An `optional` file (schedule, lexicon) holding only comments is None: not used yet. With
    `keep_source`, the parsed file is kept for the spelling check.
    """
    source = _parse(loading, path, optional, keep_source)
    if source is None or optional and not source.data:
        return None
    return _validated(loading, source, model, checks)


def _parse(loading: _Loading, path: Path, optional: bool = False, keep_source: bool = False) -> Source | None:
    """The parsed file, or None after adding why it cannot be read to `loading.problems`."""
    try:
        source = load_yaml(path, loading.project.shown(path), empty_ok=optional)
    except ContentError as exc:
        loading.problems.extend(exc.problems)
        return None
    loading.warnings.extend(source.warnings)
    if keep_source:
        loading.sources.append(source)
    return source


def _validated(loading: _Loading, source: Source, model: type[BaseModel], checks=None) -> Any:
    """`source` judged by `model` (and `checks`); each problem at the file and line that wrote it."""
    context = {"icons": loading.icons, "content_dir": loading.project.content_dir, "engines": engine_choices()}
    try:
        value = model.model_validate(source.data, context=context)
    except ValidationError as exc:
        loading.problems.extend(_at_most(_problems_from(exc, source, model)))
        return None
    found = checks(value) if checks else []
    loading.problems.extend(Problem(*source.where(loc), dotted_key(loc), message) for loc, message in found)
    return None if found else value


def _engine_problems(commune: Commune) -> list[tuple[tuple, str]]:
    """Each engine's section under audio (`viettel: {voice: …}`), judged by the engine's own settings."""
    known = [*AudioSettings.model_fields, *installed().engines]
    return [(("audio", *loc), _message(err, model) if model else _unknown_key_hint(str(loc[-1]), known))
            for loc, err, model in settings_problems(commune.audio)]


def _old_audio_keys(commune: Commune, source: Source) -> list[Problem]:
    """The flat engine keys of earlier versions (`audio.viettel_voice`) still work; say how to write them now."""
    return [Problem(source.name, source.line_of(("audio", old)), f"audio.{old}",
                    f"cách viết cũ, vẫn dùng được; nên viết '{spec.name}:' rồi dòng dưới thụt vào '{new}: …'")
            for spec in installed().engines.values() for old, new in spec.legacy.items()
            if old in (commune.audio.model_extra or {})]


def _at_most(found: list[Problem], limit: int = MAX_PROBLEMS_PER_FILE) -> list[Problem]:
    """The first `limit` problems of a file and a count of the rest: a pasted list of thousands of
    bad items must not print thousands of lines."""
    if len(found) <= limit:
        return found
    last = found[limit]
    return found[:limit] + [Problem(last.file, last.line, last.key, f"và {len(found) - limit} lỗi khác trong tệp này")]


def _problems_from(exc: ValidationError, source: Source, model: type[BaseModel]) -> list[Problem]:
    return [
        Problem(*source.where(err["loc"]), dotted_key(err["loc"]), _message(err, model))
        for err in exc.errors(include_url=False)
    ]


# An empty required value, in the words of a text file; the studio's form says it in its own (FORM_EMPTY).
EMPTY_IN_FILE = "còn để trống; hãy điền nội dung sau dấu hai chấm (hoặc xóa cả dòng nếu mục này không bắt buộc)"
FORM_EMPTY = "chưa điền; mục này bắt buộc"


def _message(err: Any, model: type[BaseModel]) -> str:
    """A Vietnamese message for one pydantic error."""
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    if kind == "extra_forbidden":
        return _unknown_key_message(model, err["loc"])
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind in ("string_type", "date_type") and value is None:
        return EMPTY_IN_FILE
    if kind == "literal_error":
        return "phải là một trong: " + str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
    simple = {
        "missing": "thiếu mục bắt buộc",
        "string_type": "phải là một đoạn chữ",
        "string_too_short": "không được để trống",
        "string_pattern_mismatch": "sai định dạng (giờ viết như 06:30; tên hướng dẫn viết như tên tệp, "
                                   "ví dụ dang-ky-khai-sinh)",
        "string_too_long": f"quá dài: tối đa {ctx.get('max_length')} ký tự, hãy rút gọn",
        "list_type": "phải là một danh sách (mỗi mục bắt đầu bằng '- ')",
        "too_short": f"cần ít nhất {ctx.get('min_length')} mục",
        "too_long": f"nhiều nhất {ctx.get('max_length')} mục",
        "int_type": "phải là một số nguyên",
        "int_parsing": "phải là một số nguyên",
        "int_from_float": "phải là một số nguyên",
        "float_type": "phải là một số, dùng dấu chấm thập phân, ví dụ 0.9",
        "float_parsing": "phải là một số, dùng dấu chấm thập phân, ví dụ 0.9",
        "greater_than_equal": f"không được nhỏ hơn {ctx.get('ge')}",
        "less_than_equal": f"không được lớn hơn {ctx.get('le')}",
        "model_type": "phải là các mục dạng 'khóa: giá trị'",
        "model_attributes_type": "phải là các mục dạng 'khóa: giá trị'",
        "date_type": f"phải là một ngày; {DATE_FORMS}",
        "date_from_datetime_parsing": f"phải là một ngày; {DATE_FORMS}",
        "date_parsing": f"phải là một ngày; {DATE_FORMS}",
    }
    return simple.get(kind, err["msg"])


def _unknown_key_message(model: type[BaseModel], loc: tuple) -> str:
    """'khóa không hợp lệ' plus a 'did you mean' when a known key is close."""
    return _unknown_key_hint(str(loc[-1]), _fields_at(model, loc[:-1]))


def _unknown_key_hint(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"; có phải ý bạn là '{close[0]}'?" if close else f"; các khóa hợp lệ: {', '.join(known)}"
    return "khóa không hợp lệ" + hint


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the (nested) model found at `loc`, following lists and optionals."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = current.model_fields[part].annotation
        current = _inner_model(annotation)
    return list(current.model_fields)


def _inner_model(annotation: Any) -> type[BaseModel]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        try:
            return _inner_model(arg)
        except TypeError:
            continue
    raise TypeError(annotation)
