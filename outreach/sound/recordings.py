"""The officer's own voice: a recording of a spoken section, checked and cleaned so that a phone
recording sounds like the rest of the bulletin. The cleaned take then goes through the same shaping
and levelling as an engine's speech (audio.prepare_speech).

A take is `content/recordings/<slug>/<section id>.<ext>` (or `_common/` for a section every guide
shares). Beside it the tool keeps `<file>.json`: the text it was recorded for and the file's hash.
A take whose file changed is a new take of the current text; a take whose file is unchanged but
whose text changed is out of date and not used.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from outreach.atomic import write_atomic
from outreach.errors import SpeechError
from outreach.sound.ffmpeg import ffmpeg

if TYPE_CHECKING:
    import numpy as np

    from outreach.script import Script

SUFFIXES = (".wav", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".webm", ".flac")  # phones and browsers
MAX_BYTES = 64 * 1024 * 1024      # a quarter of an hour of a phone's AAC is a tenth of this
MAX_SECONDS = 15 * 60
ANALYSIS_RATE = 16000             # enough to judge level, clipping, noise and length
OUTPUT_RATE = 44100
# Rumble and handling noise below 80 Hz go; afftdn takes the steady hiss of a phone or a fan; silence
# at the ends is cut and pauses inside longer than 0.7 s are shortened to 0.35 s.
CLEANING = ("highpass=f=80,afftdn=nr=12:nf=-40,"
            "silenceremove=start_periods=1:start_threshold=-42dB:start_silence=0.15:"
            "stop_periods=-1:stop_threshold=-42dB:stop_duration=0.7:stop_silence=0.35")
# What a take must measure to be used (refused otherwise, with the reason).
CLIPPED_SHARE = 0.001             # of samples at full scale: 0.1 % is audible crackle
QUIETEST_LUFS = -45.0
LEAST_SPEECH_OVER_NOISE_DB = 12.0
SYLLABLES_PER_SECOND = (2.0, 8.0)  # Vietnamese is one syllable a written word; speech is 3–6 a second


@dataclass(frozen=True)
class Take:
    """A recording file for one section."""

    path: Path

    @property
    def sidecar(self) -> Path:
        return self.path.with_name(self.path.name + ".json")

    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def recorded_text(self) -> str | None:
        """The text this take was made for, as the tool noted when it first used it."""
        try:
            noted = json.loads(self.sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return noted.get("text") if isinstance(noted, dict) and noted.get("sha256") == self.sha256() else None

    def note(self, text: str) -> None:
        """Remember that this file is a take of `text`."""
        write_atomic(self.sidecar, (json.dumps({"text": text, "sha256": self.sha256()}, ensure_ascii=False,
                                               indent=1) + "\n").encode("utf-8"))


def find_take(folders: list[Path], section_id: str) -> Take | None:
    """The take of `section_id` in the first folder that has one (a guide's own before the common);
    a take linked out of its folder is not one."""
    for folder in folders:
        for suffix in SUFFIXES:
            path = folder / f"{section_id}{suffix}"
            if path.is_file() and path.resolve().is_relative_to(folder.resolve()):
                return Take(path)
    return None


def container_of(path: Path) -> str | None:
    """The ffmpeg demuxer of the audio container `path` starts with (its magic bytes), or None when
    it is none of the recordings' formats (a text playlist, a renamed document, not a regular file)."""
    try:  # O_NONBLOCK: a FIFO is not waited on (Windows has no FIFOs, nor the flag)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        head = os.read(fd, 12) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    finally:
        os.close(fd)
    return _demuxer(head)


def _demuxer(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[4:8] == b"ftyp":
        return "mov"        # MP4/M4A: ffmpeg's mov demuxer (external data references stay off)
    if head.startswith(b"ID3"):
        return "mp3"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "aac" if head[1] & 0x06 == 0 else "mp3"  # ADTS AAC has layer 0; MPEG audio layers 1-3
    known = {b"OggS": "ogg", b"\x1aE\xdf\xa3": "matroska", b"fLaC": "flac"}
    return known.get(head[:4])


@dataclass(frozen=True)
class Measured:
    """What a take measures before and after cleaning."""

    seconds: float          # as recorded
    speech_seconds: float   # after trimming silence
    clipped: float          # share of samples at full scale
    lufs: float
    speech_over_noise: float  # dB between loud and quiet stretches


def clean(take: Take, out_wav: Path) -> Measured:
    """Decode the take (any format ffmpeg reads), write it cleaned as mono 16-bit WAV, and measure it."""
    import numpy as np  # here, not at the top: planning a build looks at takes, it measures none

    from outreach.sound.loudness import integrated_lufs
    size = take.path.stat().st_size
    if size > MAX_BYTES:
        raise SpeechError(f"{take.path.name}: tệp quá lớn ({size // 2**20} MB, tối đa {MAX_BYTES // 2**20} MB)")
    demuxer = container_of(take.path)
    if demuxer is None:
        raise SpeechError(f"{take.path.name}: không phải tệp âm thanh WAV, MP3, M4A, AAC, OGG, WebM hay FLAC; "
                          "hãy thu lại hoặc chép lại tệp gốc từ điện thoại")
    raw = out_wav.with_suffix(".raw")
    try:
        # The container named, not guessed, and files only: a "take" that is a playlist (HLS, concat)
        # would otherwise make ffmpeg open whatever it lists, anywhere on the disk or the network.
        ffmpeg("-protocol_whitelist", "file", "-f", demuxer, "-t", str(MAX_SECONDS), "-i", str(take.path),
               "-filter_complex",
               f"[0:a]aformat=channel_layouts=mono,asplit=2[a][b];"
               f"[a]aresample={ANALYSIS_RATE}[raw];[b]{CLEANING},aresample={OUTPUT_RATE}[clean]",
               "-map", "[raw]", "-f", "s16le", "-c:a", "pcm_s16le", str(raw),
               "-map", "[clean]", "-c:a", "pcm_s16le", str(out_wav))
        samples = np.fromfile(raw, dtype="<i2")
    finally:
        raw.unlink(missing_ok=True)
    cleaned = max(0, out_wav.stat().st_size - 44) / 2 / OUTPUT_RATE
    return Measured(len(samples) / ANALYSIS_RATE, cleaned, _clipped(samples),
                    integrated_lufs(samples, ANALYSIS_RATE) if len(samples) else -math.inf,
                    _speech_over_noise(samples))


def _clipped(samples: np.ndarray) -> float:
    import numpy as np
    return float(np.mean(np.abs(samples.astype(np.int32)) >= 32700)) if len(samples) else 0.0


def _speech_over_noise(samples: np.ndarray) -> float:
    """dB between the loud (95th percentile) and quiet (10th) 50 ms stretches: speech over a steady
    noise floor is 20 dB or more; noise alone is a few dB."""
    import numpy as np
    block = ANALYSIS_RATE // 20
    if len(samples) < 4 * block:
        return 0.0
    blocks = samples[: len(samples) // block * block].astype(np.float64).reshape(-1, block)
    levels = 10 * np.log10(np.mean(blocks ** 2, axis=1) + 1.0)
    return float(np.percentile(levels, 95) - np.percentile(levels, 10))


def refusal(measured: Measured, reading: str) -> str | None:
    """Why a take must not be used, in words the officer can act on; None when it is fine."""
    syllables = len(reading.split())
    if measured.lufs == -math.inf:
        return "bản thu trống hoặc chỉ có tiếng ồn; hãy thu lại"
    if measured.clipped > CLIPPED_SHARE:
        return (f"bản thu bị rè vì quá to ({measured.clipped:.1%} mẫu bị cắt đỉnh); hãy thu lại, để điện thoại "
                "cách miệng một gang tay")
    # Before the length left after trimming: trimming cuts a very quiet voice almost whole, and then
    # "quiet" is what the officer can act on, not "empty".
    if measured.lufs < QUIETEST_LUFS:
        return f"bản thu quá nhỏ ({measured.lufs:.0f} LUFS); hãy thu lại, nói to hơn hoặc để điện thoại gần hơn"
    if measured.speech_seconds < 0.3:
        return "bản thu trống hoặc chỉ có tiếng ồn; hãy thu lại"
    if measured.speech_over_noise < LEAST_SPEECH_OVER_NOISE_DB:
        return "bản thu gần như chỉ có tiếng ồn; hãy thu lại ở nơi yên tĩnh"
    rate = syllables / measured.speech_seconds
    low, high = SYLLABLES_PER_SECOND
    if not low <= rate <= high:
        return (f"độ dài bản thu không khớp với lời ({rate:.1f} âm tiết mỗi giây, lời có {syllables} âm tiết, "
                f"bản thu {measured.speech_seconds:.1f} giây); có thể thu nhầm đoạn hoặc bị cắt mất")
    return None


COMMON = "_common"     # content/recordings/_common/: sections every guide shares, recorded once
WHOLE_BULLETIN = "broadcast"  # content/recordings/<slug>/broadcast.<ext>: the whole bulletin in one take


def common_id(text: str) -> str:
    """The name a section shared by several guides is recorded under in _common/: its first words,
    and a short hash so that two sections starting alike get two names."""
    from outreach.text import ascii_slug
    return f"chung-{ascii_slug(' '.join(text.split()[:5]), limit=32)}-{hashlib.sha1(text.encode()).hexdigest()[:4]}"


@dataclass
class Choice:
    """Which take (if any) voices one section, and why not when there is one that cannot be used."""

    take: Take | None = None
    stale: Take | None = None   # a take of an older text: to be recorded again


class Takes:
    """The takes a guide can use: its own folder's, then the commune's common ones."""

    def __init__(self, recordings_dir: Path, slug: str):
        self.folders = [recordings_dir / slug, recordings_dir / COMMON]
        content = recordings_dir.parent.resolve()
        # A folder or take linked out of content/ is not used (validation warns about the folder).
        self._own, self._common = ([folder] if folder.resolve().is_relative_to(content) else []
                                   for folder in self.folders)
        self._files = [p for folder in self._own + self._common if folder.is_dir() for p in sorted(folder.iterdir())
                       if p.suffix.lower() in SUFFIXES and p.is_file() and p.resolve().is_relative_to(content)]

    def __bool__(self) -> bool:
        return bool(self._files)

    def state_for(self, texts: list[str] | None) -> list[tuple[str, int, int]]:
        """What shapes audio saying `texts` (None: any text), read without opening a recording (a
        no-op build opens none): folder, name, size and time of every take of the guide's own folder
        (a take is also found by the text noted beside it, so any of them may voice any section),
        and of the common takes named for one of `texts`."""
        named = None if texts is None else {common_id(text) for text in texts}
        return [(f"{p.parent.name}/{p.name}", (st := p.stat()).st_size, st.st_mtime_ns) for p in self._files
                if p.parent == self.folders[0] or named is None or p.stem in named]

    def choose(self, section_id: str, text: str) -> Choice:
        """The take for `text`: the file named for this section if it is new or of this text; else any
        take noted as of this very text (the bulletin and a meeting clip share sections, and _common/
        holds those every guide shares)."""
        named = find_take(self._own, section_id) or find_take(self._common, common_id(text))
        if named is not None:
            noted = named.recorded_text()
            if noted is None or noted == text:
                return Choice(named)
        for path in self._files:
            take = Take(path)
            if take.recorded_text() == text:
                return Choice(take)
        return Choice(stale=named)


# Before sections had names, a take was named by its section's place: `bantin-03.m4a`. Then a
# `{% endfor %}` at a line's end (trim_blocks) ran the bulletin's fee into its documents section, so
# that section had no place of its own.
_BY_PLACE = re.compile(r"(?P<key>[a-z]+\d*)-(?P<place>\d{2})")
MERGED_BEFORE_NAMES = {"bantin": ("fee",)}


def name_takes_by_section(folder: Path, scripts: list[Script]) -> list[tuple[Path, Path]]:
    """Rename the takes named by place to their section's name, with their notes: the section whose
    words the note holds, else the section at that place (a take keeps voicing the same words).
    A take whose new name is taken already stays as it is. Returns (old, new) of each rename."""
    renamed = []
    by_key = {script.key: script for script in scripts if script.names}
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        placed = _BY_PLACE.fullmatch(path.stem) if path.suffix.lower() in SUFFIXES else None
        if placed is None or placed["key"] not in by_key:
            continue
        section = _section_of(Take(path), by_key[placed["key"]], int(placed["place"]), scripts)
        target = path.with_name(f"{section}{path.suffix}") if section else None
        if target is not None and not target.exists():
            _rename_with_note(Take(path), target)
            renamed.append((path, target))
    return renamed


def _section_of(take: Take, script: Script, place: int, scripts: list[Script]) -> str | None:
    noted = take.recorded_text()
    if noted is not None:
        return next((id_ for s in scripts for id_, text in zip(s.section_ids, s.sections) if text == noted), None)
    # Never used yet (no note): by its place in the sections as the templates cut them before names.
    names = [name for name in script.names if name not in MERGED_BEFORE_NAMES.get(script.key, ())]
    return f"{script.key}-{names[place - 1]}" if place <= len(names) else None


def _rename_with_note(take: Take, target: Path) -> None:
    note = take.sidecar
    take.path.rename(target)
    if note.is_file():
        note.rename(Take(target).sidecar)


def unplaced_takes(folder: Path, scripts: list[Script]) -> list[tuple[Take, Script, str]]:
    """(take, its script, its section's name) for each take of a section the template no longer has:
    a template edit merged or dropped it. A numbered section (a step, a key message) may be gone
    because the guide has fewer of them: that is not the template's doing, and its take just waits."""
    by_key = {script.key: script for script in scripts if script.names}
    found = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        key, _, name = path.stem.partition("-")
        script = by_key.get(key)
        if (script is None or path.suffix.lower() not in SUFFIXES or name in script.names
                or re.search(r"\d$", name)):
            continue
        found.append((Take(path), script, name))
    return found
