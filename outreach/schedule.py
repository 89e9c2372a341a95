"""content/schedule.yaml → build/schedule/: one M3U playlist per broadcast slot and the weekly
lịch phát thanh an operator pins on the wall, with each slot's length from the real bulletins."""

from __future__ import annotations

from pathlib import Path

from outreach import assets
from outreach.atomic import write_atomic
from outreach.content import Content
from outreach.manifest import Manifest, UnitRecord, digest, file_record
from outreach.model import WEEKDAYS, Schedule
from outreach.pdf import house_style, render_pdf
from outreach.products import BY_NAME, bulletin_of
from outreach.project import Project
from outreach.templating import BoundedSandbox, render, template_folders


def playlists(schedule: Schedule, build_dir: Path, titles: dict[str, str]) -> dict[str, tuple[str, float]]:
    """file name → (M3U text, total seconds) for each slot, from the bulletins' sidecars."""
    out = {}
    for c, campaign in enumerate(schedule.campaigns, 1):
        for slot in campaign.slots:
            lines, total = ["#EXTM3U"], 0.0
            for slug in slot.guides:
                bulletin = bulletin_of(build_dir, slug)
                if bulletin is None:
                    continue
                total += bulletin.duration_seconds
                lines += [f"#EXTINF:{round(bulletin.duration_seconds)},{titles.get(slug, slug)}",
                          f"../{slug}/{BY_NAME['broadcast'].sound_of()}"]
            out[f"{c:02d}-{slot.start.replace(':', '')}.m3u"] = ("\n".join(lines) + "\n", total)
    return out


def build_outputs(project: Project, env: BoundedSandbox, content: Content, manifest: Manifest) -> list[str]:
    """Write the playlists and schedule.pdf (only what changed); return warnings for slots too short."""
    assert content.schedule is not None, "called for a project that has a schedule"
    folder = project.build_dir / "schedule"
    titles = {slug: guide.title for slug, guide in content.guides.items()}
    lists = playlists(content.schedule, project.build_dir, titles)
    for name, (text, _) in lists.items():
        target = folder / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            write_atomic(target, text.encode("utf-8"))
    campaigns, warnings, names = [], [], iter(lists)
    for campaign in content.schedule.campaigns:
        slots = []
        for slot in campaign.slots:
            name = next(names)
            seconds = lists[name][1]
            slots.append({**slot.model_dump(), "minutes": slot.minutes, "seconds": seconds, "playlist": name,
                          "titles": [titles.get(s, s) for s in slot.guides]})
            if seconds > slot.minutes * 60:
                warnings.append(f"build/schedule/{name}: các bản tin dài {round(seconds)} giây, quá khung "
                                f"{slot.start}–{slot.end} ({slot.minutes} phút)")
        campaigns.append({**campaign.model_dump(), "slots": slots})
    html = render(env, "schedule.html.j2", commune=content.commune, campaigns=campaigns, weekdays=WEEKDAYS)
    folders = template_folders(project)
    inputs = digest(html, house_style(folders))
    if not manifest.is_current("schedule/pdf", inputs):
        pdf, _ = render_pdf(lambda scale: html, folders, [*folders, assets.FONT_DIR], one_page=False)
        write_atomic(folder / "schedule.pdf", pdf)
        record = {"schedule/schedule.pdf": file_record(folder / "schedule.pdf")}
        manifest.record("schedule/pdf", UnitRecord(inputs, record))
    return warnings
