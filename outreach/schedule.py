"""content/schedule.yaml → build/schedule/: one M3U playlist per broadcast slot and the weekly
lịch phát thanh an operator pins on the wall, with each slot's length from the real bulletins."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from outreach.model import Priority, Strict, Text

WEEKDAYS = ("thứ hai", "thứ ba", "thứ tư", "thứ năm", "thứ sáu", "thứ bảy", "chủ nhật")
Weekday = Literal["thứ hai", "thứ ba", "thứ tư", "thứ năm", "thứ sáu", "thứ bảy", "chủ nhật"]
Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class Slot(Strict):
    start: Clock
    end: Clock
    guides: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]] = Field(min_length=1)
    priority: Priority = "thông thường"

    @model_validator(mode="after")
    def _ends_after_start(self):
        if self.end <= self.start:
            raise ValueError("giờ kết thúc phải sau giờ bắt đầu")
        return self

    @property
    def minutes(self) -> int:
        return _minutes(self.end) - _minutes(self.start)


class Campaign(Strict):
    name: Text
    start: dt.date
    end: dt.date
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1)
    slots: list[Slot] = Field(min_length=1, max_length=12)

    @model_validator(mode="after")
    def _dates_in_order(self):
        if self.end < self.start:
            raise ValueError("ngày kết thúc phải sau ngày bắt đầu")
        return self


class Schedule(Strict):
    campaigns: list[Campaign] = Field(min_length=1)

def schedule_checks(guide_slugs: set[str]):
    """Checks beyond the schema, as (key path, message): guides that do not exist, slots that overlap."""
    return lambda schedule: _unknown_guides(schedule, guide_slugs) + _overlaps(schedule)


def _unknown_guides(schedule: Schedule, slugs: set[str]) -> list[tuple[tuple, str]]:
    return [(("campaigns", c, "slots", s, "guides", g), f"không có hướng dẫn content/guides/{slug}.yaml")
            for c, campaign in enumerate(schedule.campaigns) for s, slot in enumerate(campaign.slots)
            for g, slug in enumerate(slot.guides) if slug not in slugs]


def _overlaps(schedule: Schedule) -> list[tuple[tuple, str]]:
    """Two slots on the same day whose hours cross: one loudspeaker cannot play both."""
    slots = [(c, s, campaign, slot) for c, campaign in enumerate(schedule.campaigns)
             for s, slot in enumerate(campaign.slots)]
    found = []
    for i, (c1, s1, camp1, slot1) in enumerate(slots):
        for c2, s2, camp2, slot2 in slots[i + 1:]:
            same_days = set(camp1.days) & set(camp2.days) and camp1.start <= camp2.end and camp2.start <= camp1.end
            if same_days and slot1.start < slot2.end and slot2.start < slot1.end:
                found.append((("campaigns", c2, "slots", s2, "start"),
                              f"trùng giờ với khung {slot1.start}–{slot1.end} của đợt '{camp1.name}'"))
    return found


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def playlists(schedule: Schedule, build_dir: Path, titles: dict[str, str]) -> dict[str, tuple[str, float]]:
    """file name → (M3U text, total seconds) for each slot, from the bulletins' sidecars."""
    out = {}
    for c, campaign in enumerate(schedule.campaigns, 1):
        for slot in campaign.slots:
            lines, total = ["#EXTM3U"], 0.0
            for slug in slot.guides:
                seconds = _bulletin_seconds(build_dir / slug / "broadcast.json")
                if seconds is None:
                    continue
                total += seconds
                lines += [f"#EXTINF:{round(seconds)},{titles.get(slug, slug)}", f"../{slug}/broadcast.mp3"]
            out[f"{c:02d}-{slot.start.replace(':', '')}.m3u"] = ("\n".join(lines) + "\n", total)
    return out


def _bulletin_seconds(sidecar: Path) -> float | None:
    try:
        return float(json.loads(sidecar.read_text(encoding="utf-8"))["duration_seconds"])
    except (OSError, ValueError, KeyError):
        return None


def build_outputs(project, content, manifest) -> list[str]:
    """Write the playlists and schedule.pdf (only what changed); return warnings for slots too short."""
    # Imported here: those modules import content.py, which imports this one for the schema.
    from outreach import assets
    from outreach.atomic import write_atomic
    from outreach.manifest import UnitRecord, digest, file_record
    from outreach.pdf import house_style, render_pdf
    from outreach.render import template_environment

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
    env = template_environment(project)
    html = env.get_template("schedule.html.j2").render(
        commune=content.commune, campaigns=campaigns, weekdays=WEEKDAYS)
    inputs = digest(html, house_style(project.templates_dir))
    if not manifest.is_current("schedule/pdf", inputs):
        pdf, _ = render_pdf(lambda scale: html, project.templates_dir,
                            [project.templates_dir, assets.FONT_DIR], one_page=False)
        write_atomic(folder / "schedule.pdf", pdf)
        record = {"schedule/schedule.pdf": file_record(folder / "schedule.pdf")}
        manifest.record("schedule/pdf", UnitRecord(inputs, record))
    return warnings
