"""build/index.html: one page an officer opens from the folder, listing every guide's outputs."""

from __future__ import annotations

import json
from pathlib import Path

from outreach.content import Content
from outreach.project import Project
from outreach.atomic import write_atomic
from outreach.manifest import Manifest
from outreach.render import template_environment


def refresh(project: Project, content: Content, manifest: Manifest) -> None:
    """Rewrite the catalog if what it shows changed (a no-op build writes nothing)."""
    entries = [_entry(project, slug, guide, manifest) for slug, guide in sorted(content.guides.items())]
    broken = sorted({p.file for p in content.problems if p.file.startswith("content/guides/")})
    html = template_environment(project).get_template("catalog.html.j2").render(
        commune=content.commune, entries=entries, broken=broken)
    target = project.build_dir / "index.html"
    if not target.exists() or target.read_text(encoding="utf-8") != html:
        write_atomic(target, html.encode("utf-8"))


def _entry(project: Project, slug: str, guide, manifest: Manifest) -> dict:
    """What the catalog shows of one guide: only files that exist are linked."""
    folder = project.build_dir / slug
    built = {rel for key, unit in manifest.units.items() if key.startswith(f"{slug}/") for rel in unit.files}
    return {
        "slug": slug,
        "guide": guide,
        "pdfs": [(label, f"{slug}/{name}") for name, label in (
            ("handout.pdf", "Tờ hướng dẫn A4"), ("handout-large.pdf", "Bản chữ to"), ("poster.pdf", "Áp phích A3"),
            ("facilitator.pdf", "Tài liệu cho người chủ trì"))
            if f"{slug}/{name}" in built],
        "bulletin": _json(folder / "broadcast.json") if f"{slug}/broadcast.mp3" in built else None,
        "clips": _json(folder / "meeting" / "index.json") if f"{slug}/meeting/index.json" in built else [],
        "script": _text(folder / "broadcast.txt") if f"{slug}/broadcast.txt" in built else None,
        "sms": _text(folder / "sms.txt") if f"{slug}/sms.txt" in built else None,
    }


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
