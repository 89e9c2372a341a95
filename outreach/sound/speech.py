"""Scripts → loudspeaker-ready MP3s: pick one engine per build, cache every spoken section.

outreach.sound.audio is imported where sound is made, not at the top: it loads numpy, LAME and libmpg123,
which planning a build (a no-op build above all) does not need.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from outreach.sound import engines
from outreach.atomic import atomically, staging
from outreach.errors import SpeechError
from outreach.sound.engines import Engine
from outreach.sound.reading import read_aloud
from outreach.script import Script
from outreach.timing import stage

# Pauses (seconds): after the opening chime, between sections, before the closing chime.
PAUSE_AFTER_CHIME = 0.6
PAUSE_BETWEEN_SECTIONS = 0.9


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
        """Make each MP3 from its script (with chimes or not); cached sections are not spoken again."""
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
                    atomically(raw, lambda staged: engine.synthesize(text, staged))
            if not ready[engine.name, text].is_file():
                missing.append((raw, ready[engine.name, text], self.speed / engine.speed))
        if missing:
            staged = [(raw, staging(target), stretch) for raw, target, stretch in missing]
            try:
                with stage("audio"):
                    audio.prepare_speech(staged)
                for (_, tmp, _), (_, target, _) in zip(staged, missing):
                    tmp.replace(target)
            finally:
                for _, tmp, _ in staged:
                    tmp.unlink(missing_ok=True)
        return ready

    def _chime(self) -> Path:
        from outreach.sound import audio
        chime = self.cache_dir / f"chime-{audio.CHAIN_VERSION}.wav"
        if not chime.is_file():
            atomically(chime, audio.write_chime)
        return chime

    def _silence(self, seconds: float) -> Path:
        from outreach.sound import audio
        pause = self.cache_dir / f"pause-{seconds:.2f}-{audio.CHAIN_VERSION}.wav"
        if not pause.is_file():
            atomically(pause, lambda staged: audio.write_silence(staged, seconds))
        return pause

    def _cache_path(self, engine: Engine, text: str) -> Path:
        """Where the engine's raw speech for `text` is kept; the key covers all that shapes it."""
        key = json.dumps([text, engine.name, engine.cache_tag()], ensure_ascii=False)
        return self.cache_dir / engine.name / f"{hashlib.sha256(key.encode()).hexdigest()}.wav"


def speaker_for(project_root: Path, cache_dir: Path, settings, dialect: str, lexicon: Mapping[str, str],
                engine_name: str, probed: Mapping[str, str | None] | None = None) -> Speaker:
    """The Speaker for a build: `auto` tries gTTS, then piper if configured, then espeak-ng."""
    model = settings.piper_model_path(project_root)
    names = engines.PREFERENCE if engine_name == "auto" else (engine_name,)
    candidates = [engines.make_engine(name, dialect, model, settings.gtts_tld, settings.speed) for name in names]
    if engine_name == "auto":
        candidates = [e for e in candidates if not (e.name == "piper" and model is None)]
    return Speaker(candidates, cache_dir, dialect, lexicon, settings.speed, probed)
