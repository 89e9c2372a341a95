"""Guide + commune → what is said aloud: the bulletin and the meeting clips, from Jinja templates."""

from __future__ import annotations

import re
from dataclasses import dataclass

from outreach.errors import ContentError, Problem
from outreach.model import Commune, Guide
from outreach.templating import BoundedSandbox, render
from outreach.text import SECTION_MARK, ascii_slug

_MARKED = re.compile(f"{SECTION_MARK}([^{SECTION_MARK}]*){SECTION_MARK}")
# What the officer reads for a section, by its name in the templates (a number after it: its place).
SECTION_LABELS = {"greeting": "Lời chào", "why-online": "Vì sao làm trực tuyến", "steps": "Số bước",
                  "step": "Bước", "documents": "Giấy tờ cần chuẩn bị", "fee": "Lệ phí, thời hạn",
                  "help-desk": "Nơi giúp đỡ", "hotline": "Đường dây nóng", "thanks": "Lời cảm ơn",
                  "message": "Thông điệp"}


@dataclass(frozen=True)
class Script:
    """One audio output: its file stem, what listings call it, and its sections (a pause between each).
    `key` and each section's name (from `{{ section("greeting") }}` in the template) make the id its
    recording is kept under: `bantin-greeting`, `buoc2-step`… — by name, so that an edit of the words
    or of the lines around them keeps the name and only marks the recording out of date. A template
    that names no section (a commune's copy of an older one) cuts at blank lines, named by place."""

    name: str
    title: str
    sections: list[str]
    key: str = ""
    names: tuple[str, ...] = ()
    template: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(self.sections) + "\n"

    @property
    def section_names(self) -> list[str]:
        return list(self.names) or [f"{k:02d}" for k in range(1, len(self.sections) + 1)]

    @property
    def section_ids(self) -> list[str]:
        return [f"{self.key}-{name}" for name in self.section_names]


def section_label(section_id: str, place: int) -> str:
    """`Đoạn 1 – Lời chào` for the first section, `bantin-greeting`; by place alone when unnamed."""
    name = section_id.split("-", 1)[-1]
    base, _, number = name.rpartition("-") if re.search(r"-\d+$", name) else (name, "", "")
    said = SECTION_LABELS.get(base)
    return f"Đoạn {place} – {said} {number}".rstrip() if said else f"Đoạn {place}"


def bulletin(env: BoundedSandbox, guide: Guide, commune: Commune) -> Script:
    return _script(env, "broadcast.txt.j2", "broadcast", guide.title, "bantin", guide=guide, commune=commune)


def meeting_clips(env: BoundedSandbox, guide: Guide, commune: Commune) -> list[Script]:
    """An intro clip, then one clip per step: `00-gioi-thieu`, `01-dang-nhap`, …"""
    clips = [_script(env, "meeting-intro.txt.j2", "00-gioi-thieu", "Giới thiệu", "gioithieu", guide=guide,
                     commune=commune)]
    for number, step in enumerate(guide.steps, 1):
        clips.append(_script(env, "meeting-step.txt.j2", f"{number:02d}-{ascii_slug(step.title)}",
                             f"Bước {number}: {step.title}", f"buoc{number}", step=step, number=number,
                             last=number == len(guide.steps), commune=commune))
    return clips


def _script(env: BoundedSandbox, template: str, name: str, title: str, key: str, **variables) -> Script:
    names, sections = _sections(render(env, template, **variables), template)
    return Script(name, title, sections, key, names, template)


def _sections(text: str, template: str) -> tuple[tuple[str, ...], list[str]]:
    """(names, texts) of the named sections, each on one line; without names, blank-line separated."""
    parts = _MARKED.split(text)
    if len(parts) == 1:
        return (), [_one_line(block) for block in re.split(r"\n\s*\n", text) if block.strip()]
    # Words before the first name are a section of their own, so that nothing written is left unsaid.
    named = [(name, _one_line(said)) for name, said in [("opening", parts[0]), *zip(parts[1::2], parts[2::2])]
             if said.strip()]
    names = [name for name, _ in named]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ContentError([Problem(f"templates/{template}", 1, "(mẫu)", f"đoạn '{twice[0]}' có hai lần trong mẫu; "
                                    "mỗi đoạn cần một tên riêng")])
    return tuple(names), [said for _, said in named]


def _one_line(block: str) -> str:
    return " ".join(block.split())
