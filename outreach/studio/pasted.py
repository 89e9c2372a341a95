"""What pasting from Word brings into a form, cleaned before it is saved and said on the page: list
markers at the start of a list item or of a line in one ("•", "-", "1.", "a)" and a tab; the templates
draw their own bullets), a pasted multi-line list in a list of texts (one item per line), and quotes
wrapping a whole value. Text inside a sentence is never changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from outreach.studio.forms import FormField, Path_, form_name, walk
from outreach.text import LIST_MARKER

_MARKER = LIST_MARKER
_WRAPS = {'"': '"', "“": "”", "'": "'", "‘": "’", "«": "»", "„": "“"}

MARKER, QUOTES, SPLIT = "marker", "quotes", "split"
SAID = {MARKER: "bỏ dấu đầu dòng (mẫu in tự đánh dấu)", QUOTES: "bỏ dấu ngoặc kép bao quanh cả nội dung",
        SPLIT: "tách danh sách dán vào thành từng mục"}


@dataclass(frozen=True)
class Cleaned:
    """One value the form changed before saving: where (its form name) and what was done."""

    name: str
    what: str


def cleaned(values: dict) -> tuple[dict, list[Cleaned]]:
    """The posted values (forms.posted) with pasted leftovers removed, and what was done where."""
    notes: list[Cleaned] = []
    return {key: _value(value, (key,), False, notes) for key, value in values.items()}, notes


def _value(value: Any, path: Path_, in_list: bool, notes: list[Cleaned]) -> Any:
    if isinstance(value, dict):
        return {key: _value(v, path + (key,), in_list, notes) for key, v in value.items()}
    if isinstance(value, list):
        return _list(value, path, notes)
    if isinstance(value, str):
        return _text(value, path, in_list, notes)
    return value


def _list(items: list, path: Path_, notes: list[Cleaned]) -> list:
    """Each item cleaned; a text item holding several lines becomes that many items."""
    out: list = []
    for item in items:
        lines = [line for line in item.splitlines() if line.strip()] if isinstance(item, str) else []
        if len(lines) > 1:
            notes.append(Cleaned(form_name(path + (len(out),)), SPLIT))
            out.extend(_text(line, path + (len(out) + k,), True, []) for k, line in enumerate(lines))
            continue
        out.append(_value(item, path + (len(out),), True, notes))
    return out


def _text(text: str, path: Path_, in_list: bool, notes: list[Cleaned]) -> str:
    name = form_name(path)
    if in_list:
        unmarked = _MARKER.sub("", text)
        if unmarked != text and unmarked.strip():
            notes.append(Cleaned(name, MARKER))
            text = unmarked
    unwrapped = unquoted(text)
    if unwrapped != text:
        notes.append(Cleaned(name, QUOTES))
    return unwrapped


def unquoted(text: str) -> str:
    """`“Miễn lệ phí”` → `Miễn lệ phí`; `"A" và "B"` and `Ghi "mẹ" vào ô` stay as they are."""
    stripped = text.strip()
    if len(stripped) < 3 or stripped[0] not in _WRAPS:
        return text
    close = _WRAPS[stripped[0]]
    inner = stripped[1:-1]
    if stripped[-1] != close or close in inner or stripped[0] in inner:
        return text
    return inner.strip()


def query(notes: list[Cleaned]) -> str:
    """What a save cleaned, for the address the page is reloaded at (`fee:quotes,key_messages.0:split`)."""
    return ",".join(f"{note.name}:{note.what}" for note in notes[:MAX_SAID])


MAX_SAID = 20


def said(fields: list[FormField], text: str) -> list[tuple[str, str, str]]:
    """(anchor, field label, what was done) of each cleaned field named in `text` (from `query`)."""
    by_name = {f.name: f for f in walk(fields)}
    out = []
    for entry in text.split(",")[:MAX_SAID]:
        name, _, what = entry.partition(":")
        found, parent = by_name.get(name), by_name.get(name.rpartition(".")[0])
        if found is None or what not in SAID:
            continue
        label = f"{parent.label} — {found.label.lower()}" if parent and parent.kind == "list" and not found.children \
            else found.label
        out.append((found.anchor, label, SAID[what]))
    return out
