"""Speech engines behind one interface: text (already read aloud) → a WAV file.

Each engine is one module that registers an EngineSpec in the entry-point group `outreach.engines`,
the built-in ones (viettel, gtts, piper, espeak-ng) in outreach's own pyproject.toml exactly as a
province's package registers its own (README, "A speech engine of your own"). `auto` tries them in
order of rank, once per build. Importing this package loads no engine's libraries.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from outreach.errors import SpeechError
from outreach.model import ENGINE_GROUP, AudioSettings

AUTO = "auto"
AUTO_LABEL = "tự chọn giọng tốt nhất đang dùng được"


class Engine(Protocol):
    name: str
    draft: bool  # robotic output: flagged everywhere it is listed

    @property
    def voice(self) -> str:
        """The voice it speaks with, as listings and sidecars name it."""
        ...

    # The pace it speaks at, 1.0 being its own: an engine that can slow itself down for the elderly
    # sounds better than one stretched afterwards (and that stretch costs time); the rest is stretched.
    speed: float

    def unusable_reason(self) -> str | None:
        """None when the engine can speak here, else why not (Vietnamese)."""

    def cache_tag(self) -> str:
        """Everything besides the text that changes the sound: part of the audio cache key."""

    def synthesize(self, text: str, wav: Path) -> None:
        """Speak `text` into the WAV file `wav`."""


@dataclass(frozen=True)
class Voicing:
    """What the commune says to every engine: its dialect, the pace to speak at, the project folder
    (a relative file in an engine's settings is under it), and each engine's own settings as written
    under `audio.<engine>` in commune.yaml."""

    dialect: str = "north"
    speed: float = 1.0
    root: Path = Path(".")
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def _always(engine: Engine) -> bool:
    return True


@dataclass(frozen=True)
class EngineSpec:
    """What an engine registers: its name (the entry point's), what the officer reads for it, the
    model of its settings (`audio.<name>` in commune.yaml), how to make it, whether the commune has
    set it up (`auto` skips it otherwise), its place in `auto`'s order (lower first), and the flat
    `audio.<key>` names earlier versions used for its settings."""

    name: str
    label: str
    settings: type[BaseModel]
    make: Callable[[Any, Voicing], Engine]
    rank: int = 50
    configured: Callable[[Engine], bool] = _always
    legacy: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Installed:
    """The engines found, best first, the package each comes from, and why each broken registration
    was left out."""

    engines: dict[str, EngineSpec]
    broken: dict[str, str]
    packages: dict[str, str] = field(default_factory=dict)


@functools.cache
def installed() -> Installed:
    """Every engine registered in `outreach.engines`; one that cannot be loaded is left out, named."""
    found: list[EngineSpec] = []
    broken: dict[str, str] = {}
    packages: dict[str, str] = {}
    for point in entry_points(group=ENGINE_GROUP):
        packages.setdefault(point.name, point.dist.name if point.dist else "?")
        try:
            spec = point.load()
        except Exception as exc:  # a province's broken package must not stop the built-in engines
            broken[point.name] = f"không nạp được {point.value}: {exc}"
            continue
        if not isinstance(spec, EngineSpec) or spec.name != point.name:
            broken[point.name] = f"{point.value} không phải EngineSpec tên '{point.name}'"
        elif spec.name not in {s.name for s in found}:
            found.append(spec)
    return Installed({s.name: s for s in sorted(found, key=lambda s: (s.rank, s.name))}, broken, packages)


def preference() -> tuple[str, ...]:
    """The installed engines' names, in the order `auto` tries them."""
    return tuple(installed().engines)


def engine_choices() -> tuple[str, ...]:
    return (AUTO, *preference())


def engine_labels() -> dict[str, str]:
    """Every choice of engine → what the officer reads for it (the engines by what they are)."""
    return {AUTO: AUTO_LABEL, **{name: spec.label for name, spec in installed().engines.items()}}


def spec_of(name: str) -> EngineSpec:
    try:
        return installed().engines[name]
    except KeyError:
        if not installed().engines:  # run from a checkout whose package was never installed: no entry points
            raise SpeechError("không tìm thấy công cụ đọc nào; hãy cài lại outreach (make install)") from None
        raise SpeechError(f"không có công cụ đọc '{name}'; hãy chọn: {', '.join(engine_choices())}") from None


def make_engine(name: str, voicing: Voicing) -> Engine:
    """The engine `name` with its settings from `voicing`, speaking at `voicing.speed` where it can."""
    spec = spec_of(name)
    return spec.make(spec.settings.model_validate(voicing.sections.get(name) or {}), voicing)


def all_engines(voicing: Voicing) -> list[Engine]:
    return [make_engine(name, voicing) for name in preference()]


def configured(engine: Engine) -> bool:
    """False for an engine the commune has not set up: `auto` does not even try it."""
    return spec_of(engine.name).configured(engine)


def voicing_for(audio: AudioSettings, root: Path, dialect: str) -> Voicing:
    """What a commune's audio settings say to every engine."""
    return Voicing(dialect, audio.speed, root, engine_sections(audio))


def engine_sections(audio: AudioSettings) -> dict[str, dict[str, Any]]:
    """Each engine's settings as written: `audio.<engine>`, with the flat keys of earlier versions
    (`audio.viettel_voice` …) moved into their engine's section."""
    sections = {name: dict(value) for name, value in (audio.model_extra or {}).items() if isinstance(value, Mapping)}
    for spec in installed().engines.values():
        for old, new in spec.legacy.items():
            if old in (audio.model_extra or {}):
                sections.setdefault(spec.name, {}).setdefault(new, audio.model_extra[old])  # type: ignore[index]
    return sections


def settings_problems(audio: AudioSettings) -> list[tuple[tuple, Any, type[BaseModel] | None]]:
    """(key path under audio, the pydantic error, the settings model) for each engine setting that
    is not valid, as written (`viettel.voice`, or the flat `viettel_voice`); (key path, None, None)
    for each key that names no installed engine (nor a flat key of an earlier version)."""
    engines = installed().engines
    extra = audio.model_extra or {}
    legacy = {old: spec.name for spec in engines.values() for old in spec.legacy}
    found: list[tuple[tuple, Any, type[BaseModel] | None]] = [((key,), None, None) for key in extra
                                                              if key not in engines and key not in legacy]
    for name, section in engine_sections(audio).items():
        spec = engines.get(name)
        if spec is None:
            continue
        try:
            spec.settings.model_validate(section)
        except ValidationError as exc:
            found += [(_as_written(spec, extra, err["loc"]), err, spec.settings)
                      for err in exc.errors(include_url=False)]
    return found


def _as_written(spec: EngineSpec, extra: Mapping[str, Any], loc: tuple) -> tuple:
    """The key path of a setting where the file has it: `viettel.voice`, or the flat `viettel_voice`."""
    written = extra.get(spec.name)
    if loc and not (isinstance(written, Mapping) and loc[0] in written):
        old = next((old for old, new in spec.legacy.items() if new == loc[0] and old in extra), None)
        if old is not None:
            return (old, *loc[1:])
    return (spec.name, *loc)


def listing(voicing: Voicing, chosen: str) -> list[str]:
    """`outreach engines`: each installed engine, whether it can speak here and why not, the
    registrations that failed, and the commune's choice with `auto`'s order."""
    lines = []
    for engine in all_engines(voicing):
        reason = engine.unusable_reason()
        state = "dùng được" if reason is None else f"không dùng được: {reason}"
        draft = " (giọng máy, chỉ tạo bản nháp)" if engine.draft else ""
        lines.append(f"{engine.name:<10} {state}{draft} — {spec_of(engine.name).label}{_origin(engine.name)}")
    lines += [f"{name:<10} không dùng được: {why}" for name, why in installed().broken.items()]
    order = ", rồi ".join(preference())
    return lines + [f"Đang chọn: {chosen} (auto thử lần lượt {order}; giọng xã chưa thiết lập thì bỏ qua)"]


def _origin(name: str) -> str:
    package = installed().packages.get(name, "outreach")
    return "" if package == "outreach" else f" (gói {package})"


def with_engine_settings(schema: dict) -> dict:
    """The commune's JSON schema with each installed engine's settings as a group under `audio`, so
    the studio's form shows them (labelled by the engine) as it shows every declared field."""
    defs = schema.setdefault("$defs", {})
    audio = defs["AudioSettings"].setdefault("properties", {})
    for spec in installed().engines.values():
        if spec.settings.model_fields:
            own = spec.settings.model_json_schema(ref_template="#/$defs/{model}")
            defs.update(own.pop("$defs", {}))
            defs[f"engine:{spec.name}"] = own
            audio[spec.name] = {"$ref": f"#/$defs/engine:{spec.name}",
                                "about": {"label": f"Thiết lập {spec.label}", "prose": False}}
    return schema
