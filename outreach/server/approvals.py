"""Approval: a commune's approver answers for what is printed and broadcast. A version of a guide is
what would be printed (outreach.approvals.Text): the sha256 of its file as saved, or for a library
guide of the library's file and the commune's override, so any change, even by hand, by the CLI or
in the province's library, is a new version that needs approving again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import approvals as publication
from outreach.content import load_content
from outreach.contentcache import files_stamp, settled
from outreach.errors import OutreachError
from outreach.library import find as find_library
from outreach.manifest import MANIFEST, Manifest
from outreach.project import Project
from outreach.server import audit, history
from outreach.server.db import Approval, Version, now


@dataclass(frozen=True)
class GuideState:
    """One guide as GET /c/<commune>/api/guides answers it."""

    slug: str
    title: str
    problems: int
    version: str
    approved_version: str | None
    approved_by: str | None
    approved_at: str | None
    built_at: str | None
    approved: bool = False   # the version now in the file is the one approved, since it was last saved

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Approved:
    """A guide's last approval, and whether it covers the version in its file now."""

    approval: Approval
    current_for: str | None   # the sha256 it covers now, or None when it was saved again since


def latest(db: Session, commune: str) -> dict[str, Approved]:
    """The last approval of each guide of `commune`. It covers the file's version only while that
    version was not saved again after it: a restored earlier version has the approved hash, yet is a
    new version that needs approving again."""
    rows = db.scalars(select(Approval).where(Approval.commune == commune).order_by(Approval.id))
    saved = history.latest(db, commune)
    return {row.slug: Approved(row, row.version if row.slug not in saved or saved[row.slug].saved_at <= row.approved_at
                               else None) for row in rows}


def is_current(approved: Approved | None, version: str) -> bool:
    return approved is not None and approved.current_for == version


def approve(db: Session, project: Project, commune: str, slug: str, version: str, login: str) -> None:
    """Approve `version` of guide `slug`: only the version now saved can be (the page showed it)."""
    text = publication.text_of(project, slug)
    if text is None or version != text.version:
        raise OutreachError("hướng dẫn đã được sửa sau khi bạn mở trang nên chưa duyệt; hãy tải lại trang, đọc bản "
                            "mới rồi duyệt")
    history.record_changes(db, project, commune, history.OUTSIDE)  # the approved text is kept, whoever wrote it
    approval = Approval(commune=commune, slug=slug, version=version, approved_by=login, approved_at=now())
    db.add(approval)
    audit.record(db, audit.APPROVED, login, commune=commune, detail=f"{slug} {version}")
    publication.record(project, slug, text, login, approval.approved_at, server=True)  # what the build reads


def mirror(db: Session, project: Project, commune: str) -> None:
    """content/approvals.yaml and content/approved/ as the database says (the build reads only the
    project folder): before every build and every change the server makes to the commune. An
    approval of a library guide made before the library's text counted is renamed in the database
    too (publication.upgraded)."""
    rows = {row.slug: row for row in db.scalars(select(Approval).where(Approval.commune == commune)
                                                .order_by(Approval.id))}
    wanted = {}
    for slug, row in rows.items():
        approval, renamed = publication.upgraded(
            project, slug, publication.Approval(row.version, row.approved_by, _iso(row.approved_at)))
        assert approval is not None
        if renamed is not None:
            publication.keep(project, slug, renamed)
            row.version = approval.version
        wanted[slug] = approval
        _restore(db, project, commune, slug, approval.version)
    publication.write(project, publication.Register(True, wanted))


def _restore(db: Session, project: Project, commune: str, slug: str, version: str) -> None:
    """The approved text back in the folder when it is not there: a guide of the commune's own from
    its history (a library guide's cannot be: the build names it, to be approved again)."""
    kept = publication.stored(project, slug)
    if kept is not None and kept.version == version:
        return
    text = db.scalar(select(Version.text).where(Version.commune == commune, Version.slug == slug,
                                                Version.version == version).limit(1))
    if text is not None:
        publication.keep(project, slug, publication.Text(text.encode("utf-8")))


class States:
    """What validation and the last build say of each guide of each commune, remade only when a file
    it reads changed (outreach.contentcache) or build/manifest.json did; the approvals, which change
    without a file changing, are put in at each call."""

    def __init__(self) -> None:
        self._made: dict[Path, tuple[tuple, list[GuideState]]] = {}
        self._locks: dict[Path, threading.Lock] = {}
        self._lock = threading.Lock()

    def of(self, project: Project, approved: dict[str, Approved]) -> list[GuideState]:
        with self._lock:
            lock = self._locks.setdefault(project.root, threading.Lock())
        with lock:  # one judgement of a commune at a time; the others wait for it
            library, _ = find_library(project)
            stamp = files_stamp([project.content_dir, project.templates_dir, project.build_dir / MANIFEST,
                                 project.previewing().build_dir / MANIFEST, *([library.guides_dir] if library else [])])
            made = self._made.get(project.root)
            if made is None or made[0] != stamp:
                made = (stamp, states(project, {}))
                if settled(stamp):
                    self._made[project.root] = made
        return [_approved_as(state, approved.get(state.slug)) for state in made[1]]


def _approved_as(state: GuideState, approved: Approved | None) -> GuideState:
    if approved is None:
        return state
    approval = approved.approval
    return dataclasses.replace(state, approved_version=approval.version, approved_by=approval.approved_by,
                               approved_at=_iso(approval.approved_at), approved=is_current(approved, state.version))


def states(project: Project, approved: dict[str, Approval]) -> list[GuideState]:
    content = load_content(project)
    problems: dict[str, int] = {}
    for problem in content.problems:
        problems[problem.file] = problems.get(problem.file, 0) + 1
    titles = {source.name: source.data.get("title") for source in content.sources if isinstance(source.data, dict)}
    # Built: published or as a preview (build/.preview/, its own manifest).
    manifests = [Manifest.load(project.build_dir), Manifest.load(project.previewing().build_dir)]
    counted: dict[str, int] = {}
    for shown, slug in content.files.items():
        counted[slug] = counted.get(slug, 0) + problems.get(shown, 0)
    texts = publication.texts_of(project, content.slugs)
    return [_state(slug, titles.get(content.file_of(project, slug)), counted.get(slug, 0), texts.get(slug),
                   approved.get(slug), manifests) for slug in sorted(content.slugs)]


def _state(slug: str, title: object, problems: int, text: publication.Text | None, approval: Approval | None,
           manifests: list[Manifest]) -> GuideState:
    stamps = [record.mtime_ns for manifest in manifests for key, unit in manifest.units.items()
              if key.startswith(f"{slug}/") for record in unit.files.values()]
    return GuideState(slug, str(title) if isinstance(title, str) else slug, problems,
                      text.version if text else "missing",
                      approval.version if approval else None, approval.approved_by if approval else None,
                      _iso(approval.approved_at) if approval else None,
                      _iso(dt.datetime.fromtimestamp(max(stamps) / 1e9, dt.UTC)) if stamps else None)


def _iso(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=dt.UTC).isoformat(timespec="seconds")


def approve_in_folder(project: Project, slug: str, text: publication.Text, login: str) -> bool:
    """`outreach approve` on a commune folder of the province server (DIR/communes/SLUG): the approval
    is recorded in the server's database (and its audit log) as the server records one. False for
    any other project."""
    from outreach.server.db import Database
    from outreach.server.folder import ServerFolder

    folder = ServerFolder(project.root.parent.parent)
    if project.root.parent != folder.communes or not folder.settings_path.is_file():
        return False
    database = Database(folder.database_url())
    database.migrate()
    try:
        with database.session.begin() as db:
            approve(db, project, project.root.name, slug, text.version, login)
    finally:
        database.engine.dispose()
    return True
