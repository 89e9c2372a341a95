"""Piper: an offline neural voice from a local .onnx model the commune downloads once."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from outreach.fields import described
from outreach.sound.engines import EngineSpec, Voicing


@dataclass
class PiperEngine:
    """Piper: offline neural voice from a local .onnx model the commune downloads once."""

    model: Path | None
    speed: float = 1.0
    name: str = "piper"
    draft: bool = False

    @property
    def voice(self) -> str:
        return self.model.stem if self.model else ""

    def unusable_reason(self) -> str | None:
        if self.model is None:
            return "chưa khai báo giọng đọc piper (audio.piper.model trong content/commune.yaml)"
        if not self.model.is_file():
            return f"không tìm thấy tệp giọng đọc {self.model}"
        try:
            import piper  # noqa: F401  (optional extra: pip install 'outreach[piper]')
        except ImportError:
            return "chưa cài piper-tts (pip install 'outreach[piper]')"
        return None

    def cache_tag(self) -> str:
        stat = self.model.stat() if self.model and self.model.is_file() else None
        return f"{self.model} {stat.st_size if stat else 0} {stat.st_mtime_ns if stat else 0} speed {self.speed:.2f}"

    def synthesize(self, text: str, wav: Path) -> None:
        from piper import SynthesisConfig
        assert self.model is not None, "unusable_reason() says so first"
        voice = _piper_voice(self.model)
        pace = SynthesisConfig(length_scale=voice.config.length_scale / self.speed)  # longer phonemes: slower
        with wave.open(str(wav), "wb") as out:
            voice.synthesize_wav(text, out, syn_config=pace)


_piper_voices: dict[Path, object] = {}


def _piper_voice(model: Path):
    """Loaded once per process: loading a voice takes longer than speaking a sentence."""
    if model not in _piper_voices:
        from piper import PiperVoice
        _piper_voices[model] = PiperVoice.load(str(model))
    return _piper_voices[model]


class Settings(BaseModel):
    """audio.piper in commune.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = described("Tệp giọng piper", "Tệp giọng piper đã tải về; đường dẫn tính từ thư mục dự án, "
                                  "ví dụ voices/vi_VN-vais1000-medium.onnx.", prose=False,
                                  placeholder="voices/vi_VN-vais1000-medium.onnx", default=None)


def make(settings: Settings, voicing: Voicing) -> PiperEngine:
    """A relative voice file is relative to the project folder."""
    return PiperEngine(voicing.root / settings.model if settings.model else None, voicing.speed)


# `auto` tries piper only when a voice is configured.
ENGINE = EngineSpec("piper", "giọng piper tải về (không cần mạng)", Settings, make, rank=30,
                    configured=lambda engine: isinstance(engine, PiperEngine) and engine.model is not None,
                    legacy={"piper_model": "model"})
