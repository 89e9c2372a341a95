"""Keep each comment of an officer's YAML file above the key or list item it was written above.
ruamel.yaml stores the comment lines above a key as the tail of the previous key's end-of-line
comment, so inserting a key, removing one or moving a list item would carry them to the wrong place;
these helpers move such tails where they belong."""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

_AFTER = 2  # the slot of a key's comment after its value (its end-of-line comment, then the lines below)


def _token(node: CommentedMap, key: Any) -> CommentToken | None:
    slots = node.ca.items.get(key)
    return slots[_AFTER] if slots and len(slots) > _AFTER else None


def take_tail(node: CommentedMap, key: Any) -> str:
    """Remove and return the comment lines below `key`'s value (those above the next key)."""
    token = _token(node, key)
    if token is None:
        return ""
    first, _, rest = token.value.partition("\n")
    if not rest:
        return ""
    token.value = first + "\n"
    return rest


def put_tail(node: CommentedMap, key: Any, tail: str) -> None:
    """Put comment lines below `key`'s value (above whatever follows it)."""
    if not tail:
        return
    token = _token(node, key)
    if token is None:
        slots = node.ca.items.setdefault(key, [None, None, None, None])
        slots[_AFTER] = CommentToken("\n" + tail, CommentMark(0), None)
        return
    token.value = (token.value if token.value.endswith("\n") else token.value + "\n") + tail


def last_key(node: Any) -> tuple[CommentedMap, Any] | None:
    """The mapping and key whose value is written last in `node` (where a following comment is kept)."""
    if isinstance(node, CommentedMap) and len(node):
        key = list(node)[-1]
        deeper = last_key(node[key])
        return deeper or (node, key)
    if isinstance(node, CommentedSeq) and len(node):
        return last_key(node[-1])
    return None


def insert_keeping_comments(node: CommentedMap, position: int, key: str, value: Any) -> None:
    """Insert a key after `position - 1`: the comment lines that were above the key after it stay there."""
    before = list(node)[position - 1] if position > 0 else None
    tail = take_tail(node, before) if before is not None and not isinstance(node[before], (CommentedMap,
                                                                                            CommentedSeq)) else ""
    node.insert(position, key, value)
    put_tail(node, key, tail)


def pop_keeping_comments(node: CommentedMap, key: str) -> None:
    """Remove a key; the comment lines below it (above the next key) stay, on the key before it."""
    if key not in node:
        return
    keys = list(node)
    at = keys.index(key)
    owner = last_key(node[key]) or (node, key)
    tail = take_tail(*owner)
    node.pop(key)
    if at > 0:
        put_tail(*(last_key(node[keys[at - 1]]) or (node, keys[at - 1])), tail)


def reorder_items(items: list, marks: list[int | None], parent: tuple[CommentedMap, Any] | None) -> list:
    """The items in their new order, each with the comment lines that were written above it (the
    first item's are kept on the list's key, `parent`); the lines after the last item (above the
    next key) stay after the list."""
    ends = [last_key(item) for item in items]
    leads = [_take_before_first(parent)] + [take_tail(*end) if end else "" for end in ends[:-1]]
    tail = take_tail(*ends[-1]) if ends and ends[-1] else ""
    moved = [items[m] if m is not None and 0 <= m < len(items) else None for m in marks]
    lead_of = [leads[m] if m is not None and 0 <= m < len(leads) else "" for m in marks]
    _put_before_first(parent, lead_of[0] if lead_of else "")
    for i in range(1, len(moved)):
        end = last_key(moved[i - 1])
        if end:
            put_tail(*end, lead_of[i])
    end = last_key(moved[-1]) if moved else None
    if end:
        put_tail(*end, tail)
    elif parent is not None:
        _put_above_next(*parent, tail)
    return moved


def _put_above_next(node: CommentedMap, key: Any, lines: str) -> None:
    """Comment lines above the key after `key` (an emptied list cannot hold them after its `[]`)."""
    keys = list(node)
    if not lines or key not in keys or keys[-1] == key:
        return
    slots = node.ca.items.setdefault(keys[keys.index(key) + 1], [None, None, None, None])
    slots[1] = [CommentToken(lines, CommentMark(0), None), *(slots[1] or [])]


_BEFORE = 3  # the slot of the comment lines above a list's first item, on the list's key


def _take_before_first(parent: tuple[CommentedMap, Any] | None) -> str:
    slots = parent[0].ca.items.get(parent[1]) if parent else None
    tokens = slots[_BEFORE] if slots and len(slots) > _BEFORE and slots[_BEFORE] else []
    if slots and tokens:
        slots[_BEFORE] = None
    return "".join(" " * token.start_mark.column + token.value for token in tokens)


def _put_before_first(parent: tuple[CommentedMap, Any] | None, lead: str) -> None:
    if parent is None or not lead:
        return
    indent = len(lead) - len(lead.lstrip(" "))
    slots = parent[0].ca.items.setdefault(parent[1], [None, None, None, None])
    slots[_BEFORE] = [CommentToken(lead[indent:], CommentMark(indent), None)]
