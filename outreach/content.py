"""Load and validate a project's content: commune.yaml and every guide, all problems at once."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from outreach.errors import ContentError, Problem
from outreach.model import DATE_FORMS, SLUG_PATTERN, Commune, Guide, Lexicon, Schedule
from outreach.project import Project
from outreach.yamlsource import WHOLE_FILE, Source, dotted_key, load_yaml


@dataclass
class Content:
    """What validation found: the commune, the valid guides by slug, and every problem."""

    commune: Commune | None
    guides: dict[str, Guide]
    problems: list[Problem]
    lexicon: dict[str, str]
    schedule: Schedule | None = None
    warnings: list[Problem] = field(default_factory=list)  # worth reading, but nothing fails


def load_content(project: Project) -> Content:
    """Validate commune.yaml and every guide, collecting all problems instead of stopping."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    commune = _load_model(project, project.content_dir / "commune.yaml", Commune, problems, warnings)
    if not project.guides_dir.is_dir():
        problems.append(Problem(project.shown(project.guides_dir), 1, WHOLE_FILE,
                                "không có thư mục hướng dẫn; hãy chạy 'outreach new <tên>' để tạo"))
    lexicon = _load_lexicon(project, problems, warnings)
    guides: dict[str, Guide] = {}
    for path in project.guide_paths():
        if not SLUG_PATTERN.match(path.stem):
            problems.append(Problem(project.shown(path), 1, WHOLE_FILE,
                                    "tên tệp chỉ gồm chữ thường không dấu, số và dấu gạch ngang, ví dụ dang-ky-khai-sinh.yaml"))
            continue
        guide = _load_model(project, path, Guide, problems, warnings)
        if guide is not None:
            guides[path.stem] = guide
    schedule_path = project.content_dir / "schedule.yaml"
    slugs = {p.stem for p in project.guide_paths()}
    schedule = (_load_model(project, schedule_path, Schedule, problems, warnings, lambda s: s.problems(slugs),
                            optional=True) if schedule_path.is_file() else None)
    return Content(commune, guides, problems, lexicon, schedule, warnings)


def _load_lexicon(project: Project, problems: list[Problem], warnings: list[Problem]) -> dict[str, str]:
    path = project.content_dir / "lexicon.yaml"
    if not path.is_file():
        return {}
    lexicon = _load_model(project, path, Lexicon, problems, warnings, optional=True)
    return dict(lexicon.root) if lexicon is not None else {}


def _load_model(project: Project, path: Path, model: type[BaseModel], problems: list[Problem],
                warnings: list[Problem], checks=None, optional: bool = False) -> Any:
    """The validated model, or None after adding what is wrong to `problems` (and to `warnings`
    what the officer should read but that fails nothing).

    `checks(model)` may return more (key path, message) problems that need the whole file to see.
    An `optional` file (schedule, lexicon) holding only comments is None: not used yet.
    """
    try:
        source = load_yaml(path, project.shown(path), empty_ok=optional)
        warnings.extend(source.warnings)
        if optional and not source.data:
            return None
        context = {"icons": project.icon_names, "content_dir": project.content_dir}
        value = model.model_validate(source.data, context=context)
        found = checks(value) if checks else []
        problems.extend(Problem(source.name, source.line_of(loc), dotted_key(loc), message) for loc, message in found)
        return None if found else value
    except ContentError as exc:
        problems.extend(exc.problems)
    except ValidationError as exc:
        problems.extend(_problems_from(exc, source, model))
    return None


def _problems_from(exc: ValidationError, source: Source, model: type[BaseModel]) -> list[Problem]:
    return [
        Problem(source.name, source.line_of(err["loc"]), dotted_key(err["loc"]), _message(err, model))
        for err in exc.errors(include_url=False)
    ]


def _message(err: dict, model: type[BaseModel]) -> str:
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
