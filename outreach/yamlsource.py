"""Read one YAML file safely, keeping the line of every key so errors can point at it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

from outreach.errors import ContentError, Problem
from outreach.limits import MAX_YAML_BYTES, WHOLE_FILE, read_text_capped

Path_ = tuple[str | int, ...]


@dataclass
class Source:
    """A parsed YAML document and the line of each key path in it."""

    name: str
    data: Any
    lines: dict[Path_, int]
    warnings: list[Problem] = field(default_factory=list)  # shown, but the file is still valid

    def where(self, path: Path_) -> tuple[str, int]:
        """The file and line where the value at `path` was written (a guide layered from a library
        file and a commune's file answers with either)."""
        return self.name, self.line_of(path)

    def line_of(self, path: Path_) -> int:
        """The line of the deepest known part of `path` (missing keys point at their parent)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


# libyaml's C loader when PyYAML has it: a province builds thousands of guides.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ALIAS_MESSAGE = ("không dùng bí danh YAML (*tên); hãy viết nội dung trực tiếp (chữ bắt đầu bằng * thì "
                 "đặt cả câu trong dấu ngoặc kép)")
# A guide needs four levels; hundreds only come from a broken paste (or an attack on the parser).
MAX_DEPTH = 30
_TAGS = ("str", "seq", "map", "null")


class _TextLoader(_Loader):  # type: ignore[misc, valid-type]
    """Every plain scalar stays text: `code: 1.001190`, `note: no`, `08`, `on` are what the officer
    typed, and the schema (lax for numbers) decides what each key holds. An empty value is null."""

    yaml_implicit_resolvers: ClassVar[dict] = {}
    yaml_constructors: ClassVar[dict] = {f"tag:yaml.org,2002:{tag}":
                                         yaml.SafeLoader.yaml_constructors[f"tag:yaml.org,2002:{tag}"]
                                         for tag in _TAGS}


_TextLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^~?$"), ["~", ""])

# What Word, Zalo and web pages paste: invisible characters removed, odd spaces made plain. The
# bidirectional controls (embeddings, overrides, isolates, marks) go too: in an SMS or the catalog
# they would show text in another order than it is stored ("spoofing").
# (Regular expressions, not str.translate: they skip a clean file at C speed.)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u061c"
                        "\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile("[\u00a0\u202f\u2007\u2009\u200a\u3000]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029]")
# A whole value in typographic quotes (“1.004194”, what Word and phones type): the officer meant
# YAML's quotes, so the line is read as if they had typed "1.004194".
_CURLY_VALUE = re.compile(r"^(?P<lead>[ ]*(?:-[ ]+)*(?:[^\s#:\-\"'][^:#]*:[ ]+|(?<=- )))"
                          r"[“„‘](?P<body>[^“”„‘’\n]*)[”“’](?P<rest>[ ]*(?:#.*)?)$", re.MULTILINE)
# ` #` ends a plain value: with one space before it, the officer most likely meant it as text.
_DROPPED_COMMENT = re.compile(r"^ #")


def load_yaml(path: Path, name: str, empty_ok: bool = False) -> Source:
    """Parse `path` (shown to officers as `name`) or raise ContentError saying where and why.

    `empty_ok`: a file with nothing but comments is an empty mapping (an optional file not used yet).
    """
    text = cleaned(_read_text(path, name))
    try:
        _check_events(text, name)
        loader = _TextLoader(text)
        try:
            node = loader.get_single_node()
            if node is None and empty_ok:
                return Source(name, {}, {(): 1})
            if node is None:
                raise ContentError([Problem(name, 1, WHOLE_FILE, "tệp trống, chưa có nội dung")])
            lines: dict[Path_, int] = {(): 1}  # a key missing at the top is reported on line 1
            problems = _collect_key_lines(node, (), lines, name)
            if problems:
                raise ContentError(problems)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise ContentError([_yaml_problem(exc, name, text)]) from None
    except yaml.YAMLError as exc:
        raise ContentError([Problem(name, 1, WHOLE_FILE, f"YAML không hợp lệ: {exc}")]) from None
    if not isinstance(data, dict):
        kind = "một danh sách" if isinstance(data, list) else "một giá trị đơn"
        raise ContentError([Problem(name, 1, WHOLE_FILE,
                                    f"tệp phải là các mục dạng 'khóa: giá trị', không phải {kind}")])
    return Source(name, data, lines, _dropped_comments(node, text.splitlines(), name))


def cleaned(text: str) -> str:
    """`text` without what pasting brings along: invisible characters, non-breaking spaces,
    Windows line endings; a value wrapped whole in curly quotes gets YAML's straight ones."""
    text = _SPACES.sub(" ", _INVISIBLE.sub("", _LINE_BREAKS.sub("\n", text)))
    # Removing an invisible character can leave a letter next to its combining mark again.
    return unicodedata.normalize("NFC", _CURLY_VALUE.sub(_straight_quotes, text))


def _straight_quotes(match: re.Match) -> str:
    body = match["body"].replace("\\", "\\\\").replace('"', '\\"')
    return f'{match["lead"]}"{body}"{match["rest"]}'


def _check_events(text: str, name: str) -> None:
    """Refuse aliases (*name) and runaway nesting while only parsing events, before anything is
    built in memory: guides never need aliases, and they make 'billion laughs' bombs."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise ContentError([Problem(name, _line_of(event), WHOLE_FILE, f"lỗi cú pháp YAML: {ALIAS_MESSAGE}")])
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ContentError([Problem(name, _line_of(event), WHOLE_FILE, f"lỗi cú pháp YAML: {_too_deep()}")])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _line_of(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark is not None else 1


def _too_deep() -> str:
    return (f"các mục lồng vào nhau quá sâu (hơn {MAX_DEPTH} tầng); một hướng dẫn chỉ cần vài tầng, "
            "hãy kiểm tra các dấu [ ] và { }")


def _dropped_comments(node: yaml.Node, lines: list[str], name: str) -> list[Problem]:
    """A warning for each plain value followed by ` #...`: YAML drops that as a comment."""
    warnings = []
    for path, scalar in _values(node, ()):
        if scalar.style:  # quoted or block text: a # inside is text (libyaml says "" for plain)
            continue
        end = scalar.end_mark
        rest = lines[end.line][end.column:] if end.line < len(lines) else ""
        if _DROPPED_COMMENT.match(rest):
            warnings.append(Problem(name, end.line + 1, dotted_key(path),
                                    f"phần sau dấu ' #' bị bỏ qua vì YAML coi là ghi chú: '{rest.strip()}'; "
                                    "nếu đó là nội dung, hãy đặt cả câu trong dấu ngoặc kép"))
    return warnings


def _values(node: yaml.Node, path: Path_) -> Iterator[tuple[Path_, yaml.ScalarNode]]:
    """Every scalar value with its key path (keys themselves are not values)."""
    if isinstance(node, yaml.ScalarNode):
        yield path, node
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            yield from _values(value_node, path + (str(key_node.value),))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _values(item, path + (index,))


def _read_text(path: Path, name: str) -> str:
    """The file as NFC text; a BOM is accepted, non-UTF-8 bytes, huge files and FIFOs are not."""
    return read_text_capped(path, MAX_YAML_BYTES, name)


def _collect_key_lines(node: yaml.Node, path: Path_, lines: dict, name: str) -> list[Problem]:
    """Fill `lines` with the 1-based line of every key path; report duplicate and non-text keys."""
    lines.setdefault(path, node.start_mark.line + 1)
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(name, key_node.start_mark.line + 1, dotted_key(path),
                                        "khóa phải là một từ (ví dụ title), không phải danh sách hay nhóm mục"))
                continue
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
    """The syntax error at the line the officer must change, with how to change it."""
    lines = text.splitlines() or [""]
    mark = exc.problem_mark or exc.context_mark
    problem, context = exc.problem or "", exc.context or ""
    if exc.context_mark and ("could not find expected ':'" in problem or "flow" in context
                             or "quoted scalar" in context):
        mark = exc.context_mark  # where the line without a colon, the bracket or the quote starts
    line = max(1, min(mark.line + 1 if mark is not None else 1, len(lines)))  # "end of file" is past the end
    column = mark.column if mark is not None and mark.line + 1 == line else 0
    opened = _unclosed_quote(lines[:line])
    if opened:  # a quote left open swallows the lines after it: the error shows up far below
        return Problem(name, opened, WHOLE_FILE, f"lỗi cú pháp YAML: {UNCLOSED_QUOTE}")
    return Problem(name, line, WHOLE_FILE,
                   f"lỗi cú pháp YAML: {_syntax_advice(problem, context, lines[line - 1], column)}")


UNCLOSED_QUOTE = "dấu ngoặc mở ở dòng này chưa được đóng; hãy thêm dấu ngoặc đóng ở cuối đoạn chữ"
_OPEN_QUOTE = re.compile(r"""^[ ]*(?:-[ ]+)?(?:[^\s#"'][^:#]*:[ ]+)?(["'])(?:(?!\1).)*$""")


def _unclosed_quote(lines: list[str]) -> int | None:
    """The 1-based line of the last value that opens a quote and does not close it on its line."""
    found = [number for number, text in enumerate(lines, 1) if _OPEN_QUOTE.match(text)]
    return found[-1] if found else None


QUOTE_IT = "hãy đặt cả câu trong dấu ngoặc kép"
_TEXT_AFTER_QUOTES = re.compile(r""":\s+(["']).*\1\s*[^\s#]""")


def _syntax_advice(problem: str, context: str, text: str, column: int) -> str:
    """What is wrong on the line `text`, in the officer's words, and the fix."""
    if "\t" in text:
        return "có ký tự Tab; YAML chỉ cho phép thụt lề bằng dấu cách"
    if "mapping values are not allowed" in problem:
        key, _, value = text.partition(": ")
        value = re.sub(r"\s+#.*$", "", value)  # the example shows the text, not the officer's comment
        if value and ": " in value or value.rstrip().endswith(":") and column > len(key) + 1:
            return f'đoạn chữ có dấu hai chấm; {QUOTE_IT}, ví dụ {key.strip()}: "{value.strip()}"'
        return ("thụt lề sai: dòng này lùi vào sâu hơn các khóa cùng cấp; "
                "các khóa của cùng một mục phải thẳng cột (cùng số dấu cách ở đầu dòng)")
    if "could not find expected ':'" in problem:
        return ("dòng này không có dấu hai chấm; nếu là phần tiếp theo của dòng trên, hãy thụt lề nó vào "
                "(thêm dấu cách ở đầu dòng) hoặc viết nối vào dòng trên; nếu là mục mới, hãy viết 'khóa: giá trị'")
    if "maximum nesting depth" in problem:
        return _too_deep()
    if "flow" in context:
        return f"dấu [ hoặc {{ ở dòng này chưa được đóng bằng ] hoặc }}; nếu đó là chữ, {QUOTE_IT}"
    if "quoted scalar" in context:
        return UNCLOSED_QUOTE
    if "cannot start any token" in problem or "undefined alias" in problem:
        char = text[column] if column < len(text) else "?"
        return f"đoạn chữ không được bắt đầu bằng ký tự {char}; {QUOTE_IT}"
    if _TEXT_AFTER_QUOTES.search(text):
        return f"sau dấu ngoặc đóng vẫn còn chữ; {QUOTE_IT}, dấu ngoặc chỉ ở đầu và cuối câu"
    if "did not find expected" in problem or "expected <block end>" in problem:
        return ("thụt lề sai: các khóa của cùng một mục phải thẳng cột (cùng số dấu cách ở đầu dòng), "
                "mỗi mục của danh sách bắt đầu bằng '- ' ở cùng một cột")
    if "found unhashable key" in problem:
        return "khóa phải là một từ (ví dụ title), không phải danh sách hay nhóm mục"
    return f"cú pháp YAML không hợp lệ ({problem or 'không rõ'}); hãy so với tệp mẫu của 'outreach new'"


def dotted_key(path: Path_) -> str:
    """steps[2].title style, as officers see keys in messages."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or WHOLE_FILE


