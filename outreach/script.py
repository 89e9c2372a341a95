"""Guide + commune → what is said aloud: the bulletin and the meeting clips, from Jinja templates."""

from __future__ import annotations

import re
from dataclasses import dataclass

from outreach.model import Commune, Guide
from outreach.templating import BoundedSandbox, render
from outreach.text import ascii_slug


@dataclass(frozen=True)
class Script:
    """One audio output: its file stem, what listings call it, and its sections (a pause between each).
    `key` names its sections for recording: `bantin-01`, `buoc2-01`… (by place, so that editing a
    step's title or text keeps the name and only marks the recording out of date)."""

    name: str
    title: str
    sections: list[str]
    key: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(self.sections) + "\n"

    @property
    def section_ids(self) -> list[str]:
        return [f"{self.key}-{k:02d}" for k in range(1, len(self.sections) + 1)]


def bulletin(env: BoundedSandbox, guide: Guide, commune: Commune) -> Script:
    return Script("broadcast", guide.title, _sections(render(env, "broadcast.txt.j2", guide=guide, commune=commune)),
                  "bantin")


def meeting_clips(env: BoundedSandbox, guide: Guide, commune: Commune) -> list[Script]:
    """An intro clip, then one clip per step: `00-gioi-thieu`, `01-dang-nhap`, …"""
    clips = [Script("00-gioi-thieu", "Giới thiệu",
                    _sections(render(env, "meeting-intro.txt.j2", guide=guide, commune=commune)), "gioithieu")]
    for number, step in enumerate(guide.steps, 1):
        text = render(env, "meeting-step.txt.j2", step=step, number=number, last=number == len(guide.steps),
                      commune=commune)
        clips.append(Script(f"{number:02d}-{ascii_slug(step.title)}", f"Bước {number}: {step.title}", _sections(text),
                            f"buoc{number}"))
    return clips


def _sections(text: str) -> list[str]:
    """Blank-line separated sections, each on one line."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]
