"""Scripts → loudspeaker-ready MP3s: pick one engine per build, cache every spoken section.

outreach.sound.audio is imported where sound is made, not at the top: it loads numpy, LAME and libmpg123,
which planning a build (a no-op build above all) does not need.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from outreach.atomic import atomically, atomically_all, staging, write_atomic
from outreach.errors import SpeechError, why
from outreach.script import Script
from outreach.sidecars import RECORDING
from outreach.sound import tags
from outreach.sound.engines import Engine, Voicing, configured, make_engine, preference
from outreach.sound.hearing import HearingFailed, Transcriber, sounds_like
from outreach.sound.reading import read_aloud
from outreach.sound.recordings import COMMON, WHOLE_BULLETIN, Measured, Take, Takes, clean, refusal
from outreach.timing import Timings

# Pauses (seconds): after the opening chime, between sections, before the closing chime.
PAUSE_AFTER_CHIME = 0.6
PAUSE_BETWEEN_SECTIONS = 0.9
# The cache keeps every section ever spoken; past this size the least recently used go after a build,
# and an entry no build used for this long goes even below it.
SPEECH_CACHE_MAX_BYTES = 2 * 1024 ** 3
SPEECH_CACHE_MAX_AGE = 90 * 24 * 3600  # seconds


@dataclass(frozen=True)
class Clip:
    """What was made for one script: enough for the sidecar, the summary and the catalog."""

    path: Path
    title: str
    engine: str
    voice: str
    draft: bool
    reading: str
    seconds: float
    lufs: float
    true_peak: float
    sections: tuple[dict, ...] = ()   # {id, text, source, duration_seconds[, problem][, warning]} in the order heard
    warnings: tuple[str, ...] = ()    # recordings that could not be used or are in doubt, for the officer
    again: bool = False               # a take's note could not be written: make the clip again next build


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


@dataclass(frozen=True)
class Labels:
    """What the tags of a guide's clips say: whose they are, the guide, the campaign."""

    artist: str = ""
    guide: str = ""
    album: str = tags.DEFAULT_ALBUM

    def for_clip(self, title: str) -> tuple[str, str, str]:
        """(title, artist, album): a meeting clip's title names its guide too."""
        full = title if not self.guide or title == self.guide else f"{self.guide} – {title}"
        return full, self.artist, self.album


class Speaker:
    """Turns scripts into MP3s with one engine chosen once per build (or forced by --engine)."""

    def __init__(self, candidates: list[Engine], cache_dir: Path, dialect: str,
                 lexicon: Mapping[str, str], speed: float, probed: Mapping[str, str | None] | None = None,
                 timings: Timings | None = None, transcriber: Transcriber | None = None):
        self.candidates = candidates
        self.cache_dir = cache_dir
        self.dialect = dialect
        self.lexicon = lexicon
        self.speed = speed
        self.probed: dict[str, str | None] = dict(probed or {})  # engine → why unusable (None: usable)
        self.timings = timings if timings is not None else Timings()
        self.transcriber = transcriber  # hears each new take for the wrong-take check; None: no check

    @classmethod
    def for_build(cls, engine_name: str, settings: Voicing, cache_dir: Path, lexicon: Mapping[str, str],
                  probed: Mapping[str, str | None] | None = None, timings: Timings | None = None,
                  transcriber: Transcriber | None = None) -> Speaker:
        """The Speaker of a build: `auto` tries the engines in order of preference (piper only when
        a voice is configured, Viettel only when its key is set), any other name that engine alone."""
        names = preference() if engine_name == "auto" else (engine_name,)
        candidates = [make_engine(name, settings) for name in names]
        if engine_name == "auto":
            candidates = [e for e in candidates if configured(e)]
        return cls(candidates, cache_dir, settings.dialect, lexicon, settings.speed, probed, timings, transcriber)

    def readings(self, script: Script) -> list[str]:
        """What the voice says for each section of `script`."""
        return [read_aloud(section, self.dialect, self.lexicon) for section in script.sections]

    def speak(self, script: Script, mp3: Path, chime: bool, labels: Labels | None = None,
              takes: Takes | None = None) -> Clip:
        return self.speak_many([(script, mp3, chime)], labels, takes)[0]

    def speak_many(self, requests: list[tuple[Script, Path, bool]], labels: Labels | None = None,
                   takes: Takes | None = None, guide_scripts: Sequence[Script] = ()) -> list[Clip]:
        """Make each MP3 from its script (with chimes or not), tagged with `labels`; cached sections
        are not spoken again. An engine that fails midway (Google throttling after a good start, a
        garbage answer) is marked unusable and the next candidate speaks instead; with none left,
        SpeechError says why. A take is checked against every section of `guide_scripts` (default:
        the scripts asked for), the sections it could have been meant for."""
        others = self._said(guide_scripts or [script for script, _, _ in requests]) \
            if takes and self.transcriber else {}
        voiced = [self._voiced(script, takes, others) for script, _, _ in requests]
        while True:
            try:
                return self._speak_many(requests, labels, voiced)
            except _EngineFailed as failed:
                self.probed[failed.engine] = failed.reason

    def _speak_many(self, requests: list[tuple[Script, Path, bool]], labels: Labels | None,
                    voiced: list[list[Voiced]]) -> list[Clip]:
        # The engine is chosen only for what no take voices: a clip wholly recorded needs none.
        engines = [self._engine_for([v.reading for v in parts if v.ready is None])
                   if any(v.ready is None for v in parts) else None for parts in voiced]
        ready = self._prepared({(engine.name, v.reading): engine for engine, parts in zip(engines, voiced)
                                if engine is not None for v in parts if v.ready is None})
        clips = []
        for (_, mp3, chime), engine, parts in zip(requests, engines, voiced):
            between = self._silence(PAUSE_BETWEEN_SECTIONS)
            pieces = [piece for v in parts for piece in (_piece(v, engine, ready), between)][:-1]
            if chime:
                opening = [self._chime(), self._silence(PAUSE_AFTER_CHIME)]
                pieces = [*opening, *pieces, *reversed(opening)]
            clips.append((pieces, mp3))
        from outreach.sound import audio
        with self.timings.stage("audio"):
            measured = audio.assemble(clips)
            for script, mp3, _ in requests:
                mp3.write_bytes(tags.tagged(mp3.read_bytes(), *(labels or Labels()).for_clip(script.title)))
        return [_clip(mp3, script.title, engine, parts, ready, m)
                for (script, mp3, _), engine, parts, m in zip(requests, engines, voiced, measured)]

    def _said(self, scripts: Sequence[Script]) -> dict[str, str]:
        """Section id → what is said in it, each wording once (under the first id that says it)."""
        said: dict[str, str] = {}
        for script in scripts:
            for id_, reading in zip(script.section_ids, self.readings(script)):
                if reading not in said.values():
                    said[id_] = reading
        return said

    def _voiced(self, script: Script, takes: Takes | None, others: Mapping[str, str]) -> list[Voiced]:
        """Each section of `script`, with the officer's take of it where there is a usable one; the
        bulletin recorded whole (broadcast.<ext>) stands for all its sections when it is current."""
        readings = self.readings(script)
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
                f"{self._shown(choice.stale.path)}: cần thu lại — lời của đoạn {section_id} đã đổi từ khi thu; "
                f"đoạn này tạm dùng giọng máy (lời mới: outreach record {_sheet_of(choice.stale)})"))
        take = choice.take
        cleaned, reason = self.judged(take, reading)
        if reason is not None:
            return dataclasses.replace(plain, problem=f"{self._shown(take.path)}: không dùng được — {reason}")
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
            folder = self._shown(take.path.parent)
            return (f"{self._shown(take.path)}: không ghi được ghi chú của bản thu vào thư mục {folder}/: {why(exc)}; "
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
            return (f"{self._shown(take.path)}: không kiểm tra được bản thu có đúng là đoạn {section_id} hay không "
                    f"({exc}); bản thu vẫn được dùng")
        other = sounds_like(heard, reading, others)
        if other is None:
            return None
        return (f"{self._shown(take.path)}: có thể thu nhầm đoạn — lời nghe được giống đoạn {other} hơn đoạn "
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
        with self.timings.stage("asr"):
            text = transcriber.transcribe(cleaned)
        with self._writing(kept):
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
        folder = self.cache_dir / "recordings"
        sha = take.sha256()
        wav, figures = folder / f"{sha}.wav", folder / f"{sha}.json"
        try:
            measured = Measured(**json.loads(figures.read_text(encoding="utf-8")))
            if wav.is_file():
                _used(wav)
                return wav, measured
        except (OSError, ValueError, TypeError):
            pass
        results: list[Measured] = []
        with self._writing(wav):
            folder.mkdir(parents=True, exist_ok=True)
        try:
            with self.timings.stage("audio"):
                atomically(wav, lambda staged: results.append(clean(take, staged)))
            measured = results[0]
        except SpeechError:  # a file ffmpeg cannot read, or too large: refused as an empty take
            measured = Measured(0.0, 0.0, 0.0, float("-inf"), 0.0)
        with self._writing(figures):
            write_atomic(figures, json.dumps(dataclasses.asdict(measured)).encode())
        return wav, measured

    def _prepared_take(self, cleaned: Path) -> Path:
        """The cleaned take shaped and levelled like an engine's speech, never stretched: a human
        voice is read at its own pace."""
        from outreach.sound import audio
        ready = cleaned.with_name(f"{cleaned.stem}-{audio.CHAIN_VERSION}.ready.wav")
        if not ready.is_file():
            with self._writing(ready), self.timings.stage("audio"):
                atomically(ready, lambda staged: audio.prepare_speech([(cleaned, staged, 1.0)]))
        _used(ready)
        return ready

    def speak_into_place(self, requests: list[tuple[Script, Path, bool]], labels: Labels,
                         takes: Takes | None = None, guide_scripts: Sequence[Script] = ()) -> list[Clip]:
        """speak_many, each MP3 made beside its target and renamed into place once all are made (a
        failure leaves the old ones)."""
        clips: list[Clip] = []

        def make(staged: list[Path]) -> None:
            clips.extend(self.speak_many([(s, tmp, chime) for (s, _, chime), tmp in zip(requests, staged)], labels,
                                         takes, guide_scripts))

        atomically_all([target for _, target, _ in requests], make)
        return [dataclasses.replace(clip, path=target) for clip, (_, target, _) in zip(clips, requests)]

    def _engine_for(self, readings: list[str]) -> Engine:
        """The best engine that either has every section cached (a clip made online is reused
        offline) or can speak here now (a draft is remade once a better voice answers again)."""
        reasons = []
        for engine in self.candidates:
            if all(self._cache_path(engine, text).is_file() for text in readings):
                return engine
            reason = self.unusable_reason(engine)
            if reason is None:
                return engine
            reasons.append(f"{engine.name}: {reason}")
        raise SpeechError("không có công cụ đọc nào dùng được — " + "; ".join(reasons))

    def unusable_reason(self, engine: Engine) -> str | None:
        """Probed once per build and remembered: gTTS costs a network round trip."""
        if engine.name not in self.probed:
            self.probed[engine.name] = engine.unusable_reason()
        return self.probed[engine.name]

    def best_usable(self) -> str | None:
        """Name of the engine new audio would be made with, or None if none can speak."""
        return next((e.name for e in self.candidates if self.unusable_reason(e) is None), None)

    def _prepared(self, needed: dict[tuple[str, str], Engine]) -> dict[tuple[str, str], Path]:
        """(engine name, text) → the section spoken and prepared at this speed; what is missing is
        spoken one section at a time, then prepared all together in one batch."""
        from outreach.sound import audio
        ready, missing = {}, []
        for (_, text), engine in needed.items():
            raw = self._cache_path(engine, text)
            ready[engine.name, text] = raw.with_name(f"{raw.stem}-{self.speed:.2f}-{audio.CHAIN_VERSION}.ready.wav")
            if not raw.is_file():
                with self.timings.stage("speech"):
                    self._spoken(engine, text, raw)
            if not ready[engine.name, text].is_file():
                missing.append((raw, ready[engine.name, text], self.speed / engine.speed))
            _used(raw, ready[engine.name, text])
        if missing:
            def prepare(staged: list[Path]) -> None:
                with self.timings.stage("audio"):
                    audio.prepare_speech([(raw, tmp, stretch) for (raw, _, stretch), tmp in zip(missing, staged)])

            with self._writing(missing[0][1]):
                atomically_all([target for _, target, _ in missing], prepare)
        return ready

    def _spoken(self, engine: Engine, text: str, raw: Path) -> None:
        """The engine's speech of `text` into the cache at `raw`. What the engine got wrong is an
        _EngineFailed; what the cache got wrong (unwritable, its temp file removed) a CacheError."""
        with self._writing(raw):
            raw.parent.mkdir(parents=True, exist_ok=True)
            staged = staging(raw)
            staged.touch()  # proves the folder is writable before an engine can be blamed for it
        try:
            try:
                engine.synthesize(text, staged)
            except (SpeechError, OSError, subprocess.SubprocessError) as exc:
                if not staged.exists():
                    raise CacheError(self._removed(staged)) from None
                reason = str(exc) if isinstance(exc, SpeechError) else f"{engine.name}: {exc}"
                raise _EngineFailed(engine.name, reason) from None
            with self._writing(raw):
                os.chmod(staged, 0o644)
                staged.replace(raw)
        finally:
            with contextlib.suppress(OSError):
                staged.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _writing(self, path: Path):
        """OSError while writing `path` into the cache becomes a CacheError naming the file and why."""
        try:
            yield
        except FileNotFoundError:
            raise CacheError(self._removed(path)) from None
        except OSError as exc:
            raise CacheError(f"không ghi được {self._shown(path)} vào bộ nhớ đệm giọng đọc: {why(exc)}") from None

    def _removed(self, path: Path) -> str:
        return (f"tệp tạm {self._shown(path)} bị xóa trong khi đang ghi (có lẽ một lần tạo khác đang chạy "
                "cùng lúc trong dự án này); hãy chạy lại")

    def _shown(self, path: Path) -> str:
        """`build/.cache/speech/…` as officers see it (the cache lives in build/ of the project)."""
        try:
            return str(path.relative_to(self.cache_dir.parent.parent.parent))
        except ValueError:
            return str(path)

    def _chime(self) -> Path:
        from outreach.sound import audio
        chime = self.cache_dir / f"chime-{audio.CHAIN_VERSION}.wav"
        if not chime.is_file():
            with self._writing(chime):
                atomically(chime, audio.write_chime)
        _used(chime)
        return chime

    def _silence(self, seconds: float) -> Path:
        from outreach.sound import audio
        pause = self.cache_dir / f"pause-{seconds:.2f}-{audio.CHAIN_VERSION}.wav"
        if not pause.is_file():
            with self._writing(pause):
                atomically(pause, lambda staged: audio.write_silence(staged, seconds))
        _used(pause)
        return pause

    def _cache_path(self, engine: Engine, text: str) -> Path:
        """Where the engine's raw speech for `text` is kept; the key covers all that shapes it."""
        key = json.dumps([text, engine.name, engine.cache_tag()], ensure_ascii=False)
        return self.cache_dir / engine.name / f"{hashlib.sha256(key.encode()).hexdigest()}.wav"


HEARD = ".heard.json"    # beside a cleaned take in the cache: what the recogniser heard in it


def _sheet_of(take: Take) -> str:
    """The `outreach record` argument that lists the current text of `take`'s section."""
    return "--common" if take.path.parent.name == COMMON else take.path.parent.name


def _piece(voiced: Voiced, engine: Engine | None, ready: dict[tuple[str, str], Path]) -> Path:
    if voiced.ready is not None:
        return voiced.ready
    assert engine is not None
    return ready[engine.name, voiced.reading]


def _clip(mp3: Path, title: str, engine: Engine | None, parts: list[Voiced], ready: dict[tuple[str, str], Path],
          measured) -> Clip:
    """The Clip of one script: a draft only when the draft engine speaks some of it."""
    sections = tuple({"id": v.id, "text": v.text,
                      "source": RECORDING if v.ready is not None else engine.name if engine else "",
                      "duration_seconds": round(_seconds(_piece(v, engine, ready)), 1),
                      **({"problem": v.problem} if v.problem else {}),
                      **({"warning": "; ".join(v.warnings)} if v.warnings else {})} for v in parts)
    spoken = engine is not None and any(v.ready is None for v in parts)
    return Clip(mp3, title, engine.name if engine and spoken else RECORDING,
                engine.voice if engine and spoken else "", bool(engine and spoken and engine.draft),
                "\n\n".join(v.reading for v in parts), measured.seconds, measured.lufs, measured.true_peak,
                sections, tuple(w for v in parts for w in (v.problem, *v.warnings) if w),
                any(v.again for v in parts))


def _seconds(wav: Path) -> float:
    """Length of a prepared WAV from its header (no samples read)."""
    import wave
    try:
        with wave.open(str(wav)) as w:
            return w.getnframes() / w.getframerate()
    except (OSError, EOFError, wave.Error):
        return 0.0


class CacheError(SpeechError):
    """The speech cache could not be written: the engine is not to blame, no other engine will help."""


class _EngineFailed(SpeechError):
    """The engine chosen for a section could not speak it (it answered garbage, or stopped answering)."""

    def __init__(self, engine: str, reason: str):
        super().__init__(reason)
        self.engine = engine
        self.reason = reason

    def __reduce__(self):  # custom arguments: say how to rebuild it when a worker process sends it back
        return type(self), (self.engine, self.reason)


def _used(*paths: Path) -> None:
    """Mark cache entries as used now: pruning removes the least recently used first."""
    for path in paths:
        with contextlib.suppress(OSError):
            os.utime(path)


def prune_cache(cache_dir: Path, since: float, max_bytes: int | None = None,
                max_age: float | None = None) -> int:
    """Remove cache entries unused for `max_age` seconds, then the least recently used ones while the
    cache is over `max_bytes`; never one used since `since` (the build that just ran, even a --only
    one, keeps all it used, and other guides' entries stay while they fit). Returns bytes freed."""
    max_bytes = SPEECH_CACHE_MAX_BYTES if max_bytes is None else max_bytes
    max_age = SPEECH_CACHE_MAX_AGE if max_age is None else max_age
    entries = sorted(_cache_entries(cache_dir))
    total, freed, now = sum(size for _, size, _ in entries), 0, time.time()
    for last_use, size, files in entries:
        if last_use >= since or (total <= max_bytes and now - last_use <= max_age):
            continue
        for path in files:
            with contextlib.suppress(OSError):
                path.unlink()
        total -= size
        freed += size
    return freed


def _cache_entries(cache_dir: Path) -> list[tuple[float, int, list[Path]]]:
    """(last use, bytes, files) of each entry: a WAV and what was made from it, which share its last
    use (the MP3 is not touched, its mtime keys a cache of its measurement)."""
    entries = []
    for wav in cache_dir.rglob("*.wav"):
        if wav.name.startswith("."):
            continue  # a temp file of a build in progress
        # With it go the MP3 frames encoded from it, and a cleaned take's figures and transcript.
        beside = (wav.with_suffix(".mp3"), wav.with_suffix(".json"), wav.with_name(f"{wav.stem}{HEARD}"))
        files = [wav] + [path for path in beside if path.is_file()]
        try:
            entries.append((wav.stat().st_mtime, sum(f.stat().st_size for f in files), files))
        except OSError:
            continue
    return entries
