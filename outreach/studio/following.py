"""A library guide in the studio (README "Library"): the form shows the values layered from the
library and the commune's override file, each field marked with whose value it is; a save writes the
override file with `follows:` and only the keys whose value differs from the library's (round-trip,
so the file keeps its comments); the notices of values the library changed since, with both values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap

from outreach.library import FOLLOWS, Followed, layered
from outreach.libraryseen import pending, shown_value
from outreach.model import FIELD_LABELS
from outreach.project import Project
from outreach.studio import yamledit
from outreach.studio.forms import ABSENT, FormField, same_value

LIBRARY, OWN = "thư viện", "của xã"


@dataclass(frozen=True)
class Notice:
    """A value the commune overrode that the library changed since: what the editor shows of it."""

    key: str
    label: str
    library: str
    own: str


def mark(fields: list[FormField], followed: Followed) -> None:
    """Say under each top-level field whose value it shows, and which ones the commune overrode."""
    guide = followed.guide
    for f in fields:
        key = str(f.path[0])
        f.provenance = LIBRARY if guide.origin(key) is guide.library else OWN
        f.reset = f"/guides/{followed.slug}/library" if key in guide.overridden else ""


def notices(project: Project, followed: Followed) -> list[Notice]:
    return [Notice(change.key, FIELD_LABELS.get(change.key, change.key), shown_value(change.library),
                   shown_value(change.own)) for change in pending(project, followed.slug, followed.guide)]


def override_text(followed: Followed, posted: dict) -> str:
    """The commune's override file as a save writes it: `follows:`, then each key whose posted value
    differs from what the library gives (the keys equal to it again leave the file)."""
    own = followed.guide.own.data if followed.guide.own else {}
    changed = changed_values(followed, posted)
    values: dict[str, Any] = {FOLLOWS: followed.target, **changed}
    values |= {key: ABSENT for key in own if key in posted and key not in values}
    if followed.path.is_file():
        text = yamledit.merged_text(followed.path, values, own)
    else:
        doc = CommentedMap()
        yamledit.merge(doc, values, {})
        text = yamledit.dumped(doc)
    written = yaml.safe_load(text) or {}
    # an empty list that differs from the library's (`unconfirmed: []`: all checked) must be written,
    # where a guide's own file leaves an empty list out
    return text + "".join(f"{key}: []\n" for key, value in changed.items() if value == [] and key not in written)


def changed_values(followed: Followed, posted: dict) -> dict[str, Any]:
    """The posted values that differ from the library's. `unconfirmed` is written only when the officer
    changed the list shown, to something else than the library's list becomes once the changed keys
    count as confirmed by the commune (layered() takes them out)."""
    library = followed.guide.library
    assert library is not None
    base = layered(library, None, followed.guide.commune).data
    changed = {key: value for key, value in posted.items()
               if key != "unconfirmed" and not same_tree(value, base.get(key))}
    if "unconfirmed" in posted:
        listed = base.get("unconfirmed")
        expected = [key for key in listed if key not in changed] if isinstance(listed, list) else listed
        untouched = same_tree(posted["unconfirmed"], followed.guide.data.get("unconfirmed"))
        own = followed.guide.own.data if followed.guide.own else {}
        if not same_tree(posted["unconfirmed"], expected) and ("unconfirmed" in own or not untouched):
            changed["unconfirmed"] = posted["unconfirmed"]
    return changed


def same_tree(posted: Any, written: Any) -> bool:
    """Whether a posted value (ABSENT for an empty optional field) says what a file's value says."""
    if posted is ABSENT or posted is None or posted == []:
        return written is None or written == [] or written == {}
    if isinstance(posted, Mapping):
        written = written if isinstance(written, Mapping) else {}
        return all(same_tree(posted.get(k, ABSENT), written.get(k)) for k in {*posted, *written})
    if isinstance(posted, list):
        return isinstance(written, list) and len(posted) == len(written) and all(
            same_tree(p, w) for p, w in zip(posted, written))
    # a text area sends CRLF; a block scalar ends in \n
    if isinstance(posted, str) and isinstance(written, str) and posted.replace("\r\n", "\n").strip() == written.strip():
        return True
    return same_value(written, posted)
