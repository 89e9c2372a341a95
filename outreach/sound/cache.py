"""The speech cache (build/.cache/speech/): what an engine said of each text, prepared at each
speed, and the chimes and pauses between; every file written atomically and pruned by last use.
A failure of the cache itself is a CacheError (no other engine will help); a failure of the engine
an EngineFailed (the next candidate may do better).

outreach.sound.audio is imported where sound is made, not at the top: it loads numpy, LAME and
libmpg123, which planning a build (a no-op build above all) does not need.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

from outreach.atomic import atomically, atomically_all, staging
from outreach.errors import SpeechError, why
from outreach.sound.engines import Engine
from outreach.timing import Timings

# The cache keeps every section ever spoken; past this size the least recently used go after a build,
# and an entry no build used for this long goes even below it.
SPEECH_CACHE_MAX_BYTES = 2 * 1024 ** 3
SPEECH_CACHE_MAX_AGE = 90 * 24 * 3600  # seconds
HEARD = ".heard.json"    # beside a cleaned take in the cache: what the recogniser heard in it


class CacheError(SpeechError):
    """The speech cache could not be written: the engine is not to blame, no other engine will help."""


class EngineFailed(SpeechError):
    """The engine chosen for a section could not speak it (it answered garbage, or stopped answering)."""

    def __init__(self, engine: str, reason: str):
        super().__init__(reason)
        self.engine = engine
        self.reason = reason

    def __reduce__(self):  # custom arguments: say how to rebuild it when a worker process sends it back
        return type(self), (self.engine, self.reason)


class SpeechCache:
    """One project's speech cache."""

    def __init__(self, folder: Path, timings: Timings):
        self.folder = folder
        self.timings = timings

    def raw_speech(self, engine: Engine, text: str) -> Path:
        """Where the engine's raw speech for `text` is kept; the key covers all that shapes it."""
        key = json.dumps([text, engine.name, engine.cache_tag()], ensure_ascii=False)
        return self.folder / engine.name / f"{hashlib.sha256(key.encode()).hexdigest()}.wav"

    def holds_all(self, engine: Engine, readings: list[str]) -> bool:
        return all(self.raw_speech(engine, text).is_file() for text in readings)

    def prepared_speech(self, needed: dict[tuple[str, str], Engine], speed: float) -> dict[tuple[str, str], Path]:
        """(engine name, text) → the section spoken and prepared at `speed`; what is missing is
        spoken one section at a time, then prepared all together in one batch."""
        from outreach.sound import audio
        ready, missing = {}, []
        for (_, text), engine in needed.items():
            raw = self.raw_speech(engine, text)
            ready[engine.name, text] = raw.with_name(f"{raw.stem}-{speed:.2f}-{audio.CHAIN_VERSION}.ready.wav")
            if not raw.is_file():
                with self.timings.stage("speech"):
                    self.speak_into_cache(engine, text, raw)
            if not ready[engine.name, text].is_file():
                missing.append((raw, ready[engine.name, text], speed / engine.speed))
            mark_used(raw, ready[engine.name, text])
        if missing:
            def prepare(staged: list[Path]) -> None:
                with self.timings.stage("audio"):
                    audio.prepare_speech([(raw, tmp, stretch) for (raw, _, stretch), tmp in zip(missing, staged)])

            with self.writing(missing[0][1]):
                atomically_all([target for _, target, _ in missing], prepare)
        return ready

    def speak_into_cache(self, engine: Engine, text: str, raw: Path) -> None:
        """The engine's speech of `text` into the cache at `raw`. What the engine got wrong is an
        EngineFailed; what the cache got wrong (unwritable, its temp file removed) a CacheError."""
        with self.writing(raw):
            raw.parent.mkdir(parents=True, exist_ok=True)
            staged = staging(raw)
            staged.touch()  # proves the folder is writable before an engine can be blamed for it
        try:
            try:
                engine.synthesize(text, staged)
            except (SpeechError, OSError, subprocess.SubprocessError) as exc:
                if not staged.exists():
                    raise CacheError(self.removed(staged)) from None
                reason = str(exc) if isinstance(exc, SpeechError) else f"{engine.name}: {exc}"
                raise EngineFailed(engine.name, reason) from None
            with self.writing(raw):
                os.chmod(staged, 0o644)
                staged.replace(raw)
        finally:
            with contextlib.suppress(OSError):
                staged.unlink(missing_ok=True)

    def chime(self) -> Path:
        from outreach.sound import audio
        chime = self.folder / f"chime-{audio.CHAIN_VERSION}.wav"
        if not chime.is_file():
            with self.writing(chime):
                atomically(chime, audio.write_chime)
        mark_used(chime)
        return chime

    def silence(self, seconds: float) -> Path:
        from outreach.sound import audio
        pause = self.folder / f"pause-{seconds:.2f}-{audio.CHAIN_VERSION}.wav"
        if not pause.is_file():
            with self.writing(pause):
                atomically(pause, lambda staged: audio.write_silence(staged, seconds))
        mark_used(pause)
        return pause

    @contextlib.contextmanager
    def writing(self, path: Path):
        """OSError while writing `path` into the cache becomes a CacheError naming the file and why."""
        try:
            yield
        except FileNotFoundError:
            raise CacheError(self.removed(path)) from None
        except OSError as exc:
            raise CacheError(f"không ghi được {self.shown(path)} vào bộ nhớ đệm giọng đọc: {why(exc)}") from None

    def removed(self, path: Path) -> str:
        return (f"tệp tạm {self.shown(path)} bị xóa trong khi đang ghi (có lẽ một lần tạo khác đang chạy "
                "cùng lúc trong dự án này); hãy chạy lại")

    def shown(self, path: Path) -> str:
        """`build/.cache/speech/…` as officers see it (the cache lives in build/ of the project)."""
        try:
            return str(path.relative_to(self.folder.parent.parent.parent))
        except ValueError:
            return str(path)


def mark_used(*paths: Path) -> None:
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
