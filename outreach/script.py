"""Guide + commune → what is said aloud: the bulletin and the meeting clips, from Jinja templates."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import jinja2

from outreach.model import Commune, Guide


@dataclass(frozen=True)
class Script:
    """One audio output: its file stem, what listings call it, and its sections (a pause between each)."""

    name: str
    title: str
    sections: list[str]

    @property
    def text(self) -> str:
        return "\n\n".join(self.sections) + "\n"


def bulletin(env: jinja2.Environment, guide: Guide, commune: Commune) -> Script:
    return Script("broadcast", guide.title,
                  _sections(env.get_template("broadcast.txt.j2").render(guide=guide, commune=commune)))


def meeting_clips(env: jinja2.Environment, guide: Guide, commune: Commune) -> list[Script]:
    """An intro clip, then one clip per step: `00-gioi-thieu`, `01-dang-nhap`, …"""
    clips = [Script("00-gioi-thieu", "Giới thiệu", _sections(env.get_template("meeting-intro.txt.j2").render(
        guide=guide, commune=commune)))]
    step_template = env.get_template("meeting-step.txt.j2")
    for number, step in enumerate(guide.steps, 1):
        text = step_template.render(step=step, number=number, last=number == len(guide.steps), commune=commune)
        clips.append(Script(f"{number:02d}-{ascii_slug(step.title)}", f"Bước {number}: {step.title}", _sections(text)))
    return clips


def _sections(text: str) -> list[str]:
    """Blank-line separated sections, each on one line."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def sentence(text: str) -> str:
    """`text` ending with sentence punctuation, so the voice pauses before what follows."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def lower_first(text: str) -> str:
    """'Đăng ký khai sinh' → 'đăng ký khai sinh', leaving words like VNeID alone."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def ascii_slug(text: str, limit: int = 40) -> str:
    """A file-name-safe ASCII form of Vietnamese text: 'Đăng nhập' → 'dang-nhap'."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:limit].rstrip("-") or "buoc"
