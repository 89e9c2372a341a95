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
from outreach.products import BY_NAME, COMMUNE_BY_NAME, bulletin_of
from outreach.project import Project
from outreach.templating import BoundedSandbox, render, template_folders

WALL_CHART, PLAYLISTS = COMMUNE_BY_NAME["schedule"], COMMUNE_BY_NAME["playlists"]


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
            out[_playlist_name(c, slot.start)] = ("\n".join(lines) + "\n", total)
    return out


def _playlist_name(campaign: int, start: str) -> str:
    """A slot's playlist in build/schedule/: `01-0630.m3u`, the campaign's number and the slot's start."""
    return Path(PLAYLISTS.file_of(f"{campaign:02d}-{start.replace(':', '')}")).name


def build_outputs(project: Project, env: BoundedSandbox, content: Content, manifest: Manifest) -> list[str]:
    """Write the playlists and schedule.pdf (only what changed); return warnings for slots too short."""
    assert content.schedule is not None, "called for a project that has a schedule"
    folder = project.build_dir / PLAYLISTS.folder
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
                warnings.append(f"build/{PLAYLISTS.folder}/{name}: các bản tin dài {round(seconds)} giây, quá khung "
                                f"{slot.start}–{slot.end} ({slot.minutes} phút)")
        campaigns.append({**campaign.model_dump(), "slots": slots})
    html = render(env, "schedule.html.j2", commune=content.commune, campaigns=campaigns, weekdays=WEEKDAYS)
    folders = template_folders(project)
    inputs = digest(html, house_style(folders))
    if not manifest.is_current(WALL_CHART.key, inputs):
        pdf, _ = render_pdf(lambda scale: html, folders, [*folders, assets.FONT_DIR], one_page=False)
        target = project.build_dir / WALL_CHART.file
        write_atomic(target, pdf)
        manifest.record(WALL_CHART.key, UnitRecord(inputs, {WALL_CHART.file: file_record(target)}))
    return warnings
