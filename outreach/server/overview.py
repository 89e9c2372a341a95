"""The province admin's view of every commune's guides (README "Province server"): communes × guides,
each cell saying how the commune's guide stands to the library (follows it as it is, changes some
keys, its own, hidden), whether the library changed a value the commune overrode and it has not
reviewed it, whether the version now saved waits for approval, its errors and when it was last built;
read from each commune's content and build/manifest.json. And one guide read-only: each value with
whose it is."""

from __future__ import annotations

from dataclasses import dataclass, field

from outreach.approvals import Text, texts_of
from outreach.content import Content, load_content
from outreach.library import Followed, followed
from outreach.libraryseen import pending, shown_value
from outreach.outcomes import Point, summed
from outreach.project import Project
from outreach.server.approvals import Approved, is_current
from outreach.studio import forms, listing
from outreach.studio.app import GUIDE_SCHEMA
from outreach.studio.following import LIBRARY, OWN
from outreach.yamlsource import load_yaml


@dataclass
class Cell:
    """One commune's guide: what the admin reads in its cell (kinds colour it)."""

    follows: str            # theo thư viện / xã sửa N mục / riêng của xã
    changed: bool           # the library changed a value the commune overrode, not reviewed yet
    approval: str           # đã duyệt / chờ duyệt
    errors: int
    built: str
    link: str

    @property
    def kind(self) -> str:
        return "error" if self.errors else ("stale" if self.changed or self.approval != "đã duyệt" else "ok")


@dataclass(frozen=True)
class Share:
    """A commune's online share as its results.csv gives it: its last month and the one before, its target."""

    last: Point | None
    before: Point | None
    target: int


@dataclass
class Grid:
    communes: list[str]
    titles: dict[str, str] = field(default_factory=dict)               # slug → title
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)   # (slug, commune) → cell
    shares: dict[str, Share] = field(default_factory=dict)             # commune → its online share

    @property
    def slugs(self) -> list[str]:
        return sorted(self.titles, key=lambda slug: listing.folded(self.titles[slug]))


def grid(projects: dict[str, Project], approved: dict[str, dict[str, Approved]]) -> Grid:
    """Every commune's guides; `approved`: each commune's last approvals (approvals.latest)."""
    made = Grid(list(projects))
    for commune, project in projects.items():
        content = load_content(project)
        made.shares[commune] = _share(content)
        rows = listing.rows(project, content)
        texts = texts_of(project, [row.slug for row in rows])
        for row in rows:
            made.titles.setdefault(row.slug, row.title)
            made.cells[(row.slug, commune)] = _cell(project, commune, row, texts.get(row.slug),
                                                    approved.get(commune, {}))
    return made


def _cell(project: Project, commune: str, row: listing.Row, text: Text | None, approved: dict[str, Approved]) -> Cell:
    found = followed(project, row.slug) if row.library else None
    changed = bool(found and pending(project, row.slug, found.guide))
    current = text is not None and is_current(approved.get(row.slug), text.version)
    errors = int(row.state.split()[0]) if row.state_kind == "error" else 0
    return Cell(_follows(found), changed, "đã duyệt" if current else "chờ duyệt", errors, row.last_built,
                f"/c/{commune}/guides/{row.slug}/view")


def _share(content: Content) -> Share:
    """The commune's share in its last two months of figures (the province compares communes by it)."""
    points = summed(content.results)
    target = content.commune.results.target if content.commune else 0
    return Share(points[-1] if points else None, points[-2] if len(points) > 1 else None, target)


def _follows(found: Followed | None) -> str:
    if found is None:
        return "riêng của xã"
    count = len(found.guide.overridden)
    return f"xã sửa {count} mục" if count else "theo thư viện"


@dataclass(frozen=True)
class Value:
    label: str
    lines: list[str]     # a list's items one a line
    whose: str


@dataclass(frozen=True)
class Viewed:
    """A guide as the read-only view shows it: its files and each value with whose it is."""

    title: str
    files: list[str]
    values: list[Value]


def values_of(project: Project, slug: str) -> Viewed | None:
    """The read-only view of a commune's guide; None: the commune has no such guide."""
    found = followed(project, slug)
    if found is not None:
        guide = found.guide
        files = [source.name for source in (guide.library, guide.own) if source is not None]
        return _viewed(guide.data, files, lambda key: LIBRARY if guide.origin(key) is guide.library else OWN)
    path = project.guide_path(slug)
    if not path.is_file():
        return None
    return _viewed(load_yaml(path, project.shown(path)).data, [project.shown(path)], lambda key: OWN)


def _viewed(data: dict, files: list[str], whose) -> Viewed:
    values = [Value(label, _lines(data[key]), whose(key)) for key, label in _labels(data)]
    return Viewed(str(data.get("title") or ""), files, values)


def _lines(value: object) -> list[str]:
    """A value as lines an admin reads: a list item each, a document's fields joined by « — »."""
    if isinstance(value, list):
        return [" — ".join(shown_value(v) for v in item.values()) if isinstance(item, dict) else shown_value(item)
                for item in value]
    return [shown_value(value)]


def _labels(data: dict) -> list[tuple[str, str]]:
    """The editor's labels of the keys written, so the admin reads what officers read."""
    return [(str(f.path[0]), f.label) for f in forms.fields_of(GUIDE_SCHEMA, data) if f.path[0] in data]
