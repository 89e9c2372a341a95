"""Which engine speaks a build: the candidates in order (`auto`: the installed engines the commune
has set up, by rank; a name: that engine alone), each probed once and remembered."""

from __future__ import annotations

from collections.abc import Mapping

from outreach.errors import SpeechError
from outreach.sound.cache import SpeechCache
from outreach.sound.engines import Engine, Voicing, configured, make_engine, preference


class EngineChoice:
    """The engines a build may speak with, best first, and why each one probed cannot speak."""

    def __init__(self, candidates: list[Engine], probed: Mapping[str, str | None] | None = None):
        self.candidates = candidates
        self.probed: dict[str, str | None] = dict(probed or {})  # engine → why unusable (None: usable)

    @classmethod
    def for_build(cls, engine_name: str, voicing: Voicing,
                  probed: Mapping[str, str | None] | None = None) -> EngineChoice:
        """`auto` tries the engines in order of preference (piper only when a voice is configured,
        Viettel only when its key is set), any other name that engine alone."""
        names = preference() if engine_name == "auto" else (engine_name,)
        candidates = [make_engine(name, voicing) for name in names]
        if engine_name == "auto":
            candidates = [e for e in candidates if configured(e)]
        return cls(candidates, probed)

    def engine_for(self, readings: list[str], cache: SpeechCache) -> Engine:
        """The best engine that either has every section cached (a clip made online is reused
        offline) or can speak here now (a draft is remade once a better voice answers again)."""
        reasons = []
        for engine in self.candidates:
            if cache.holds_all(engine, readings):
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

    def failed(self, engine: str, reason: str) -> None:
        """An engine that failed midway (throttled after a good start): the next one speaks instead."""
        self.probed[engine] = reason
