"""Load and validate a project's content: commune.yaml and every guide, all problems at once."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from outreach.errors import ContentError, Problem
from outreach.model import DATE_FORMS, SLUG_PATTERN, Commune, Guide, Schedule, lexicon_entries
from outreach.project import Project
from outreach.templating import icon_names, template_folders
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
    commune = _load_model(loading, project.content_dir / "commune.yaml", Commune, keep_source=True)
    if not project.guides_dir.is_dir():
        loading.problems.append(Problem(project.shown(project.guides_dir), 1, WHOLE_FILE,
                                        "không có thư mục hướng dẫn; hãy chạy 'outreach new <tên>' để tạo"))
    before = len(loading.problems)
    lexicon = _load_lexicon(loading)
    lexicon_broken = len(loading.problems) > before
    guides: dict[str, Guide] = {}
    for path in project.guide_paths():
        guide = _load_guide(loading, path)
        if guide is not None:
            guides[path.stem] = guide
    schedule_path = project.content_dir / "schedule.yaml"
    slugs = {p.stem for p in project.guide_paths()}
    schedule = (_load_model(loading, schedule_path, Schedule, lambda s: s.problems(slugs), optional=True)
                if _present(schedule_path) else None)
    loading.warnings += linked_out_folders(project)
    return Content(commune, guides, loading.problems, lexicon, schedule, loading.warnings, loading.sources,
                   lexicon_broken)


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
    judged exactly as load_content judges it: the studio checks a form's values before they are saved."""
    loading = _Loading(project, icon_names(template_folders(project)))
    _load_model(loading, path, model, keep_source=True)
    return loading.problems, loading.warnings, loading.sources[0] if loading.sources else None


def _present(path: Path) -> bool:
    """There is something at `path`: a FIFO or a dangling link is then refused with a message, not
    skipped as if the file were absent."""
    return path.exists() or path.is_symlink()


def _load_guide(loading: _Loading, path: Path) -> Guide | None:
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
    return _load_model(loading, path, Guide, keep_source=True)


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
    project = loading.project
    try:
        source = load_yaml(path, project.shown(path), empty_ok=optional)
        loading.warnings.extend(source.warnings)
        if keep_source:
            loading.sources.append(source)
        if optional and not source.data:
            return None
        context = {"icons": loading.icons, "content_dir": project.content_dir}
        value = model.model_validate(source.data, context=context)
        found = checks(value) if checks else []
        loading.problems.extend(Problem(source.name, source.line_of(loc), dotted_key(loc), message)
                                for loc, message in found)
        return None if found else value
    except ContentError as exc:
        loading.problems.extend(exc.problems)
    except ValidationError as exc:
        loading.problems.extend(_at_most(_problems_from(exc, source, model)))
    return None


def _at_most(found: list[Problem], limit: int = MAX_PROBLEMS_PER_FILE) -> list[Problem]:
    """The first `limit` problems of a file and a count of the rest: a pasted list of thousands of
    bad items must not print thousands of lines."""
    if len(found) <= limit:
        return found
    last = found[limit]
    return found[:limit] + [Problem(last.file, last.line, last.key, f"và {len(found) - limit} lỗi khác trong tệp này")]


def _problems_from(exc: ValidationError, source: Source, model: type[BaseModel]) -> list[Problem]:
    return [
        Problem(source.name, source.line_of(err["loc"]), dotted_key(err["loc"]), _message(err, model))
        for err in exc.errors(include_url=False)
    ]


def _message(err: Any, model: type[BaseModel]) -> str:
    """A Vietnamese message for one pydantic error."""
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    if kind == "extra_forbidden":
        return _unknown_key_message(model, err["loc"])
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind in ("string_type", "date_type") and value is None:
        return "còn để trống; hãy điền nội dung sau dấu hai chấm (hoặc xóa cả dòng nếu mục này không bắt buộc)"
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
    known = _fields_at(model, loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
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
