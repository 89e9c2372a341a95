"""The list buttons of a form ("+ Thêm mục", "↑ Lên", "↓ Xuống", "Xóa") change the form, not the file:
the posted values are rearranged and the page drawn again; nothing is written until "Lưu". Each item
carries where it came from in the file (`steps.2._from`), so the save moves the file's items (and the
comments inside them) as the form moved them."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from outreach.studio.forms import ABSENT, FormField, Path_, Schema, form_name, walk

FROM = "_from"   # the hidden input beside each list item: its index in the file, or "" for a new one
Origins = dict[str, list[int | None]]  # list form name → the file index of each item, in the form's order


def origins(form: Mapping[str, str], values: Mapping) -> Origins:
    """Where each posted list item came from in the file (an item without a mark: its own index)."""
    found: Origins = {}
    for path, items in _lists(values, ()):
        name = form_name(path)
        found[name] = [_index(form.get(f"{name}.{i}.{FROM}"), i) for i in range(len(items))]
    return found


def _index(text: str | None, default: int) -> int | None:
    if text is None:
        return default
    return int(text) if text.isdigit() else None


def _lists(value: Any, path: Path_) -> list[tuple[Path_, list]]:
    if isinstance(value, Mapping):
        return [found for key, v in value.items() for found in _lists(v, path + (key,))]
    if isinstance(value, list):
        return [(path, value)] + [found for i, v in enumerate(value) for found in _lists(v, path + (i,))]
    return []


def applied(values: dict, where_from: Origins, op: str, schema: Schema) -> tuple[dict, Origins, str | None]:
    """The form's values and origins after one list button, and the form name of an item just added."""
    values, where_from = copy.deepcopy(values, {id(ABSENT): ABSENT}), copy.deepcopy(where_from)
    verb, _, where = op.partition(":")
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in where.split(".") if p]
    if verb == "add":
        items = _list_at(values, parts)
        if items is None:
            return values, where_from, None
        items.append(_blank(schema, parts))
        where_from.setdefault(where, []).append(None)
        return values, where_from, f"{where}.{len(items) - 1}"
    if not parts or not isinstance(parts[-1], int):
        return values, where_from, None
    items, index, name = _list_at(values, parts[:-1]), parts[-1], where.rpartition(".")[0]
    if items is None or not 0 <= index < len(items):
        return values, where_from, None
    marks = where_from.setdefault(name, list(range(len(items))))
    if verb == "remove":
        del items[index], marks[index]
    elif verb in ("up", "down"):
        other = index - 1 if verb == "up" else index + 1
        if 0 <= other < len(items):
            items[index], items[other] = items[other], items[index]
            marks[index], marks[other] = marks[other], marks[index]
    return values, where_from, None


def _list_at(values: dict, parts: list) -> list | None:
    node: Any = values
    for part in parts:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    if node is None and parts and isinstance(parts[-1], str):
        return None
    return node if isinstance(node, list) else None


def _blank(schema: Schema, parts: list) -> Any:
    """A new item: its required keys empty, for the officer to fill."""
    prop: dict = schema.root
    for part in parts:
        if not isinstance(part, int):
            prop, _, _ = schema.resolve(prop.get("properties", {}).get(part, {}))
    item, _, _ = schema.resolve(prop.get("items", {}))
    return {key: None for key in item.get("required", [])} if item.get("type") == "object" else None


def mark_origins(fields: list[FormField], where_from: Origins) -> None:
    """Give each list item of the form the file index it came from (drawn as a hidden input)."""
    for f in walk(fields):
        if f.kind == "list":
            marks = where_from.get(f.name, list(range(len(f.children))))
            for i, item in enumerate(f.children):
                item.origin = marks[i] if i < len(marks) else None


def without_new(fields: list[FormField], added: str | None) -> None:
    """A new, empty item is not shown in red before the officer has typed in it."""
    for f in walk(fields):
        if added and (f.name == added or f.name.startswith(added + ".")):
            f.problems.clear()
