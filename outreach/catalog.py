"""build/index.html: one page an officer opens from the folder, listing every guide's outputs."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path

from outreach.atomic import write_atomic
from outreach.content import Content
from outreach.errors import Problem
from outreach.manifest import Manifest
from outreach.model import Guide
from outreach.products import BY_NAME, UNITS
from outreach.project import Project
from outreach.templating import BoundedSandbox, render


def refresh(project: Project, env: BoundedSandbox, content: Content, manifest: Manifest,
            problems: list[Problem], outdated: Collection[str] = ()) -> None:
    """Rewrite the catalog if what it shows changed (a no-op build writes nothing); the guides in
    `outdated` are marked "cần tạo lại" (their files were made before a change)."""
    failing = {Path(p.file).stem: p for p in problems if p.file.startswith("content/guides/")}
    # A guide that is invalid now keeps what it had built listed, marked out of date.
    earlier = {key.split("/")[0] for key in manifest.units if "/" in key} & set(failing) - set(content.guides)
    guides: dict[str, Guide | None] = {**content.guides, **dict.fromkeys(earlier)}
    entries = [{**_entry(project, slug, guide, manifest, failing.get(slug)), "outdated": slug in outdated}
               for slug, guide in sorted(guides.items())]
    broken = sorted({p.file for p in problems if p.file.startswith("content/guides/")})
    html = render(env, "catalog.html.j2", commune=content.commune, entries=entries, broken=broken,
                  commune_files=_commune_files(project.build_dir), outdated=sorted(outdated))
    target = project.build_dir / "index.html"
    if not target.exists() or target.read_text(encoding="utf-8") != html:
        write_atomic(target, html.encode("utf-8"))


# What all guides make together, linked at the top of the catalog when it is there.
COMMUNE_FILES = (("handouts.pdf", "Mọi tờ hướng dẫn trong một tệp để in (PDF)"),
                 ("posters.pdf", "Mọi áp phích trong một tệp để in (PDF)"),
                 ("schedule/schedule.pdf", "Lịch phát thanh (PDF)"))


def _commune_files(build_dir: Path) -> list[tuple[str, str]]:
    """(label, link) of what exists of the commune's own files, and each broadcast slot's playlist."""
    files = [(label, rel) for rel, label in COMMUNE_FILES if (build_dir / rel).is_file()]
    return files + [(f"Danh sách phát khung {p.stem}", f"schedule/{p.name}")
                    for p in sorted((build_dir / "schedule").glob("*.m3u"))]


def _entry(project: Project, slug: str, guide: Guide | None, manifest: Manifest, problem: Problem | None) -> dict:
    """What the catalog shows of one guide: only files that exist are linked; when the guide has a
    problem now, what is listed is from an earlier build and says so."""
    folder = project.build_dir / slug
    built = {rel for key, unit in manifest.units.items() if key.startswith(f"{slug}/") for rel in unit.files}

    def made(unit: str) -> bool:
        return f"{slug}/{BY_NAME[unit].file_of(slug)}" in built

    bulletin = _json(folder / BY_NAME["broadcast"].file) if made("broadcast") else None
    clips = _json(folder / BY_NAME["meeting"].file) if made("meeting") else []
    return {
        "slug": slug,
        "guide": guide,  # None when the guide is invalid now: only its earlier outputs are known
        "title": guide.title if guide else (_json(folder / "broadcast.json") or {}).get("title", slug),
        "problem": problem.message if problem else None,
        "pdfs": [(u.label, f"{slug}/{u.file}") for u in UNITS if u.kind == "pdf" and made(u.name)],
        "shared": [(u.label, f"{slug}/{u.file_of(slug)}") for u in UNITS if u.kind in ("picture", "file")
                   and made(u.name)],
        "texts": [(u.label, _text(folder / u.file)) for u in UNITS if u.kind == "text" and made(u.name)],
        "thumbnail": f"{slug}/{BY_NAME['share-handout'].file}" if made("share-handout") else None,
        "bulletin": bulletin,
        "clips": clips,
        "retakes": _retakes([bulletin, *(clips or [])]),
    }


def _retakes(clips: list) -> list[str]:
    """Why each of the officer's recordings was not used (to record again) or is in doubt (to listen
    to again: a wrong take?), once each."""
    return list(dict.fromkeys(said for clip in clips if isinstance(clip, dict) for section in clip.get("sections", [])
                              for said in (section.get("problem"), section.get("warning")) if said))


def _json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None
