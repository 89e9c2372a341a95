"""Saving a form into the officer's YAML file without losing what they wrote by hand: ruamel.yaml's
round-trip mode keeps comments, key order and blank lines; only values that changed are replaced,
keys the form does not know (a typo the list of problems points at) are left alone, and the file is
written atomically. A save based on an older version of the file than the one on disk is refused."""

from __future__ import annotations

import copy
import hashlib
import io
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from outreach.atomic import write_atomic
from outreach.errors import OutreachError
from outreach.studio import yamlcomments
from outreach.studio.forms import ABSENT, Schema, form_name, same_value
from outreach.studio.listops import Origins


class Stale(OutreachError):
    """The file changed on disk after the form was opened."""


class Unreadable(OutreachError):
    """The file is not YAML a form can be saved into (the raw editor still works)."""


def version_of(path: Path) -> str:
    """What the form remembers of the file it was made from."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096                       # never fold an officer's long line
    yaml.indent(mapping=2, sequence=4, offset=2)  # `documents:` then `  - name:`, as the starter writes
    return yaml


def save_form(path: Path, base: str, values: dict, before: Mapping | None, op: str = "",
              schema: Schema | None = None, origins: Origins | None = None) -> None:
    """Write `values` (forms.posted) into the file, its lists' items first put in the form's order
    (`origins`: where each came from), then apply the list operation `op` (`add:steps`,
    `remove:steps.1`, `up:steps.1`, `down:steps.1`); Stale if the file is no longer the version
    `base` the form was made from."""
    with locked(path):
        check_version(path, base)
        write_atomic(path, merged_text(path, values, before, op, schema, origins).encode("utf-8"))


_locks: dict[str, threading.RLock] = {}
_locks_guard = threading.Lock()


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """While held, no other save of this process touches `path`: the stale check, the merge and
    the write of one save are one step, so of two saves on the same version one is kept and the
    other refused as stale, never both told "saved"."""
    with _locks_guard:
        lock = _locks.setdefault(os.path.abspath(path), threading.RLock())
    with lock:
        yield


def merged_text(path: Path, values: dict, before: Mapping | None, op: str = "", schema: Schema | None = None,
                origins: Origins | None = None) -> str:
    """The file's text with `values` (and the list operation `op`) put in: what a save would write."""
    try:
        doc = _yaml().load(path.read_text(encoding="utf-8-sig"))
    except YAMLError:
        raise Unreadable("tệp có lỗi cú pháp YAML nên chưa lưu được bằng biểu mẫu; hãy sửa trong ô «Sửa trực tiếp "
                         "tệp YAML»") from None
    if not isinstance(doc, CommentedMap):
        doc = CommentedMap()
    before = before if isinstance(before, Mapping) else {}
    if origins:
        before = reordered(doc, before, origins)
    merge(doc, values, before)
    if op:
        apply_op(doc, op, schema)
    return dumped(doc)


def reordered(doc: CommentedMap, before: Mapping, origins: Origins) -> dict:
    """Put the file's list items (with their comments) in the order the form moved them to, and
    return the file's values in that order too (what each posted value is compared with)."""
    moved: dict = copy.deepcopy(dict(before))
    for name, marks in sorted(origins.items(), key=lambda item: item[0].count(".")):
        parts: list[Any] = [int(p) if p.isdigit() else p for p in name.split(".")]
        seq, olds = _at(doc, parts), _plain_at(moved, parts)
        if marks == list(range(len(seq) if isinstance(seq, CommentedSeq) else len(marks))):
            continue  # as in the file (items added at the end are merged as new)
        if isinstance(seq, CommentedSeq):
            _reorder_seq(seq, marks, _parent_of(doc, parts))
        if isinstance(olds, list):
            olds[:] = [olds[m] if m is not None and 0 <= m < len(olds) else None for m in marks]
    return moved


def _reorder_seq(seq: CommentedSeq, marks: list[int | None], parent: tuple | None) -> None:
    """The list's items in the form's order, each with its comments (those inside it, those above it)."""
    items, comments = list(seq), dict(seq.ca.items)
    moved = yamlcomments.reorder_items(items, marks, parent)
    seq.ca.items.clear()
    del seq[:]
    for i, (mark, item) in enumerate(zip(marks, moved)):
        seq.append(item)
        if mark is not None and mark in comments:
            seq.ca.items[i] = comments[mark]


def _parent_of(doc: CommentedMap, parts: list) -> tuple | None:
    """The mapping and key a list is the value of (where ruamel keeps the comment above its first item)."""
    owner = _at(doc, parts[:-1]) if parts else None
    return (owner, parts[-1]) if isinstance(owner, CommentedMap) and isinstance(parts[-1], str) else None


def _plain_at(data: Any, parts: list) -> Any:
    for part in parts:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def save_text(path: Path, base: str, text: str) -> None:
    """The raw editor: the officer's own YAML text, written as it is."""
    with locked(path):
        check_version(path, base)
        write_atomic(path, text.replace("\r\n", "\n").encode("utf-8"))


def check_version(path: Path, base: str) -> None:
    """Stale unless the file is still the version `base` the form was made from."""
    if version_of(path) != base:
        raise Stale(f"tệp {path.name} đã được sửa ở nơi khác (một thẻ khác hoặc sửa tay) sau khi bạn mở trang này, "
                    "nên chưa lưu để không mất thay đổi nào")


def dumped(doc: Any) -> str:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def merge(node: CommentedMap, values: Mapping, before: Mapping) -> None:
    """Put `values` into `node`, touching only what changed; a new key goes where the schema puts it."""
    order = list(values)
    for key, value in values.items():
        old = before.get(key) if isinstance(before, Mapping) else None
        if value is ABSENT:
            yamlcomments.pop_keeping_comments(node, key)
        elif isinstance(value, Mapping):
            if not isinstance(node.get(key), CommentedMap):
                if not _holds_value(value):
                    continue
                _put(node, key, CommentedMap(), order)
            merge(node[key], value, old if isinstance(old, Mapping) else {})
        elif isinstance(value, list):
            if not value and key not in node:
                continue  # an empty optional list the file never had stays unwritten
            if not isinstance(node.get(key), CommentedSeq):
                _put(node, key, CommentedSeq(), order)
            _merge_list(node[key], value, old if isinstance(old, list) else [])
        elif key not in node or not same_value(old, value):
            _put(node, key, value, order)


def _holds_value(value: Any) -> bool:
    """Something to write: a section of nested sections that are all absent (commune.yaml's
    results.columns, never written) adds nothing to a file that lacks it."""
    if isinstance(value, Mapping):
        return any(_holds_value(v) for v in value.values())
    return value is not ABSENT


def _merge_list(seq: CommentedSeq, values: list, before: list) -> None:
    for i, value in enumerate(values):
        old = before[i] if i < len(before) else None
        if i >= len(seq):
            seq.append(_fresh(value))
        elif isinstance(value, Mapping) and isinstance(seq[i], CommentedMap):
            merge(seq[i], value, old if isinstance(old, Mapping) else {})
        elif not same_value(old, value):
            seq[i] = _fresh(value)
            _keep_comment_apart(seq, i, 0)
    del seq[len(values):]


def _fresh(value: Any) -> Any:
    if isinstance(value, Mapping):
        node = CommentedMap()
        merge(node, value, {})
        return node
    return value


def _put(node: CommentedMap, key: str, value: Any, order: list[str]) -> None:
    """Set `key`; a key not in the file yet goes after the last key that comes before it in `order`."""
    if key in node:
        node[key] = value
        _keep_comment_apart(node, key, 2)
        return
    rank = order.index(key) if key in order else len(order)
    earlier = [i for i, k in enumerate(node) if k in order and order.index(k) < rank]
    yamlcomments.insert_keeping_comments(node, earlier[-1] + 1 if earlier else 0, key, value)


def _keep_comment_apart(node: CommentedMap | CommentedSeq, key: str | int, slot: int) -> None:
    """A comment after a value that just got longer: ruamel then writes it one space after the
    value, and ` #` with one space reads as text cut off (yamlsource warns). One more space keeps
    it a comment either way."""
    comments = node.ca.items.get(key)
    token = comments[slot] if comments and len(comments) > slot else None
    if token is not None and token.value.startswith("#"):
        token.value = " " + token.value


def apply_op(doc: CommentedMap, op: str, schema: Schema | None) -> None:
    """One list button: add an item at the end, remove one, move one up or down (its comments go with it)."""
    verb, _, where = op.partition(":")
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in where.split(".") if p]
    if verb == "add":
        order = list(schema.root.get("properties", {})) if schema else []
        seq = _at(doc, parts, order)
        if isinstance(seq, CommentedSeq):
            seq.append(_blank_item(schema, parts))
        return
    if not parts or not isinstance(parts[-1], int):
        return
    seq, index = _at(doc, parts[:-1]), parts[-1]
    if not isinstance(seq, CommentedSeq) or not 0 <= index < len(seq):
        return
    if verb == "remove":
        del seq[index]
    elif verb in ("up", "down"):
        other = index - 1 if verb == "up" else index + 1
        if 0 <= other < len(seq):
            seq[index], seq[other] = seq[other], seq[index]


def _at(doc: CommentedMap, parts: list, create_in: list[str] | None = None) -> Any:
    """The node at `parts`; with `create_in` (the top level's key order), a missing list is made
    where that order puts it."""
    node: Any = doc
    for part in parts:
        if isinstance(node, CommentedMap) and create_in is not None and part not in node:
            _put(node, part, CommentedSeq(), create_in if node is doc else [])
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _blank_item(schema: Schema | None, parts: list) -> Any:
    """A new list item with its required keys empty: the form then says what to fill in."""
    if schema is None:
        return None
    prop: dict = schema.root
    for part in parts:
        if isinstance(part, int):
            continue
        prop, _, _ = schema.resolve(prop.get("properties", {}).get(part, {}))
    item, _, _ = schema.resolve(prop.get("items", {}))
    if item.get("type") != "object":
        return None
    return CommentedMap((key, None) for key in item.get("required", []))


__all__ = ["Stale", "Unreadable", "apply_op", "check_version", "dumped", "form_name", "locked", "merge", "merged_text",
           "save_form", "save_text", "version_of"]
