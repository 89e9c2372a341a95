"""Scripts → loudspeaker-ready MP3s: pick one engine per build, cache every spoken section.

outreach.sound.audio is imported where sound is made, not at the top: it loads numpy, LAME and libmpg123,
which planning a build (a no-op build above all) does not need.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from outreach.sound import engines
from outreach.atomic import atomically, staging
from outreach.errors import SpeechError, why
from outreach.sound.engines import Engine
from outreach.sound.reading import read_aloud
from outreach.script import Script
from outreach.timing import stage

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


class Speaker:
    """Turns scripts into MP3s with one engine chosen once per build (or forced by --engine)."""

    def __init__(self, candidates: list[Engine], cache_dir: Path, dialect: str,
                 lexicon: Mapping[str, str], speed: float, probed: Mapping[str, str | None] | None = None):
        self.candidates = candidates
        self.cache_dir = cache_dir
        self.dialect = dialect
        self.lexicon = lexicon
        self.speed = speed
        self.probed: dict[str, str | None] = dict(probed or {})  # engine → why unusable (None: usable)

    def readings(self, script: Script) -> list[str]:
        """What the voice says for each section of `script`."""
        return [read_aloud(section, self.dialect, self.lexicon) for section in script.sections]

    def speak(self, script: Script, mp3: Path, chime: bool) -> Clip:
        return self.speak_many([(script, mp3, chime)])[0]

    def speak_many(self, requests: list[tuple[Script, Path, bool]]) -> list[Clip]:
        """Make each MP3 from its script (with chimes or not); cached sections are not spoken again.
        An engine that fails midway (Google throttling after a good start, a garbage answer) is
        marked unusable and the next candidate speaks instead; with none left, SpeechError says why."""
        while True:
            try:
                return self._speak_many(requests)
            except _EngineFailed as failed:
                self.probed[failed.engine] = failed.reason

    def _speak_many(self, requests: list[tuple[Script, Path, bool]]) -> list[Clip]:
        readings = [self.readings(script) for script, _, _ in requests]
        engines = [self._engine_for(texts) for texts in readings]
        ready = self._prepared({(engine.name, text): engine for engine, texts in zip(engines, readings)
                                for text in texts})
        clips = []
        for (script, mp3, chime), engine, texts in zip(requests, engines, readings):
            between = self._silence(PAUSE_BETWEEN_SECTIONS)
            pieces = [piece for text in texts for piece in (ready[engine.name, text], between)][:-1]
            if chime:
                opening = [self._chime(), self._silence(PAUSE_AFTER_CHIME)]
                pieces = [*opening, *pieces, *reversed(opening)]
            clips.append((pieces, mp3))
        from outreach.sound import audio
        with stage("audio"):
            measured = audio.assemble(clips)
        return [Clip(mp3, script.title, engine.name, engine.voice, engine.draft, "\n\n".join(texts),
                     m.seconds, m.lufs, m.true_peak)
                for (script, mp3, _), engine, texts, m in zip(requests, engines, readings, measured)]

    def _engine_for(self, readings: list[str]) -> Engine:
        """The best engine that has every section cached (a clip made online is reused offline),
        else the best engine usable here."""
        for engine in self.candidates:
            if all(self._cache_path(engine, text).is_file() for text in readings):
                return engine
        reasons = []
        for engine in self.candidates:
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
                with stage("speech"):
                    self._spoken(engine, text, raw)
            if not ready[engine.name, text].is_file():
                missing.append((raw, ready[engine.name, text], self.speed / engine.speed))
            _used(raw, ready[engine.name, text])
        if missing:
            with self._writing(missing[0][1]):
                staged = [(raw, staging(target), stretch) for raw, target, stretch in missing]
            try:
                with stage("audio"):
                    audio.prepare_speech(staged)
                for (_, tmp, _), (_, target, _) in zip(staged, missing):
                    with self._writing(target):
                        tmp.replace(target)
            finally:
                for _, tmp, _ in staged:
                    tmp.unlink(missing_ok=True)
        return ready

    def _spoken(self, engine: Engine, text: str, raw: Path) -> None:
        """The engine's speech of `text` into the cache at `raw`. What the engine got wrong is an
        _EngineFailed; what the cache got wrong (unwritable, its temp file removed) a CacheError."""
        with self._writing(raw):
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
    """(last use, bytes, files) of each entry: a WAV and the MP3 frames encoded from it, which
    share its last use (the MP3 is not touched, its mtime keys a cache of its measurement)."""
    entries = []
    for wav in cache_dir.rglob("*.wav"):
        if wav.name.startswith("."):
            continue  # a temp file of a build in progress
        files = [wav] + [mp3 for mp3 in (wav.with_suffix(".mp3"),) if mp3.is_file()]
        try:
            entries.append((wav.stat().st_mtime, sum(f.stat().st_size for f in files), files))
        except OSError:
            continue
    return entries


def speaker_for(project_root: Path, cache_dir: Path, settings, dialect: str, lexicon: Mapping[str, str],
                engine_name: str, probed: Mapping[str, str | None] | None = None) -> Speaker:
    """The Speaker for a build: `auto` tries gTTS, then piper if configured, then espeak-ng."""
    model = settings.piper_model_path(project_root)
    names = engines.PREFERENCE if engine_name == "auto" else (engine_name,)
    candidates = [engines.make_engine(name, dialect, model, settings.gtts_tld, settings.speed) for name in names]
    if engine_name == "auto":
        candidates = [e for e in candidates if not (e.name == "piper" and model is None)]
    return Speaker(candidates, cache_dir, dialect, lexicon, settings.speed, probed)
