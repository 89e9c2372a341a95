"""The officer's own voice in a clip: which take voices which section — judged (cleaned, measured,
refused when unusable), noted (the text it was recorded for, so a later edit marks it out of date),
and checked for a take of the wrong section when a recogniser is installed."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from outreach.atomic import atomically, write_atomic
from outreach.errors import SpeechError, why
from outreach.script import Script
from outreach.sound.cache import HEARD, SpeechCache, mark_used
from outreach.sound.hearing import HearingFailed, Transcriber, sounds_like
from outreach.sound.recordings import COMMON, WHOLE_BULLETIN, Measured, Take, Takes, clean, refusal


@dataclass(frozen=True)
class Voiced:
    """One section as it will be heard: its prepared WAV and who speaks it."""

    id: str
    text: str
    reading: str
    ready: Path | None = None       # a take's prepared WAV; None: the engine speaks `reading`
    problem: str | None = None      # why the officer's take of it was not used
    warnings: tuple[str, ...] = ()  # what is in doubt about the take that is used (a wrong take? no note?)
    again: bool = False             # its take could not be noted: try again at the next build


class OwnVoice:
    """Chooses, judges and prepares the officer's takes for the sections of a clip."""

    def __init__(self, cache: SpeechCache, transcriber: Transcriber | None = None):
        self.cache = cache
        self.transcriber = transcriber  # hears each new take for the wrong-take check; None: no check

    def voiced_sections(self, script: Script, readings: list[str], takes: Takes | None,
                        others: Mapping[str, str]) -> list[Voiced]:
        """Each section of `script`, with the officer's take of it where there is a usable one; the
        bulletin recorded whole (broadcast.<ext>) stands for all its sections when it is current."""
        parts = [Voiced(id_, text, reading)
                 for id_, text, reading in zip(script.section_ids, script.sections, readings)]
        if not takes:
            return parts
        whole = self._recorded(takes, WHOLE_BULLETIN, script.text, " ".join(readings), others) \
            if script.key == "bantin" else Voiced(WHOLE_BULLETIN, "", "")
        if whole.ready is not None:
            return [whole]
        parts = [self._recorded(takes, v.id, v.text, v.reading, others) for v in parts]
        if whole.problem is not None:  # said once, on the first section
            first = parts[0]
            parts[0] = dataclasses.replace(first, problem="; ".join(filter(None, (whole.problem, first.problem))))
        return parts

    def _recorded(self, takes: Takes, section_id: str, text: str, reading: str, others: Mapping[str, str]) -> Voiced:
        """The section voiced by its take when there is one that is current and good enough; else
        by the engine, with the reason the take was not used. A take used may still be in doubt: it
        sounds like another of `others` (id → what is said), or its note could not be written."""
        plain = Voiced(section_id, text, reading)
        choice = takes.choose(section_id, text)
        if choice.take is None:
            if choice.stale is None:
                return plain
            return dataclasses.replace(plain, problem=(
                f"{self.cache.shown(choice.stale.path)}: cần thu lại — lời của đoạn {section_id} đã đổi từ khi thu; "
                f"đoạn này tạm dùng giọng máy (lời mới: outreach record {_sheet_of(choice.stale)})"))
        take = choice.take
        cleaned, reason = self.judged(take, reading)
        if reason is not None:
            return dataclasses.replace(plain, problem=f"{self.cache.shown(take.path)}: không dùng được — {reason}")
        wrong = self._wrong_take(take, cleaned, section_id, reading, others)
        unnoted = self._noted(take, text, section_id) if take.recorded_text() is None else None
        return dataclasses.replace(plain, ready=self._prepared_take(cleaned),
                                   warnings=tuple(w for w in (wrong, unnoted) if w), again=unnoted is not None)

    def _noted(self, take: Take, text: str, section_id: str) -> str | None:
        """Note beside the take the text it was recorded for: from then on an edit of that text marks
        the take out of date. Where the officer's folder cannot be written, the take is used all the
        same (it has no note, so it is a new take of this very text: right for this build) and the
        officer is told why the note matters; the clip is made again at each build until the note
        is written, so the warning does not go quiet while the take is still unguarded."""
        try:
            take.note(text)
        except OSError as exc:
            folder, shown = self.cache.shown(take.path.parent), self.cache.shown(take.path)
            return (f"{shown}: không ghi được ghi chú của bản thu vào thư mục {folder}/: {why(exc)}; "
                    f"bản thu vẫn được dùng, nhưng thiếu ghi chú này thì khi lời đoạn {section_id} đổi, công cụ sẽ "
                    f"không biết bản thu đã cũ — hãy cho phép ghi vào thư mục {folder}/ rồi chạy lại outreach build")
        return None

    def _wrong_take(self, take: Take, cleaned: Path, section_id: str, reading: str,
                    others: Mapping[str, str]) -> str | None:
        """Why the take may be of another section: what the recogniser hears in it matches another
        section's words clearly better than its own. Not for the bulletin recorded whole (its
        sections are its parts). The recogniser's time is bounded by the take's: cleaning keeps at
        most MAX_SECONDS of it."""
        if self.transcriber is None or section_id == WHOLE_BULLETIN:
            return None
        try:
            heard = self._heard(cleaned, self.transcriber)
        except HearingFailed as exc:
            return (f"{self.cache.shown(take.path)}: không kiểm tra được bản thu có đúng là đoạn {section_id} hay "
                    f"không ({exc}); bản thu vẫn được dùng")
        other = sounds_like(heard, reading, others)
        if other is None:
            return None
        return (f"{self.cache.shown(take.path)}: có thể thu nhầm đoạn — lời nghe được giống đoạn {other} hơn đoạn "
                f"{section_id}; bản thu vẫn được dùng, hãy nghe lại và thu lại nếu nhầm")

    def _heard(self, cleaned: Path, transcriber: Transcriber) -> str:
        """What the recogniser hears in a cleaned take, once per file content and recogniser: kept
        beside the cleaned take in the cache (`<sha256>.heard.json`), so a rebuild hears nothing."""
        kept = cleaned.with_name(f"{cleaned.stem}{HEARD}")
        try:
            noted = json.loads(kept.read_text(encoding="utf-8"))
            if noted["recogniser"] == transcriber.name:
                return str(noted["text"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        with self.cache.timings.stage("asr"):
            text = transcriber.transcribe(cleaned)
        with self.cache.writing(kept):
            write_atomic(kept, json.dumps({"recogniser": transcriber.name, "text": text}, ensure_ascii=False).encode())
        return text

    def judged(self, take: Take, reading: str) -> tuple[Path, str | None]:
        """The take cleaned (into the cache), and why it cannot voice `reading` (None: it can). One
        judgement for a file dropped into content/recordings/ and a take recorded in the studio."""
        cleaned, measured = self._cleaned(take)
        return cleaned, refusal(measured, reading)

    def _cleaned(self, take: Take) -> tuple[Path, Measured]:
        """The take cleaned into the cache and what it measures, once per file content: a rebuild
        reads the figures back, not the audio."""
        folder = self.cache.folder / "recordings"
        sha = take.sha256()
        wav, figures = folder / f"{sha}.wav", folder / f"{sha}.json"
        try:
            measured = Measured(**json.loads(figures.read_text(encoding="utf-8")))
            if wav.is_file():
                mark_used(wav)
                return wav, measured
        except (OSError, ValueError, TypeError):
            pass
        results: list[Measured] = []
        with self.cache.writing(wav):
            folder.mkdir(parents=True, exist_ok=True)
        try:
            with self.cache.timings.stage("audio"):
                atomically(wav, lambda staged: results.append(clean(take, staged)))
            measured = results[0]
        except SpeechError:  # a file ffmpeg cannot read, or too large: refused as an empty take
            measured = Measured(0.0, 0.0, 0.0, float("-inf"), 0.0)
        with self.cache.writing(figures):
            write_atomic(figures, json.dumps(dataclasses.asdict(measured)).encode())
        return wav, measured

    def _prepared_take(self, cleaned: Path) -> Path:
        """The cleaned take shaped and levelled like an engine's speech, never stretched: a human
        voice is read at its own pace."""
        from outreach.sound import audio
        ready = cleaned.with_name(f"{cleaned.stem}-{audio.CHAIN_VERSION}.ready.wav")
        if not ready.is_file():
            with self.cache.writing(ready), self.cache.timings.stage("audio"):
                atomically(ready, lambda staged: audio.prepare_speech([(cleaned, staged, 1.0)]))
        mark_used(ready)
        return ready


def _sheet_of(take: Take) -> str:
    """The `outreach record` argument that lists the current text of `take`'s section."""
    return "--common" if take.path.parent.name == COMMON else take.path.parent.name
