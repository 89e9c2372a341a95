"""build/index.html: one page an officer opens from the folder, listing every guide's outputs."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

from outreach.atomic import write_atomic
from outreach.content import Content
from outreach.errors import Problem
from outreach.manifest import Manifest
from outreach.model import Guide
from outreach.products import BY_NAME, COMMUNE_BY_NAME, COMMUNE_UNITS, UNITS, Unit, bulletin_of, meeting_clips_of
from outreach.project import Project
from outreach.resultsbuild import FOLDER as RESULTS_FOLDER
from outreach.resultsbuild import view as results_view
from outreach.sidecars import ClipRecord
from outreach.templating import BoundedSandbox, render


def refresh(project: Project, env: BoundedSandbox, content: Content, manifest: Manifest,
            problems: list[Problem], outdated: Collection[str] = ()) -> None:
    """Rewrite the catalog if what it shows changed (a no-op build writes nothing); the guides in
    `outdated` are marked "cần tạo lại" (their files were made before a change)."""
    failing = {content.files[p.file]: p for p in problems if p.file in content.files}
    # A guide that is invalid now keeps what it had built listed, marked out of date.
    earlier = {key.split("/")[0] for key in manifest.units if "/" in key} & set(failing) - set(content.guides)
    guides: dict[str, Guide | None] = {**content.guides, **dict.fromkeys(earlier)}
    entries = [{**_entry(project, slug, guide, manifest, failing.get(slug)), "outdated": slug in outdated}
               for slug, guide in sorted(guides.items())]
    broken = sorted({p.file for p in problems if p.file in content.files})
    html = render(env, "catalog.html.j2", commune=content.commune, entries=entries, broken=broken,
                  commune_files=_commune_files(project.build_dir), outdated=sorted(outdated),
                  results=results_view(project, content, RESULTS_FOLDER))
    target = project.build_dir / CATALOG.file
    if not target.exists() or target.read_text(encoding="utf-8") != html:
        write_atomic(target, html.encode("utf-8"))


CATALOG = COMMUNE_BY_NAME["catalog"]


def _commune_files(build_dir: Path) -> list[tuple[str, str]]:
    """(label, link) of what exists of the commune's own files, each broadcast slot's playlist too."""
    return [(unit.label_of(path.stem), path.relative_to(build_dir).as_posix())
            for unit in COMMUNE_UNITS if unit.linked for path in unit.parts(build_dir) if path.is_file()]


def _entry(project: Project, slug: str, guide: Guide | None, manifest: Manifest, problem: Problem | None) -> dict:
    """What the catalog shows of one guide: only files that exist are linked; when the guide has a
    problem now, what is listed is from an earlier build and says so."""
    folder = project.build_dir / slug
    built = {rel for key, unit in manifest.units.items() if key.startswith(f"{slug}/") for rel in unit.files}

    def made(unit: str) -> bool:
        return f"{slug}/{BY_NAME[unit].file_of(slug)}" in built

    bulletin = bulletin_of(project.build_dir, slug) if made("broadcast") else None
    clips = meeting_clips_of(project.build_dir, slug) if made("meeting") else []
    earlier = bulletin or bulletin_of(project.build_dir, slug)
    return {
        "slug": slug,
        "guide": guide,  # None when the guide is invalid now: only its earlier outputs are known
        "title": guide.title if guide else (earlier.title if earlier else slug),
        "problem": problem.message if problem else None,
        "pdfs": guide_files(slug, lambda u: made(u.name), ("pdf",)),
        "shared": guide_files(slug, lambda u: made(u.name), SENT),
        "texts": [(u.label, _text(folder / u.file)) for u in UNITS if u.kind == "text" and made(u.name)],
        "thumbnail": f"{slug}/{BY_NAME['share-handout'].file}" if made("share-handout") else None,
        "bulletin": bulletin,
        "bulletin_sound": f"{slug}/{BY_NAME['broadcast'].sound_of()}",
        "clips": clips,
        "clips_folder": f"{slug}/{Path(BY_NAME['meeting'].sound_of('-')).parent}",  # the clips' MP3s are there
        "retakes": _retakes([clip for clip in (bulletin, *clips) if clip is not None]),
    }


SENT = ("picture", "file")  # what an officer forwards: the pictures for Zalo, the named MP3, the ZIP


def guide_files(slug: str, there: Callable[[Unit], bool], kinds: Collection[str]) -> list[tuple[str, str]]:
    """(label, path under build/) of a guide's outputs of `kinds` that `there` says were made, in the
    unit table's order: what the catalog links, and the studio's editor and build page too."""
    return [(unit.label, f"{slug}/{unit.file_of(slug)}") for unit in UNITS if unit.kind in kinds and there(unit)]


def _retakes(clips: list[ClipRecord]) -> list[str]:
    """Why each of the officer's recordings was not used (to record again) or is in doubt (to listen
    to again: a wrong take?), once each."""
    return list(dict.fromkeys(said for clip in clips for section in clip.sections
                              for said in (section.problem, section.warning) if said))


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None
