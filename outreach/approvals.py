"""Approval in the build: with `approval: required` (or on the province server), what is printed,
shared and broadcast is each guide's last approved version; a newer version is built as a preview
in build/.preview/<slug>/, every printed page marked "BẢN CHƯA DUYỆT", never in the schedule, the
joined PDFs or a share file.

The build learns what is approved from the project folder alone, never from the server's database:
content/approvals.yaml (each guide's approved version, by whom, when; `server: true` when the
province server keeps it) and content/approved/ (the approved text). `outreach approve` writes both;
the server writes them from its database at each approval and before each build.

A guide's version names what would be printed (Text): a guide of the commune's own, the sha256 of its
file, as the server's history names it; a library guide the commune follows, the sha256 of the
library's file and the commune's override under it, so a change of the library is a new version that
needs approving again. What is kept as approved is that pair of files, not the merged values: the
published guide is then layered from them exactly as the studio and validation layer the newest (its
values' lines, the commune's committee as its agency, the library's naming checks), and a commune's
own guide keeps the version and the approved file it had before libraries were approved."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from outreach import plan
from outreach.atomic import write_atomic
from outreach.content import Content, judged_guide, load_content
from outreach.errors import ContentError, OutreachError, Problem
from outreach.library import FOLLOWS, Library
from outreach.library import find as find_library
from outreach.limits import MAX_YAML_BYTES
from outreach.manifest import MANIFEST, Manifest
from outreach.model import SLUG_PATTERN
from outreach.products import UNITS
from outreach.project import Project
from outreach.templating import BoundedSandbox
from outreach.yamlsource import WHOLE_FILE, load_yaml

REGISTER = "approvals.yaml"   # content/approvals.yaml
APPROVED = "approved"         # content/approved/<slug>.yaml: the commune's file approved
LIBRARY_COPY = "library"      # content/approved/library/<slug>/guides/<library slug>.yaml: the library's under it
HEADER = ("# Các bản hướng dẫn đã được duyệt: do outreach ghi (outreach approve, hoặc máy chủ của tỉnh); "
          "đừng sửa tay.\n# Nội dung bản đã duyệt nằm trong content/approved/.\n")
# What a preview makes that carries no mark, so it may be moved into place once its version is approved.
MARK_FREE = tuple(u.name for u in UNITS if u.page is None and not u.shared)


@dataclass(frozen=True)
class Approval:
    version: str   # Text.version of the guide as approved
    by: str
    at: str        # ISO 8601, UTC


@dataclass
class Register:
    """content/approvals.yaml."""

    server: bool = False   # kept by the province server: approval is required whatever commune.yaml says
    guides: dict[str, Approval] = field(default_factory=dict)


@dataclass(frozen=True)
class Text:
    """What a guide's version is made of, and what is kept when it is approved: the commune's file
    (`follows: <slug>` for a library guide it has no file for) and, when it follows a library guide,
    that guide's file under it."""

    own: bytes
    library: bytes | None = None
    target: str = ""   # the library guide's slug

    @property
    def version(self) -> str:
        if self.library is None:
            return version_of(self.own)
        return version_of(b"library %d\n" % len(self.library) + self.library + self.own)

    @property
    def legacy_version(self) -> str:
        """The version an approval of a library guide named before the library's text counted: the
        commune's file alone."""
        return version_of(self.own)


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_of(project: Project, slug: str) -> Text | None:
    """The guide `slug` as it would be printed now: its own file, or a library guide with the
    commune's override (if any) on top; None when the commune has neither."""
    return texts_of(project, [slug]).get(slug)


def texts_of(project: Project, slugs: Iterable[str]) -> dict[str, Text]:
    """text_of of each of `slugs` (the library found once)."""
    library, _ = find_library(project)
    found = {}
    for slug in slugs:
        text = _text(project, library, slug)
        if text is not None:
            found[slug] = text
    return found


def _text(project: Project, library: Library | None, slug: str) -> Text | None:
    path = project.guide_path(slug)
    own = _capped(path) if path.is_file() else None
    target = _follows(project, path) if own is not None else slug
    if target is None or library is None or not SLUG_PATTERN.match(target):
        return Text(own) if own is not None else None
    source = library.guide_path(target)
    if not source.is_file():
        return Text(own) if own is not None else None
    return Text(own if own is not None else f"{FOLLOWS}: {target}\n".encode(), _capped(source), target)


def _capped(path: Path) -> bytes:
    """A guide file's bytes, at most one more than a guide may have (validation refuses a longer one,
    so it is never approved; its version need only differ from every approvable one)."""
    with path.open("rb") as file:
        return file.read(MAX_YAML_BYTES + 1)


_FOLLOWED: dict[tuple[str, int, int], str | None] = {}   # (file, size, mtime) → its `follows:`


def _follows(project: Project, path: Path) -> str | None:
    """The library guide a commune's file follows (None: its own guide), read once per change of the
    file: every page of the studio asks it of every guide."""
    info = path.stat()
    key = (str(path), info.st_size, info.st_mtime_ns)
    if key not in _FOLLOWED:
        if len(_FOLLOWED) > 10_000:
            _FOLLOWED.clear()
        _FOLLOWED[key] = _read_follows(project, path)
    return _FOLLOWED[key]


def _read_follows(project: Project, path: Path) -> str | None:
    try:
        data = load_yaml(path, project.shown(path)).data
    except ContentError:
        return None  # validation names it; such a guide cannot be approved
    target = data.get(FOLLOWS) if isinstance(data, dict) else None
    return target if isinstance(target, str) else None


def approved_path(project: Project, slug: str) -> Path:
    return project.content_dir / APPROVED / f"{slug}.yaml"


def approved_library(project: Project, slug: str) -> Library:
    """The library guide as approved under `slug`, kept as a library of one guide."""
    root = project.content_dir / APPROVED / LIBRARY_COPY / slug
    return Library(root, project.shown(root))


def stored(project: Project, slug: str) -> Text | None:
    """The approved text of `slug` as content/approved/ keeps it (None: not there)."""
    path = approved_path(project, slug)
    if not path.is_file():
        return None
    copies = approved_library(project, slug).guide_paths()
    if len(copies) != 1:
        return Text(path.read_bytes())
    return Text(path.read_bytes(), copies[0].read_bytes(), copies[0].stem)


def read(project: Project) -> Register:
    """What content/approvals.yaml says (nothing when it is not there)."""
    path = project.content_dir / REGISTER
    if not path.is_file():
        return Register()
    data = load_yaml(path, project.shown(path), empty_ok=True).data or {}
    guides = data.get("guides") if isinstance(data, dict) else None
    return Register(isinstance(data, dict) and str(data.get("server")).lower() == "true",
                    {str(slug): Approval(str(row.get("version", "")), str(row.get("by", "")), str(row.get("at", "")))
                     for slug, row in (guides if isinstance(guides, dict) else {}).items() if isinstance(row, dict)})


def write(project: Project, register: Register) -> None:
    """content/approvals.yaml, written whole and atomically."""
    lines = [HEADER + f"server: {'true' if register.server else 'false'}",
             "guides:" if register.guides else "guides: {}"]
    for slug, approval in sorted(register.guides.items()):
        lines += [f"  {slug}:", f"    version: {approval.version}",
                  f"    by: {json.dumps(approval.by, ensure_ascii=False)}", f"    at: \"{approval.at}\""]
    text = "\n".join(lines) + "\n"
    path = project.content_dir / REGISTER
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        write_atomic(path, text.encode("utf-8"))


def record(project: Project, slug: str, text: Text, by: str, at: dt.datetime | None = None,
           server: bool | None = None) -> Approval:
    """Keep `text` as the approved version of `slug`: the text first, then the register naming it
    (a crash in between leaves the earlier approval standing: its text no longer matches, so the
    guide is refused by name until approved again)."""
    moment = (at or dt.datetime.now(dt.UTC)).replace(tzinfo=dt.UTC)
    return _recorded(project, slug, text, Approval(text.version, by, moment.isoformat(timespec="seconds")), server)


def _recorded(project: Project, slug: str, text: Text, approval: Approval, server: bool | None = None) -> Approval:
    keep(project, slug, text)
    register = read(project)
    register.guides[slug] = approval
    register.server = register.server if server is None else server
    write(project, register)
    return approval


def keep(project: Project, slug: str, text: Text) -> None:
    """content/approved/<slug>.yaml and, under it, the library guide's file (or none)."""
    copy = approved_library(project, slug)
    if stored(project, slug) == text:
        return
    shutil.rmtree(copy.root, ignore_errors=True)
    if text.library is not None:
        write_atomic(copy.guide_path(text.target), text.library)
    write_atomic(approved_path(project, slug), text.own)


def upgraded(project: Project, slug: str, approval: Approval | None) -> tuple[Approval | None, Text | None]:
    """An approval of a library guide written before the library's text counted (its version is the
    commune's file alone) stands for the library's text of today while that file is unchanged, as
    that approval was published: (the approval under its new version, the text to keep with it).
    Any other approval as it is, and no text."""
    kept = stored(project, slug) if approval is not None else None
    if approval is None or kept is None or kept.library is not None or kept.version != approval.version \
            or FOLLOWS.encode() not in kept.own:  # cheap: only a file that follows a library is read again
        return approval, None
    current = text_of(project, slug)
    if current is None or current.library is None or current.own != kept.own:
        return approval, None
    return dataclasses.replace(approval, version=current.version), current


def approvable(project: Project, slug: str, version: str | None) -> Text:
    """The text of `slug` to approve: the version the commune would print now (`version`, a sha256 or
    its first characters, must name it), valid, in a project where approval is required."""
    content = load_content(project)
    current = text_of(project, slug) if slug in content.slugs else None
    shown = content.file_of(project, slug)
    if current is None:
        raise OutreachError(f"xã không có hướng dẫn '{slug}' (không có {shown}, thư viện xã theo cũng không có)")
    if version is not None and (len(version) < 8 or not current.version.startswith(version.lower())):
        raise OutreachError(f"phiên bản '{version}' không phải bản đang có của {shown} ({current.version[:12]}…); "
                            "chỉ duyệt được bản đang có, hãy đọc lại rồi duyệt")
    if content.commune is None or not required(project, content):
        raise OutreachError("xã chưa bật duyệt bản in và bản tin; muốn bật, ghi 'approval: required' trong "
                            "content/commune.yaml")
    if any(content.files.get(p.file) == slug for p in content.problems):
        raise OutreachError(f"{shown} còn lỗi (xem 'outreach validate'); sửa xong mới duyệt được")
    return current


def required(project: Project, content: Content) -> bool:
    assert content.commune is not None
    return content.commune.approval == "required" or read(project).server


def split(project: Project, content: Content) -> tuple[Content, Content | None]:
    """(what is published, what is previewed). Without approval required: everything is published as
    it is, nothing previewed. With it, a guide whose version now is the one approved is published; another
    is previewed, its last approved version (if any) published instead. A library guide is no exception:
    the commune's leader answers for what its station airs, so the library's text waits for the first
    approval, and each change of the library for another."""
    if content.commune is None:
        return content, None
    try:
        register = read(project) if required(project, content) else None
    except ContentError as exc:  # nothing may be published while it is unknown what is approved
        return dataclasses.replace(content, commune=None, problems=content.problems + exc.problems), None
    if register is None:
        return content, None
    published = dataclasses.replace(content, guides=dict(content.guides), hidden=set(content.hidden),
                                    problems=list(content.problems))
    previewed = {}
    gated = sorted({path.stem for path in project.guide_paths()} | content.slugs)
    texts = texts_of(project, gated)
    for slug in gated:
        current = texts.get(slug)
        approval = _approval_of(project, register, slug, current)
        if approval is not None and current is not None and approval.version == current.version:
            continue
        if slug in content.guides:
            previewed[slug] = content.guides[slug]
        _publish_approved(project, published, slug, approval)
    preview = dataclasses.replace(content, guides=previewed, problems=[], warnings=[],
                                  hidden=set(content.files.values()) - set(previewed))
    return published, preview


def _approval_of(project: Project, register: Register, slug: str, current: Text | None) -> Approval | None:
    """The approval of `slug`; an earlier one upgraded and kept so (see upgraded())."""
    approval, renamed = upgraded(project, slug, register.guides.get(slug))
    if renamed is not None and approval is not None and renamed == current:
        approval = _recorded(project, slug, renamed, approval)
    return approval


def _publish_approved(project: Project, published: Content, slug: str, approval: Approval | None) -> None:
    """Put the approved version of `slug` in the published content in place of its newest; never
    approved: not published at all (its published outputs are removed, as a removed guide's)."""
    published.guides.pop(slug, None)
    if approval is None:
        published.hidden.add(slug)
        return
    path = approved_path(project, slug)
    shown, kept = project.shown(path), stored(project, slug)
    if kept is None or kept.version != approval.version:
        published.problems.append(Problem(shown, 1, WHOLE_FILE, "không thấy nội dung bản đã duyệt (tệp thiếu hoặc đã "
                                          "bị sửa); bản in và bản tin đã có được giữ nguyên, hãy duyệt lại hướng dẫn"))
        published.files[shown] = slug
        return
    guide, problems = judged_guide(project, path, approved_library(project, slug) if kept.library else None)
    published.problems += problems
    published.files[shown] = slug
    if guide is not None:
        published.guides[slug] = guide


def adopt_previews(project: Project, env: BoundedSandbox, content: Content, manifest: Manifest,
                   engine: str) -> list[str]:
    """Move into build/<slug>/ what a preview made that carries no mark (the bulletin, the meeting
    clips, their texts) when it is exactly what the published version makes now (same hash of all
    that shapes it: the version approved was built as a preview), and record it in the manifest.
    Each file is renamed into place whole; the manifest is saved after, by the build. Returns the
    paths moved, relative to build/."""
    shadow = project.previewing()
    previews = Manifest.load(shadow.build_dir)
    slugs = sorted({key.split("/")[0] for key in previews.units} & set(content.guides))
    if not slugs:
        return []
    fingerprints, moved = plan.Fingerprints(project, env, content, engine), []
    for slug in slugs:
        inputs = fingerprints.for_guide(slug, content.guides[slug], lambda name, hash_: True)
        for name in MARK_FREE:
            moved += _adopt(project, previews, manifest, f"{slug}/{name}", inputs[name])
    if moved:
        write_atomic(shadow.build_dir / MANIFEST, previews.text().encode())
    return moved


def _adopt(project: Project, previews: Manifest, manifest: Manifest, key: str, inputs: str) -> list[str]:
    preview = previews.units.get(key)
    if preview is None or preview.inputs != inputs or not previews.is_current(key, inputs) \
            or manifest.is_current(key, inputs):
        return []
    old = manifest.units.get(key)
    for rel in preview.files:
        (project.build_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(previews.build_dir / rel, project.build_dir / rel)
    for rel in set(old.files) - set(preview.files) if old else ():  # a meeting clip of a step now gone
        (project.build_dir / rel).unlink(missing_ok=True)
    manifest.record(key, previews.units.pop(key))
    return list(preview.files)


def drop_previews(project: Project) -> None:
    """Approval no longer required: the previews are gone with it."""
    shutil.rmtree(project.previewing().build_dir, ignore_errors=True)


def outdated_guides(project: Project, env: BoundedSandbox, content: Content, manifest: Manifest,
                    only: str | None = None) -> set[str]:
    """plan.outdated_guides, approval considered: the published outputs against the approved version,
    a preview's against the newest."""
    published, preview = split(project, content)
    found = plan.outdated_guides(project, env, published, manifest, only)
    if preview is not None:
        shadow = project.previewing()
        found |= plan.outdated_guides(shadow, env, preview, Manifest.load(shadow.build_dir), only)
    return found
