"""The guide and commune forms, derived from the pydantic models' JSON schema: a field added to
model.py appears in the studio without new HTML. Three things: the fields to show (with values and
the problems validation found for each), the values a submitted form holds, and the names the
form uses for each key path (`steps.1.icon` for Problem.key `steps[1].icon`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from outreach.errors import Problem
from outreach.fields import About, about_in_schema
from outreach.model import ENGINE_GROUP, calendar_date
from outreach.sound.engines import engine_labels

ABSENT = object()         # the key must not be in the file (an empty optional field)
MAX_POSTED_ITEMS = 50     # no list of the schema is longer than 10; a bigger count is not from our form
LONG_TEXT = 60            # a text that may be longer than this gets a text area that grows with it
SPOKEN = "Được đọc trên loa."
# Choices that are whatever registers in an entry-point group: value → what the officer reads.
REGISTERED_CHOICES = {ENGINE_GROUP: engine_labels}
Path_ = tuple[str | int, ...]


@dataclass
class FormField:
    """One field of a form as the template draws it."""

    path: Path_
    kind: str                      # text, textarea, integer, number, date, choice, icon, image, list, group
    label: str
    help: str = ""
    required: bool = False
    nullable: bool = False         # may be left empty (the schema allows null)
    choices: list[str] = field(default_factory=list)
    choice_labels: dict[str, str] = field(default_factory=dict)
    value: Any = None
    children: list[FormField] = field(default_factory=list)   # a group's fields, a list's items
    min_items: int = 0
    max_items: int | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    origin: int | None = None      # a list item's index in the file (None: added in the form)
    provenance: str = ""           # a library guide's field: whose value it shows ("thư viện" / "của xã")
    reset: str = ""                # … where "dùng lại của thư viện" posts, when the commune's file changes it

    @property
    def name(self) -> str:
        return form_name(self.path)

    def shown(self, choice: str) -> str:
        """What the officer reads for an allowed value (a commune's own pictogram: its name)."""
        return self.choice_labels.get(choice, choice)

    @property
    def rows(self) -> int:
        """A text area as tall as its text (one line for a short one)."""
        return min(8, max(1, len(str(self.value or "")) // 60 + 1))

    @property
    def anchor(self) -> str:
        return "f-" + self.name.replace(".", "-")


def form_name(path: Path_) -> str:
    return ".".join(str(part) for part in path)


def key_path(problem_key: str) -> Path_:
    """`steps[1].icon` → ('steps', 1, 'icon'); '(tệp)' → ()."""
    if problem_key.startswith("("):
        return ()
    return tuple(int(part[1:-1]) if part.startswith("[") else part
                 for part in re.findall(r"\[\d+\]|[^.\[\]]+", problem_key))


class Schema:
    """A model's JSON schema with its references resolved."""

    def __init__(self, schema: dict):
        self.root = schema
        self.defs = schema.get("$defs", {})

    def resolve(self, prop: dict) -> tuple[dict, str, bool]:
        """(the schema of a value, its model name for labels, whether null is allowed)."""
        nullable = False
        if "anyOf" in prop:
            options = [p for p in prop["anyOf"] if p.get("type") != "null"]
            nullable = len(options) < len(prop["anyOf"])
            prop = {**prop, **options[0]} if len(options) == 1 else prop
            prop.pop("anyOf", None)
        ref = prop.get("$ref") or (prop.get("allOf") or [{}])[0].get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            return {**self.defs[name], **{k: v for k, v in prop.items() if k == "default"}}, name, nullable
        return prop, "", nullable


def fields_of(schema: Schema, data: Mapping | None) -> list[FormField]:
    """The form of `schema`'s model, filled with `data` (the file as read, every value text)."""
    return _object_fields(schema, schema.root, schema.root.get("title", ""), (), data if isinstance(data, Mapping)
                          else {})


def _object_fields(schema: Schema, obj: dict, model: str, path: Path_, data: Mapping) -> list[FormField]:
    required = set(obj.get("required", []))
    return [_field(schema, prop, model, path + (key,), key, key in required, data.get(key))
            for key, prop in obj.get("properties", {}).items()]


def _field(schema: Schema, prop: dict, model: str, path: Path_, key: str, required: bool, value: Any) -> FormField:
    about = about_in_schema(prop, key)
    prop, ref_model, nullable = schema.resolve(prop)
    made = FormField(path, _kind(prop, key, about), about.label, _help(about), required, nullable)
    made.choice_labels = _choice_labels(about)
    made.choices = list(prop.get("enum", made.choice_labels if about.choices_from else []))
    if made.kind == "group":
        made.children = _object_fields(schema, prop, ref_model, path, value if isinstance(value, Mapping) else {})
    elif made.kind == "list":
        made.min_items, made.max_items = prop.get("minItems", 0), prop.get("maxItems")
        items = value if isinstance(value, list) else []
        made.children = [_item(schema, prop["items"], path + (i,), made.label, item) for i, item in enumerate(items)]
    else:
        made.value = _shown(made.kind, value if value is not None else (None if required else prop.get("default")))
    return made


def _item(schema: Schema, prop: dict, path: Path_, list_label: str, value: Any) -> FormField:
    prop, ref_model, _ = schema.resolve(prop)
    number = int(path[-1]) + 1
    if prop.get("type") == "object":
        return FormField(path, "group", f"{list_label} — mục {number}",
                         children=_object_fields(schema, prop, ref_model, path, value if isinstance(value, Mapping)
                                                 else {}), origin=number - 1)
    return FormField(path, _kind(prop, ""), f"Mục {number}", value=_shown(_kind(prop, ""), value), origin=number - 1)


def _help(about: About) -> str:
    return " ".join(filter(None, (about.help, SPOKEN if about.spoken else "")))


def _choice_labels(about: About) -> dict[str, str]:
    if about.choices_from in REGISTERED_CHOICES:
        return REGISTERED_CHOICES[about.choices_from]()
    return dict(about.choices)


def _kind(prop: dict, key: str, about: About | None = None) -> str:
    if key == "icon":
        return "icon"
    if key in ("image", "logo"):
        return "image"
    if about is not None and about.choices_from:
        return "choice"
    if prop.get("type") == "array":
        return "list"
    if prop.get("type") == "object":
        return "group"
    if "enum" in prop:
        return "choice"
    if prop.get("format") == "date":
        return "date"
    if prop.get("type") in ("integer", "number"):
        return prop["type"]
    return "textarea" if prop.get("maxLength", 0) > LONG_TEXT else "text"


def _shown(kind: str, value: Any) -> Any:
    """A date as officers write it (25/11/2026) when it is one; anything else as written."""
    if kind == "date" and value is not None:
        try:
            return calendar_date(value).strftime("%d/%m/%Y")
        except (ValueError, TypeError):
            return str(value)
    return value


def attach(fields: list[FormField], problems: list[Problem], warnings: list[Problem]) -> list[Problem]:
    """Put each problem's message on the field its key names (or the nearest enclosing one); the
    problems no field holds (an unknown key, the whole file) are returned."""
    by_name = {f.name: f for f in walk(fields)}
    loose = []
    for problem, bucket in [(p, "problems") for p in problems] + [(w, "warnings") for w in warnings]:
        path = key_path(problem.key)
        while path and form_name(path) not in by_name:
            path = path[:-1]
        if path:
            getattr(by_name[form_name(path)], bucket).append(problem.message)
        else:
            loose.append(problem)
    return loose


def walk(fields: list[FormField]):
    for f in fields:
        yield f
        yield from walk(f.children)


# --- a submitted form → the values to write ---------------------------------------------------

def posted(schema: Schema, form: Mapping[str, str], before: Mapping | None) -> dict:
    """The values of a submitted form, by key, following the schema: ABSENT for an empty optional
    field (and for a default the file did not spell out), None for an empty required one."""
    return _posted_object(schema, schema.root, form, (), before if isinstance(before, Mapping) else {})


def _posted_object(schema: Schema, obj: dict, form: Mapping[str, str], path: Path_, before: Mapping) -> dict:
    required = set(obj.get("required", []))
    out = {}
    for key, prop in obj.get("properties", {}).items():
        resolved, _, _ = schema.resolve(prop)
        value = _posted_value(schema, resolved, key, form, path + (key,), before.get(key))
        if value is None and key not in required:
            value = ABSENT
        if key not in before and "default" in resolved and _same(resolved["default"], value):
            value = ABSENT  # a default the officer never wrote stays unwritten
        out[key] = value
    return out


def _posted_value(schema: Schema, prop: dict, key: str, form: Mapping[str, str], path: Path_, before: Any) -> Any:
    kind = _kind(prop, key)
    if kind == "group":
        return _posted_object(schema, prop, form, path, before if isinstance(before, Mapping) else {})
    if kind == "list":
        count = _count(form.get(f"{form_name(path)}.n", "0"))
        item, _, _ = schema.resolve(prop["items"])
        olds = before if isinstance(before, list) else []
        return [_posted_value(schema, item, "", form, path + (i,), olds[i] if i < len(olds) else None)
                for i in range(count)]
    return typed(kind, form.get(form_name(path), ""))


def _count(text: str) -> int:
    return min(int(text), MAX_POSTED_ITEMS) if text.isdigit() else 0


def typed(kind: str, text: str) -> Any:
    """What one input holds: None when empty, numbers as numbers when they are (otherwise the text as
    typed, so validation names what is wrong with it); a date as typed (25/11/2026), which the file
    keeps and validation reads."""
    if not text.strip():
        return None
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
        if kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            return dt.date.fromisoformat(text.strip())  # written unquoted; any other form as typed
    except ValueError:
        return text
    return text


def _same(old: Any, new: Any) -> bool:
    return same_value(old, new)


def same_value(old: Any, new: Any) -> bool:
    """Whether a value written in the file (as text) already says `new`: then the file keeps its
    own spelling (`25/11/2026`, `"1.001193"`)."""
    if old is None or new is None or new is ABSENT:
        return old is None and new is None
    if str(old) == str(new):
        return True
    try:
        return calendar_date(old) == calendar_date(new)
    except (ValueError, TypeError):
        return False


def differences(schema: Schema, form: Mapping, disk: Mapping | None) -> list[tuple[str, str, str, str]]:
    """(anchor, label, the form's value, the file's) of each field whose value differs between the
    officer's form and the file now on disk (another tab or a hand edit saved meanwhile)."""
    theirs = {f.name: f for f in walk(fields_of(schema, disk))}
    out = []
    for mine in walk(fields_of(schema, form)):
        other = theirs.get(mine.name)
        if mine.kind == "list" or mine.children:
            if mine.kind == "list" and other is not None and len(other.children) != len(mine.children):
                out.append((mine.anchor, mine.label, f"{len(mine.children)} mục", f"{len(other.children)} mục"))
            continue
        there = other.value if other is not None else None
        if not same_value(there, mine.value) and not (there in (None, "") and mine.value in (None, "")):
            out.append((mine.anchor, mine.label, _said(mine.value), _said(there)))
    return out


def _said(value: Any) -> str:
    return "(trống)" if value is None or value == "" else str(value)


def submitted(fields: list[FormField]) -> dict[str, str]:
    """What a browser sends for these fields untouched: every value, and each list's count."""
    values: dict[str, str] = {}
    for f in walk(fields):
        if f.kind == "list":
            values[f"{f.name}.n"] = str(len(f.children))
        elif not f.children and f.value is not None:
            values[f.name] = str(f.value)
    return values
