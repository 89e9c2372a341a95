"""Approval in the build: with `approval: required` (or on the province server), what is printed,
shared and broadcast is each guide's last approved version; a newer version is built as a preview
in build/.preview/<slug>/, every printed page marked "BẢN CHƯA DUYỆT", never in the schedule, the
joined PDFs or a share file.

The build learns what is approved from the project folder alone, never from the server's database:
content/approvals.yaml (each guide's approved version, by whom, when; `server: true` when the
province server keeps it) and content/approved/<slug>.yaml (the approved text). `outreach approve`
writes both; the server writes them from its database at each approval and before each build.
A guide's version is the sha256 of its file, as the server names it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from outreach import plan
from outreach.atomic import write_atomic
from outreach.content import Content, judged_guide, load_content
from outreach.errors import ContentError, OutreachError, Problem
from outreach.manifest import MANIFEST, Manifest
from outreach.products import UNITS
from outreach.project import Project
from outreach.templating import BoundedSandbox
from outreach.yamlsource import WHOLE_FILE, load_yaml

REGISTER = "approvals.yaml"   # content/approvals.yaml
APPROVED = "approved"         # content/approved/<slug>.yaml: the text approved
HEADER = ("# Các bản hướng dẫn đã được duyệt: do outreach ghi (outreach approve, hoặc máy chủ của tỉnh); "
          "đừng sửa tay.\n# Nội dung bản đã duyệt nằm trong content/approved/.\n")
# What a preview makes that carries no mark, so it may be moved into place once its version is approved.
MARK_FREE = tuple(u.name for u in UNITS if u.page is None and not u.shared)


@dataclass(frozen=True)
class Approval:
    version: str   # sha256 of the guide's file as approved
    by: str
    at: str        # ISO 8601, UTC


@dataclass
class Register:
    """content/approvals.yaml."""

    server: bool = False   # kept by the province server: approval is required whatever commune.yaml says
    guides: dict[str, Approval] = field(default_factory=dict)


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def approved_path(project: Project, slug: str) -> Path:
    return project.content_dir / APPROVED / f"{slug}.yaml"


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


def record(project: Project, slug: str, text: bytes, by: str, at: dt.datetime | None = None,
           server: bool | None = None) -> Approval:
    """Keep `text` as the approved version of `slug`: the text first, then the register naming it
    (a crash in between leaves the earlier approval standing: its text no longer matches, so the
    guide is refused by name until approved again)."""
    moment = (at or dt.datetime.now(dt.UTC)).replace(tzinfo=dt.UTC)
    target = approved_path(project, slug)
    if not target.is_file() or target.read_bytes() != text:
        write_atomic(target, text)
    register = read(project)
    register.guides[slug] = Approval(version_of(text), by, moment.isoformat(timespec="seconds"))
    register.server = register.server if server is None else server
    write(project, register)
    return register.guides[slug]


def approvable(project: Project, slug: str, version: str | None) -> bytes:
    """The text of `slug` to approve: the version in its file now (`version`, a sha256 or its first
    characters, must name it), valid, in a project where approval is required."""
    path = project.guide_path(slug)
    if not path.is_file():
        raise OutreachError(f"không có hướng dẫn {project.shown(path)}; chỉ duyệt được hướng dẫn của xã")
    text = path.read_bytes()
    current = version_of(text)
    if version is not None and (len(version) < 8 or not current.startswith(version.lower())):
        raise OutreachError(f"phiên bản '{version}' không phải bản đang có trong {project.shown(path)} "
                            f"({current[:12]}…); chỉ duyệt được bản đang có trong tệp, hãy đọc lại rồi duyệt")
    content = load_content(project)
    if content.commune is None or not required(project, content):
        raise OutreachError("xã chưa bật duyệt bản in và bản tin; muốn bật, ghi 'approval: required' trong "
                            "content/commune.yaml")
    if any(p.file == project.shown(path) for p in content.problems):
        raise OutreachError(f"{project.shown(path)} còn lỗi (xem 'outreach validate'); sửa xong mới duyệt được")
    return text


def required(project: Project, content: Content) -> bool:
    assert content.commune is not None
    return content.commune.approval == "required" or read(project).server


def split(project: Project, content: Content) -> tuple[Content, Content | None]:
    """(what is published, what is previewed). Without approval required: everything is published as
    it is, nothing previewed. With it, a guide's own file approved as it is is published; another
    is previewed, its last approved version (if any) published instead. A library guide the commune
    did not change is published as the library gives it (the province answers for its library)."""
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
    for path in project.guide_paths():
        slug, approval = path.stem, register.guides.get(path.stem)
        if approval is not None and approval.version == version_of(path.read_bytes()):
            continue
        if slug in content.guides:
            previewed[slug] = content.guides[slug]
        _publish_approved(project, published, slug, approval)
    preview = dataclasses.replace(content, guides=previewed, problems=[], warnings=[],
                                  hidden=set(content.files.values()) - set(previewed))
    return published, preview


def _publish_approved(project: Project, published: Content, slug: str, approval: Approval | None) -> None:
    """Put the approved version of `slug` in the published content in place of its newest; never
    approved: not published at all (its published outputs are removed, as a removed guide's)."""
    published.guides.pop(slug, None)
    if approval is None:
        published.hidden.add(slug)
        return
    path = approved_path(project, slug)
    shown = project.shown(path)
    if not path.is_file() or version_of(path.read_bytes()) != approval.version:
        published.problems.append(Problem(shown, 1, WHOLE_FILE, "không thấy nội dung bản đã duyệt (tệp thiếu hoặc đã "
                                          "bị sửa); bản in và bản tin đã có được giữ nguyên, hãy duyệt lại hướng dẫn"))
        published.files[shown] = slug
        return
    guide, problems = judged_guide(project, path)
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
