"""What an officer reads into a microphone: every spoken section of a guide's bulletin and meeting
clips, the file name to save each take under, and whether a take is there, current or out of date."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from outreach import assets, script
from outreach.atomic import write_atomic
from outreach.content import Content
from outreach.model import Guide
from outreach.pdf import render_pdf
from outreach.products import RECORDING_SHEET
from outreach.project import Project
from outreach.sound.recordings import COMMON, WHOLE_BULLETIN, Take, Takes, common_id, name_takes_by_section
from outreach.templating import BoundedSandbox, render, template_folders

RECORDINGS = "recordings"  # under content/


@dataclass(frozen=True)
class Row:
    clip: str        # which clip it is spoken in
    section_id: str
    file: str        # where to save the take (any of the recording formats)
    text: str
    take: Take | None = None       # the take that voices it
    stale: Take | None = None      # a take of an older text: to be recorded again
    same_as: str | None = None     # the section of the same text heard earlier, recorded there
    place: int = 0                 # its place in its clip, from 1 (0: not in a clip, e.g. a common section)

    @property
    def label(self) -> str:
        """What the officer reads for it: `Đoạn 1 – Lời chào`."""
        return script.section_label(self.section_id, self.place) if self.place else self.section_id

    @property
    def state(self) -> str:
        """For the officer: đã thu / cần thu lại / chưa thu / giống đoạn …"""
        if self.same_as:
            return f"giống đoạn {self.same_as}, không cần thu riêng"
        if self.take:
            return "đã thu: " + self.take.path.name
        return "cần thu lại: lời đã đổi từ khi thu " + self.stale.path.name if self.stale else "chưa thu"


def guide_scripts(env: BoundedSandbox, guide: Guide, content: Content) -> list[script.Script]:
    assert content.commune is not None
    return [script.bulletin(env, guide, content.commune), *script.meeting_clips(env, guide, content.commune)]


def rows(project: Project, env: BoundedSandbox, content: Content, slug: str) -> list[Row]:
    """Every section of the guide `slug`, in the order it is heard; a section heard twice (the
    bulletin and a meeting clip share the steps) is recorded once."""
    scripts = guide_scripts(env, content.guides[slug], content)
    name_takes_by_section(project.content_dir / RECORDINGS / slug, scripts)
    takes = Takes(project.content_dir / RECORDINGS, slug)
    first: dict[str, str] = {}
    out = []
    for spoken in scripts:
        for place, (section_id, text) in enumerate(zip(spoken.section_ids, spoken.sections), 1):
            file = f"content/{RECORDINGS}/{slug}/{section_id}.m4a"
            if text in first:
                out.append(Row(spoken.title, section_id, file, text, same_as=first[text], place=place))
                continue
            first[text] = section_id
            out.append(Row(spoken.title, section_id, file, text, *_chosen(takes, section_id, text), place=place))
    return out


def whole_bulletin_row(project: Project, env: BoundedSandbox, content: Content, slug: str) -> Row:
    """The bulletin read in one take (broadcast.<ext>): when current, it voices the whole bulletin."""
    assert content.commune is not None
    bulletin = script.bulletin(env, content.guides[slug], content.commune)
    return Row(bulletin.title, WHOLE_BULLETIN, f"content/{RECORDINGS}/{slug}/{WHOLE_BULLETIN}.m4a", bulletin.text,
               *_chosen(Takes(project.content_dir / RECORDINGS, slug), WHOLE_BULLETIN, bulletin.text))


def common_rows(project: Project, env: BoundedSandbox, content: Content) -> list[Row]:
    """The sections at least two guides share (greeting, help desk, hotline, thanks): recorded once
    for the whole commune in content/recordings/_common/."""
    heard = Counter(text for guide in content.guides.values()
                    for text in {t for spoken in guide_scripts(env, guide, content) for t in spoken.sections})
    shared = sorted(text for text, times in heard.items() if times >= 2)
    takes = Takes(project.content_dir / RECORDINGS, COMMON)
    return [Row("(mọi hướng dẫn)", common_id(text), f"content/{RECORDINGS}/{COMMON}/{common_id(text)}.m4a", text,
                *_chosen(takes, common_id(text), text)) for text in shared]


def _chosen(takes: Takes, section_id: str, text: str) -> tuple[Take | None, Take | None]:
    choice = takes.choose(section_id, text)
    return choice.take, choice.stale


def write_pdf(project: Project, env: BoundedSandbox, content: Content, slug: str, sheet: list[Row]) -> Path:
    """build/<slug>/kich-ban-thu-am.pdf: the script to print and read from."""
    folders = template_folders(project)
    html = render(env, "record.html.j2", guide=content.guides[slug], rows=sheet)
    pdf, _ = render_pdf(lambda scale: html, folders, [*folders, assets.FONT_DIR], one_page=False)
    target = project.build_dir / slug / RECORDING_SHEET
    write_atomic(target, pdf)
    return target
