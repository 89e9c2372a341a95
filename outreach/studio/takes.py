"""The editor's recording panels: every spoken section of a guide (or the commune's common ones) with
the state of its take, and a take recorded in the browser stored or deleted. A take saved here is a
file in content/recordings/ like one the officer drops there, judged by the same Speaker."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from outreach import recordsheet
from outreach.content import Content
from outreach.errors import OutreachError
from outreach.project import Project
from outreach.recordsheet import RECORDINGS, Row
from outreach.sound.engines import voicing_for
from outreach.sound.reading import read_aloud
from outreach.sound.recordings import COMMON, SUFFIXES, WHOLE_BULLETIN, Take, find_take
from outreach.sound.speech import Speaker
from outreach.studio.security import Refused, inside
from outreach.templating import BoundedSandbox

SECTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
# What browsers' MediaRecorder and phones hand over, by the type the browser names.
SUFFIX_OF_TYPE = {"audio/webm": ".webm", "video/webm": ".webm", "audio/ogg": ".ogg", "audio/mp4": ".m4a",
                  "audio/x-m4a": ".m4a", "audio/aac": ".aac", "audio/mpeg": ".mp3", "audio/wav": ".wav",
                  "audio/x-wav": ".wav", "audio/flac": ".flac"}
# The browser stops a take by itself after this: no section takes a minute to read, a bulletin five.
LONGEST_SECONDS = {"section": 180, "bulletin": 600}


@dataclass(frozen=True)
class Line:
    """One section as its panel shows it."""

    row: Row
    reading: str
    url: str                  # where its take is played, stored (POST) and deleted (POST …/delete)
    problem: str = ""         # why the last build could not use its take

    @property
    def differs(self) -> bool:
        return self.reading != self.row.text

    @property
    def commune_wide(self) -> bool:
        """A section of the commune's page: its take serves every guide."""
        return self.url.startswith("/commune/")

    @property
    def kind(self) -> str:
        """none, mine, common, stale or same: what the panel offers."""
        row = self.row
        if row.same_as:
            return "same"
        if row.take is not None:
            return "common" if row.take.path.parent.name == COMMON and not self.commune_wide else "mine"
        return "stale" if row.stale is not None else "none"

    @property
    def whole(self) -> bool:
        return self.row.section_id == WHOLE_BULLETIN

    @property
    def longest(self) -> int:
        return LONGEST_SECONDS["bulletin" if self.whole else "section"]

    @property
    def state(self) -> str:
        if self.whole:
            mine, otherwise = "bản tin phát đúng bản thu này", "bản tin ghép từ các đoạn dưới đây"
        else:
            mine = "mọi hướng dẫn có đoạn này dùng giọng của bạn" if self.commune_wide else "bản tin dùng giọng của bạn"
            otherwise = "máy đọc đoạn này"
        return {"none": f"Chưa thu: {otherwise}",
                "mine": f"Đã thu: {mine}",
                "common": "Dùng bản thu chung của xã (thu ở trang Thông tin của xã)",
                "stale": f"Cần thu lại: lời đã đổi từ khi thu; tạm thời {otherwise}",
                "same": f"Giống đoạn {self.row.same_as}: thu ở đoạn đó"}[self.kind]

    @property
    def record_label(self) -> str:
        return {"mine": "Thu lại", "stale": "Thu lại", "common": "Thu riêng cho hướng dẫn này"}.get(self.kind, "Thu âm")

    @property
    def playable(self) -> bool:
        """A take of this folder to play (the common one is played on the commune's page)."""
        return self.kind in ("mine", "stale")

    @property
    def version(self) -> int:
        """Changes with the take's file, so the browser fetches a new take instead of its cached one."""
        take = self.row.take or self.row.stale
        return take.path.stat().st_mtime_ns if take is not None else 0


@dataclass(frozen=True)
class BuildSays:
    """What the last build said of the guide's takes: why it could not use some, by section id."""

    problems: dict[str, str]
    built_at: float   # the time of that build: a take changed since is judged anew by the next

    def of(self, row: Row) -> str:
        take = row.take or row.stale
        if take is None or take.path.stat().st_mtime > self.built_at:
            return ""
        return self.problems.get(row.section_id, "")


def guide_lines(project: Project, env: BoundedSandbox, content: Content, slug: str,
                said: BuildSays | None = None) -> list[tuple[str, list[Line]]]:
    """Each clip's title and its sections' panels, in the order heard (the bulletin first)."""
    assert content.commune is not None
    clips: dict[str, list[Line]] = {}
    for row in recordsheet.rows(project, env, content, slug):
        line = Line(row, read_aloud(row.text, content.commune.dialect, content.lexicon),
                    f"/guides/{slug}/recordings/{row.section_id}", said.of(row) if said else "")
        clips.setdefault(row.clip, []).append(line)
    return list(clips.items())


def whole_bulletin_line(project: Project, env: BoundedSandbox, content: Content, slug: str) -> Line:
    """The panel of the bulletin read in one take; judged by what each section would be read as."""
    assert content.commune is not None
    row = recordsheet.whole_bulletin_row(project, env, content, slug)
    reading = " ".join(read_aloud(section, content.commune.dialect, content.lexicon) for section in
                       row.text.split("\n\n"))
    return Line(row, reading, f"/guides/{slug}/recordings/{WHOLE_BULLETIN}")


def common_lines(project: Project, env: BoundedSandbox, content: Content) -> list[Line]:
    assert content.commune is not None
    return [Line(row, read_aloud(row.text, content.commune.dialect, content.lexicon),
                 f"/commune/recordings/{row.section_id}") for row in recordsheet.common_rows(project, env, content)]


def folder_of(project: Project, slug: str | None) -> Path:
    """content/recordings/<slug>/, or _common/ for the commune (slug None)."""
    return inside(project.content_dir, f"{RECORDINGS}/{slug or COMMON}")


def line_for(lines: list[Line], section_id: str) -> Line:
    found = next((line for line in lines if line.row.section_id == section_id), None)
    if found is None:
        raise Refused(404, f"không có đoạn {section_id} (lời có thể vừa đổi; hãy tải lại trang)")
    return found


def take_of(project: Project, slug: str | None, section_id: str) -> Path:
    """The take file of a section, to play."""
    take = find_take([folder_of(project, slug)], section_id) if SECTION_ID.match(section_id) else None
    if take is None:
        raise Refused(404, f"đoạn {section_id} chưa có bản thu")
    return inside(project.content_dir, str(take.path.relative_to(project.content_dir)))


def store(project: Project, content: Content, line: Line, slug: str | None, seen_text: str, kind: str,
          data: bytes) -> None:
    """Save `data` as the take of `line` once it passes the checks a dropped file passes; an earlier
    take stays until then. Raises OutreachError with what to do when it does not."""
    row = line.row
    if line.kind == "same":
        raise OutreachError(f"đoạn này giống đoạn {row.same_as}; hãy thu ở đoạn {row.same_as}")
    if seen_text.split() != row.text.split():
        raise OutreachError("lời của đoạn này vừa đổi (có thể biểu mẫu vừa được lưu); hãy tải lại trang rồi thu lại")
    suffix = SUFFIX_OF_TYPE.get(kind.split(";")[0].strip().lower())
    if suffix is None:
        raise OutreachError(f"trình duyệt gửi bản thu dạng '{kind}', xưởng chưa đọc được; hãy dùng Chrome hoặc Firefox")
    folder = folder_of(project, slug)
    folder.mkdir(parents=True, exist_ok=True)
    # Staged in a hidden folder beside the takes: a build lists only files, and the rename is atomic.
    staging = Path(tempfile.mkdtemp(prefix=".thu-", dir=folder))
    try:
        staged = staging / f"{row.section_id}{suffix}"
        staged.write_bytes(data)
        _, reason = _speaker(project, content).judged(Take(staged), line.reading)
        if reason is not None:
            raise OutreachError(f"bản thu chưa dùng được — {reason}")
        delete(project, slug, row.section_id)
        taken = Take(staged.replace(folder / staged.name))
        taken.note(row.text)  # recorded for this very text: an edit of it marks the take out of date
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def delete(project: Project, slug: str | None, section_id: str) -> None:
    """Every take of the section in its folder (any format), with the notes kept about them."""
    folder = folder_of(project, slug)
    for suffix in SUFFIXES:
        take = Take(folder / f"{section_id}{suffix}")
        take.path.unlink(missing_ok=True)
        take.sidecar.unlink(missing_ok=True)


def _speaker(project: Project, content: Content) -> Speaker:
    """A Speaker only to judge takes: the engine is never asked to speak."""
    assert content.commune is not None
    settings = voicing_for(content.commune.audio, project.root, content.commune.dialect)
    return Speaker.for_build("espeak-ng", settings, project.speech_cache_dir, content.lexicon)
