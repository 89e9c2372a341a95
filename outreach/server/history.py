"""History: every version of a guide kept in the database with its text, its author and its time.

Why the database and not a git repository per commune: the approvals already live there and name a
version by its sha256, so the text an approver approved is found by that hash in the same
transaction, backed up with the same dump, and the next step (building the approved version, not
the newest) reads it from there; a commune folder stays an ordinary project folder the CLI and the
officer's text editor work on. A change made outside the server (the CLI, a text editor) is kept as
a version by "ngoài máy chủ" when the server next sees it."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.atomic import write_atomic
from outreach.errors import OutreachError
from outreach.fields import about, models_within
from outreach.model import Guide
from outreach.project import Project
from outreach.server.db import Version, now
from outreach.yamlsource import load_yaml

OUTSIDE = "ngoài máy chủ"   # the author of a change the server did not see being made
SHOWN = 80                  # characters of a value shown in a change


def latest(db: Session, commune: str) -> dict[str, Version]:
    rows = db.scalars(select(Version).where(Version.commune == commune).order_by(Version.id))
    return {row.slug: row for row in rows}


def of_guide(db: Session, commune: str, slug: str) -> list[Version]:
    """Newest first."""
    return list(db.scalars(select(Version).where(Version.commune == commune, Version.slug == slug)
                           .order_by(Version.id.desc())))


def record_changes(db: Session, project: Project, commune: str, author: str) -> list[str]:
    """Keep a version of every guide whose file is not its last kept version (the slugs)."""
    kept = latest(db, commune)
    changed = []
    for path in project.guide_paths():
        data = path.read_bytes()
        version = hashlib.sha256(data).hexdigest()
        if path.stem not in kept or kept[path.stem].version != version:
            db.add(Version(commune=commune, slug=path.stem, version=version, author=author, saved_at=now(),
                           text=data.decode("utf-8", "replace")))
            changed.append(path.stem)
    return changed


def restore(db: Session, project: Project, commune: str, slug: str, version_id: int, author: str) -> Version:
    """Write an earlier version back into the guide's file; it is kept as a new version by `author`."""
    old = db.get(Version, version_id)
    if old is None or old.commune != commune or old.slug != slug:
        raise OutreachError("không có phiên bản này của hướng dẫn")
    record_changes(db, project, commune, OUTSIDE)  # an unseen change is kept before it is replaced
    write_atomic(project.guide_path(slug), old.text.encode("utf-8"))
    restored = Version(commune=commune, slug=slug, version=old.version, author=author, saved_at=now(), text=old.text)
    db.add(restored)
    return restored


def changes(before: str, after: str) -> list[str]:
    """What changed from one version's text to the next, field by field, in words."""
    old, new = _data(before), _data(after)
    if old is None or new is None:
        return ["tệp có lỗi cú pháp YAML ở một trong hai bản nên không so được từng mục"]
    return _compared(old, new, ())


def _data(text: str) -> dict | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "guide.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            data = load_yaml(path, "guide.yaml").data
        except OutreachError:
            return None
    return data if isinstance(data, dict) else {}


def _compared(old: object, new: object, where: tuple) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        return [line for key in [*old, *(k for k in new if k not in old)]
                for line in _compared(old.get(key), new.get(key), (*where, key))]
    if isinstance(old, list) and isinstance(new, list):
        found = [] if len(old) == len(new) else [f"«{label(where)}»: từ {len(old)} mục thành {len(new)} mục"]
        for index in range(max(len(old), len(new))):
            found += _compared(old[index] if index < len(old) else None, new[index] if index < len(new) else None,
                               (*where, index))
        return found
    if old == new:
        return []
    if old is None:
        return [f"Thêm «{label(where)}»: {_short(new)}"]
    if new is None:
        return [f"Bỏ «{label(where)}» (trước là {_short(old)})"]
    return [f"Sửa «{label(where)}»: {_short(old)} → {_short(new)}"]


def label(where: tuple) -> str:
    """A key path in the form's words: steps[1].title → «Các bước làm trực tuyến, mục 2, Tên bước»."""
    words = []
    for part in where:
        if isinstance(part, int):
            words.append(f"mục {part + 1}")
        else:
            words.append(_label_of(str(part)))
    return ", ".join(words)


def _label_of(key: str) -> str:
    """The label the form shows for `key` (a guide's key, or one of a part of it)."""
    model = next((m for m in models_within(Guide) if key in m.model_fields), None)
    return about(model, key).label if model else key


def _short(value: object) -> str:
    if isinstance(value, (dict, list)):
        return "(một nhóm mục)"
    text = str(value)
    return f"«{text[:SHOWN]}…»" if len(text) > SHOWN else f"«{text}»"
