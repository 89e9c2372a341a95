"""Read one YAML file safely, keeping the line of every key so errors can point at it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from outreach.errors import ContentError, Problem
from outreach.limits import MAX_YAML_BYTES, WHOLE_FILE, read_capped


Path_ = tuple[str | int, ...]


@dataclass
class Source:
    """A parsed YAML document and the line of each key path in it."""

    name: str
    data: Any
    lines: dict[Path_, int]

    def line_of(self, path: Path_) -> int:
        """The line of the deepest known part of `path` (missing keys point at their parent)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


# libyaml's C loader when PyYAML has it: a province builds thousands of guides.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ALIAS_MESSAGE = "không dùng bí danh YAML (*tên); hãy viết nội dung trực tiếp"


def load_yaml(path: Path, name: str) -> Source:
    """Parse `path` (shown to officers as `name`) or raise ContentError saying where and why."""
    text = _read_text(path, name)
    try:
        _refuse_aliases(text, name)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise ContentError([Problem(name, 1, WHOLE_FILE, "tệp trống, chưa có nội dung")])
            lines: dict[Path_, int] = {(): 1}  # a key missing at the top is reported on line 1
            problems = _collect_key_lines(node, (), lines, name)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise ContentError([_yaml_problem(exc, name, text)]) from None
    except yaml.YAMLError as exc:
        raise ContentError([Problem(name, 1, WHOLE_FILE, f"YAML không hợp lệ: {exc}")]) from None
    if problems:
        raise ContentError(problems)
    if not isinstance(data, dict):
        kind = "một danh sách" if isinstance(data, list) else "một giá trị đơn"
        raise ContentError([Problem(name, 1, WHOLE_FILE,
                                    f"tệp phải là các mục dạng 'khóa: giá trị', không phải {kind}")])
    return Source(name, data, lines)


def _refuse_aliases(text: str, name: str) -> None:
    """Guides never need aliases (*name), and they make 'billion laughs' bombs: refuse them
    while only parsing events, before anything is built in memory."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise ContentError([Problem(name, event.start_mark.line + 1, WHOLE_FILE,
                                        f"lỗi cú pháp YAML: {ALIAS_MESSAGE}")])


def _read_text(path: Path, name: str) -> str:
    """The file as NFC text; a BOM is accepted, non-UTF-8 bytes, huge files and FIFOs are not."""
    raw = read_capped(path, MAX_YAML_BYTES, name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError([Problem(name, line, WHOLE_FILE,
                                    "tệp không phải mã UTF-8; hãy lưu lại tệp với bảng mã UTF-8")]) from None
    return unicodedata.normalize("NFC", text)


def _collect_key_lines(node: yaml.Node, path: Path_, lines: dict, name: str) -> list[Problem]:
    """Fill `lines` with the 1-based line of every key path; report duplicate keys."""
    lines.setdefault(path, node.start_mark.line + 1)
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            child = path + (key,)
            if key in seen:
                problems.append(Problem(name, key_node.start_mark.line + 1, dotted_key(child),
                                        "khóa bị lặp lại; mỗi khóa chỉ được viết một lần"))
            seen.add(key)
            lines.setdefault(child, key_node.start_mark.line + 1)
            problems += _collect_key_lines(value_node, child, lines, name)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _collect_key_lines(item, path + (index,), lines, name)
    return problems


def _yaml_problem(exc: yaml.MarkedYAMLError, name: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    reason = exc.problem or "cú pháp YAML không hợp lệ"
    lines = text.splitlines()
    line = max(1, min(line, len(lines)))  # "unexpected end of file" points past the last line
    if line <= len(lines) and "\t" in lines[line - 1]:
        reason = "có ký tự Tab; YAML chỉ cho phép thụt lề bằng dấu cách"
    return Problem(name, line, WHOLE_FILE, f"lỗi cú pháp YAML: {reason}")


def dotted_key(path: Path_) -> str:
    """steps[2].title style, as officers see keys in messages."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or WHOLE_FILE


