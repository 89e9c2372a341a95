"""The sample values a new project starts with (xã An Viễn, its desk, hours and fake officers,
written by `outreach init` through templates/new-commune.yaml.j2) are placeholders: validation
names each one left, and every printed product made while one remains carries a visible "BẢN MẪU"
mark, so a sample never reaches residents looking like the commune's own."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from outreach.model import Commune

# The example commune of a new project, declared once: the starter writes it, validation and the
# mark look for it.
SAMPLE: dict[str, Any] = {
    "name": "xã An Viễn",
    "province": "tỉnh Đồng Nai",
    "committee": "Ủy ban nhân dân xã An Viễn",
    "desk": {"name": "Bộ phận Tiếp nhận và Trả kết quả",
             "address": "Trụ sở Ủy ban nhân dân xã An Viễn, tỉnh Đồng Nai",
             "hours": "Sáng 7 giờ 00 – 11 giờ 30, chiều 13 giờ 00 – 17 giờ 00, từ thứ Hai đến thứ Sáu"},
    "hotlines": [{"label": "Tổng đài Dịch vụ công tỉnh Đồng Nai", "number": "(0251) 1022"}],
    "contacts": [{"name": "Nguyễn Văn A", "role": "Công chức Tư pháp – Hộ tịch", "phone": "0912 345 678"}],
}
# The starter's values residents would act on: who the commune is, where and when to come, whom to call.
SAMPLE_KEYS = (("name",), ("committee",), ("desk", "address"), ("desk", "hours"), ("hotlines", "*", "number"),
               ("contacts", "*", "name"), ("contacts", "*", "phone"))
# "Nguyễn Văn A", "Trần Thị B": the way Vietnamese examples write a person who does not exist.
_FAKE_PERSON = re.compile(r"\s[A-ZĐ]\.?$")
MARK = "BẢN MẪU"
MARK_NOTE = "thông tin của xã còn là ví dụ, chưa dùng để phát cho người dân"


def remaining(commune: Commune | dict) -> list[tuple[tuple, str]]:
    """(key path, value) of every sample value still in the commune's settings."""
    data = commune.model_dump() if isinstance(commune, Commune) else commune
    starter = _starter_values()
    found = [(path, value) for path, value in _values(data) if value in starter.get(_pattern(path), ())]
    found += [(("contacts", i, key), str(person.get(key)))
              for i, person in enumerate(data.get("contacts") or []) if isinstance(person, dict)
              and _FAKE_PERSON.search(str(person.get("name", "")).strip()) for key in ("name", "phone")]
    return list(dict.fromkeys(found))


def message(value: str) -> str:
    return (f"'{value}' là giá trị mẫu, chưa phải thông tin thật của xã; hãy thay (còn giá trị mẫu thì mọi tờ in "
            f"và ảnh đều mang dấu «{MARK}»)")


@lru_cache(maxsize=1)
def _starter_values() -> dict[tuple, set[str]]:
    values: dict[tuple, set[str]] = {}
    for path, value in _values(SAMPLE):
        values.setdefault(_pattern(path), set()).add(value)
    return values


def _values(data: Any) -> list[tuple[tuple, str]]:
    """(key path, text) of each value under SAMPLE_KEYS; list indexes are kept in the path."""
    out: list[tuple[tuple, str]] = []
    for keys in SAMPLE_KEYS:
        out.extend(_walk(data, keys, ()))
    return out


def _walk(node: Any, keys: tuple, path: tuple) -> list[tuple[tuple, str]]:
    if not keys:
        return [(path, str(node).strip())] if node is not None else []
    if keys[0] == "*":
        return [found for i, item in enumerate(node if isinstance(node, list) else [])
                for found in _walk(item, keys[1:], path + (i,))]
    return _walk(node.get(keys[0]), keys[1:], path + (keys[0],)) if isinstance(node, dict) else []


def _pattern(path: tuple) -> tuple:
    return tuple("*" if isinstance(part, int) else part for part in path)
