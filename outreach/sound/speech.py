"""Scripts → loudspeaker-ready MP3s. A Speaker puts together what three parts provide: the engine
that speaks (choice.py: chosen once per build, probed once), the speech cache (cache.py: every
section spoken once, prepared once per speed), and the officer's own takes (ownvoice.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from outreach.atomic import atomically_all
from outreach.script import Script
from outreach.sidecars import RECORDING
from outreach.sound import tags
from outreach.sound.cache import EngineFailed, SpeechCache
from outreach.sound.choice import EngineChoice
from outreach.sound.engines import Engine, Voicing
from outreach.sound.hearing import Transcriber
from outreach.sound.ownvoice import OwnVoice, Voiced
from outreach.sound.reading import read_aloud
from outreach.sound.recordings import Take, Takes
from outreach.timing import Timings

# Pauses (seconds): after the opening chime, between sections, before the closing chime.
PAUSE_AFTER_CHIME = 0.6
PAUSE_BETWEEN_SECTIONS = 0.9
# One clip to make: its script, the MP3 to write, and whether chimes open and close it.
Request = tuple[Script, Path, bool]


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
        self.choice = EngineChoice(candidates, probed)
        self.cache = SpeechCache(cache_dir, timings if timings is not None else Timings())
        self.own_voice = OwnVoice(self.cache, transcriber)
        self.dialect = dialect
        self.lexicon = lexicon
        self.speed = speed

    @classmethod
    def for_build(cls, engine_name: str, voicing: Voicing, cache_dir: Path, lexicon: Mapping[str, str],
                  probed: Mapping[str, str | None] | None = None, timings: Timings | None = None,
                  transcriber: Transcriber | None = None) -> Speaker:
        """The Speaker of a build: its engines as EngineChoice.for_build picks them."""
        choice = EngineChoice.for_build(engine_name, voicing, probed)
        return cls(choice.candidates, cache_dir, voicing.dialect, lexicon, voicing.speed, probed, timings,
                   transcriber)

    @property
    def candidates(self) -> list[Engine]:
        return self.choice.candidates

    @property
    def probed(self) -> dict[str, str | None]:
        return self.choice.probed

    @property
    def timings(self) -> Timings:
        return self.cache.timings

    def unusable_reason(self, engine: Engine) -> str | None:
        return self.choice.unusable_reason(engine)

    def best_usable(self) -> str | None:
        return self.choice.best_usable()

    def judged(self, take: Take, reading: str) -> tuple[Path, str | None]:
        return self.own_voice.judged(take, reading)

    def readings(self, script: Script) -> list[str]:
        """What the voice says for each section of `script`."""
        return [read_aloud(section, self.dialect, self.lexicon) for section in script.sections]

    def make_clip(self, script: Script, mp3: Path, chime: bool, labels: Labels | None = None,
                  takes: Takes | None = None) -> Clip:
        return self.make_clips([(script, mp3, chime)], labels, takes)[0]

    def make_clips(self, requests: list[Request], labels: Labels | None = None, takes: Takes | None = None,
                   guide_scripts: Sequence[Script] = ()) -> list[Clip]:
        """Make each MP3 from its script (with chimes or not), tagged with `labels`; cached sections
        are not spoken again. An engine that fails midway (Google throttling after a good start, a
        garbage answer) is marked unusable and the next candidate speaks instead; with none left,
        SpeechError says why. A take is checked against every section of `guide_scripts` (default:
        the scripts asked for), the sections it could have been meant for."""
        others = self._said(guide_scripts or [script for script, _, _ in requests]) \
            if takes and self.own_voice.transcriber else {}
        voiced = [self.own_voice.voiced_sections(script, self.readings(script), takes, others)
                  for script, _, _ in requests]
        while True:
            try:
                return self._assembled(requests, labels, voiced)
            except EngineFailed as failed:
                self.choice.failed(failed.engine, failed.reason)

    def make_clips_in_place(self, requests: list[Request], labels: Labels, takes: Takes | None = None,
                            guide_scripts: Sequence[Script] = ()) -> list[Clip]:
        """make_clips, each MP3 made beside its target and renamed into place once all are made (a
        failure leaves the old ones)."""
        clips: list[Clip] = []

        def make(staged: list[Path]) -> None:
            clips.extend(self.make_clips([(s, tmp, chime) for (s, _, chime), tmp in zip(requests, staged)], labels,
                                         takes, guide_scripts))

        atomically_all([target for _, target, _ in requests], make)
        return [replace(clip, path=target) for clip, (_, target, _) in zip(clips, requests)]

    def _assembled(self, requests: list[Request], labels: Labels | None, voiced: list[list[Voiced]]) -> list[Clip]:
        """The clips, each section from its take or the engine's cached speech, with pauses and
        chimes, levelled, encoded and tagged together."""
        # The engine is chosen only for what no take voices: a clip wholly recorded needs none.
        engines = [self.choice.engine_for([v.reading for v in parts if v.ready is None], self.cache)
                   if any(v.ready is None for v in parts) else None for parts in voiced]
        ready = self.cache.prepared_speech({(engine.name, v.reading): engine for engine, parts in zip(engines, voiced)
                                            if engine is not None for v in parts if v.ready is None}, self.speed)
        clips = [(self._pieces(parts, engine, ready, chime), mp3)
                 for (_, mp3, chime), engine, parts in zip(requests, engines, voiced)]
        from outreach.sound import audio
        with self.timings.stage("audio"):
            measured = audio.assemble(clips)
            for script, mp3, _ in requests:
                mp3.write_bytes(tags.tagged(mp3.read_bytes(), *(labels or Labels()).for_clip(script.title)))
        return [_clip(mp3, script.title, engine, parts, ready, m)
                for (script, mp3, _), engine, parts, m in zip(requests, engines, voiced, measured)]

    def _pieces(self, parts: list[Voiced], engine: Engine | None, ready: dict[tuple[str, str], Path],
                chime: bool) -> list[Path]:
        """The WAVs of one clip in the order heard: sections with a pause between, chimes around."""
        between = self.cache.silence(PAUSE_BETWEEN_SECTIONS)
        pieces = [piece for v in parts for piece in (_piece(v, engine, ready), between)][:-1]
        if not chime:
            return pieces
        opening = [self.cache.chime(), self.cache.silence(PAUSE_AFTER_CHIME)]
        return [*opening, *pieces, *reversed(opening)]

    def _said(self, scripts: Sequence[Script]) -> dict[str, str]:
        """Section id → what is said in it, each wording once (under the first id that says it)."""
        said: dict[str, str] = {}
        for script in scripts:
            for id_, reading in zip(script.section_ids, self.readings(script)):
                if reading not in said.values():
                    said[id_] = reading
        return said


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
