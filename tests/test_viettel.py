"""Viettel AI's voice, really used: every request goes to the loopback stand-in (tests/viettel_stub.py),
which speaks Viettel's documented protocol; the real endpoint cannot be reached from here."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from conftest import duration_seconds, run, starter, write_guide
from outreach.errors import SpeechError
from outreach.sound.engines import Voicing, make_engine
from outreach.sound.engines.viettel import ViettelEngine
from outreach.sound.speech import Speaker
from viettel_stub import TOKEN, Behaviour, StubServer

SENTENCE = ("Kính thưa bà con, Ủy ban nhân dân xã xin thông báo: từ nay bà con có thể đăng ký khai sinh "
            "cho con ngay tại nhà, không cần xếp hàng.")


@pytest.fixture
def stub(monkeypatch):
    """Start the stand-in with a behaviour, point the engine at it and give it the stand-in's key."""
    servers = []

    def start(mode: str, **kwargs) -> Behaviour:
        behaviour = Behaviour(mode, **kwargs)
        server = StubServer(behaviour).__enter__()
        servers.append(server)
        monkeypatch.setenv("OUTREACH_VIETTEL_URL", server.url)
        monkeypatch.setenv("VIETTEL_TTS_TOKEN", TOKEN)
        return behaviour

    yield start
    for server in servers:
        server.__exit__()


def fast_viettel(speed: float = 1.0) -> ViettelEngine:
    return ViettelEngine(speed=speed, backoff=0.01, deadline=1.0)


def test_speaks_through_the_documented_protocol(stub, tmp_path):
    behaviour = stub("ok")
    wav = tmp_path / "v.wav"
    fast_viettel().synthesize(SENTENCE, wav)
    assert duration_seconds(wav) > 4
    assert behaviour.tokens == [TOKEN]
    body = behaviour.requests[0]
    assert body["text"] == SENTENCE and body["voice"] == "hn-quynhanh"
    assert body["speed"] == 1.0 and body["tts_return_option"] == 3


def test_speaks_at_the_communes_speed_itself(stub, tmp_path):
    behaviour = stub("ok")
    lengths = {}
    for speed in (0.8, 1.2):
        engine = make_engine("viettel", Voicing("south", speed))
        assert engine.speed == speed  # nothing is stretched afterwards
        engine.synthesize(SENTENCE, tmp_path / f"{speed}.wav")
        lengths[speed] = duration_seconds(tmp_path / f"{speed}.wav")
    assert [body["speed"] for body in behaviour.requests] == [0.8, 1.2]
    assert {body["voice"] for body in behaviour.requests} == {"hcm-minhquan"}  # the southern voice
    assert lengths[0.8] > 1.2 * lengths[1.2]


def test_backs_off_after_throttling(stub, tmp_path):
    behaviour = stub("throttle", throttled=2)
    fast_viettel().synthesize("Xin chào bà con.", tmp_path / "v.wav")
    assert len(behaviour.requests) == 3
    assert duration_seconds(tmp_path / "v.wav") > 0.5


def test_server_errors_are_retried_then_explained(stub, tmp_path):
    behaviour = stub("error")
    wav = tmp_path / "v.wav"
    with pytest.raises(SpeechError, match="Viettel AI: máy chủ trả lời lỗi 500"):
        fast_viettel().synthesize("Xin chào bà con.", wav)
    assert len(behaviour.requests) == 4 and not wav.exists()


def test_a_refused_key_is_explained_at_once_without_the_key(stub, tmp_path):
    behaviour = stub("refused")
    with pytest.raises(SpeechError) as refused:
        fast_viettel().synthesize("Xin chào bà con.", tmp_path / "v.wav")
    message = str(refused.value)
    assert "từ chối khóa (lỗi 401)" in message and "VIETTEL_TTS_TOKEN" in message
    assert TOKEN not in message
    assert len(behaviour.requests) == 1  # asking again with the same key will not help


def test_a_missing_key_is_explained_before_any_request(stub, monkeypatch):
    behaviour = stub("ok")
    monkeypatch.delenv("VIETTEL_TTS_TOKEN")
    reason = fast_viettel().unusable_reason()
    assert "chưa có khóa" in reason and "VIETTEL_TTS_TOKEN" in reason
    assert behaviour.requests == []


def test_a_dripping_answer_is_cut_at_the_deadline(stub, tmp_path):
    """Each read gets bytes in time; only the deadline on the whole request stops the wait."""
    behaviour = stub("slow-drip")
    started = time.monotonic()
    with pytest.raises(SpeechError, match="không trả lời xong trong 0.5 giây"):
        ViettelEngine(backoff=0.01, deadline=0.5).synthesize(SENTENCE, tmp_path / "v.wav")
    assert time.monotonic() - started < 4  # four tries of half a second, not the minutes the drip takes
    assert len(behaviour.requests) == 4


def test_the_cache_key_never_holds_the_key(stub):
    stub("ok")
    tags = {ViettelEngine().cache_tag()}
    assert TOKEN not in next(iter(tags)) and "hn-quynhanh" in next(iter(tags))
    assert TOKEN not in repr(ViettelEngine())


def test_auto_prefers_viettel_with_a_key_and_skips_it_without(tmp_path, monkeypatch):
    settings = Voicing("north")
    monkeypatch.delenv("VIETTEL_TTS_TOKEN", raising=False)
    without = Speaker.for_build("auto", settings, tmp_path, {})
    assert "viettel" not in [engine.name for engine in without.candidates]
    monkeypatch.setenv("VIETTEL_TTS_TOKEN", TOKEN)
    with_key = Speaker.for_build("auto", settings, tmp_path, {})
    assert with_key.candidates[0].name == "viettel"


def files_holding(folder: Path, secret: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_build_with_viettel_is_not_a_draft_and_keeps_the_key_out(stub, project):
    behaviour = stub("ok")
    write_guide(project, "thu-tuc", starter(project))
    result = run(project, "build", "--engine", "viettel")
    assert result.exit_code == 0, result.output
    folder = project / "build" / "thu-tuc"
    sidecar = json.loads((folder / "broadcast.json").read_text(encoding="utf-8"))
    assert sidecar["engine"] == "viettel" and sidecar["draft"] is False
    assert sidecar["voice"] == "hcm-minhquan"  # the sample commune is in the South
    assert not any(entry["draft"] for entry in json.loads((folder / "meeting" / "index.json").read_text("utf-8")))
    assert "0 tệp âm thanh nháp" in result.output and "bản nháp" not in result.output
    assert behaviour.requests and set(behaviour.tokens) == {TOKEN}
    assert files_holding(project / "build", TOKEN) == [] and TOKEN not in result.output


def test_build_with_a_refused_key_says_so(stub, project):
    stub("refused")
    write_guide(project, "thu-tuc", starter(project))
    result = run(project, "build", "--engine", "viettel")
    assert result.exit_code == 1
    assert "Viettel AI từ chối khóa" in result.output and TOKEN not in result.output


@pytest.mark.parametrize("settings", [
    "\naudio:\n  viettel:\n    voice: hue-maingoc\n    token_env: XA_AN_VIEN_VIETTEL\n",
    "\naudio:\n  viettel_voice: hue-maingoc\n  viettel_token_env: XA_AN_VIEN_VIETTEL\n",  # as written before 0.2
], ids=["engine-section", "flat-keys-of-earlier-versions"])
def test_the_voice_and_the_keys_variable_come_from_commune_yaml(stub, project, monkeypatch, settings):
    behaviour = stub("ok")
    monkeypatch.delenv("VIETTEL_TTS_TOKEN")
    monkeypatch.setenv("XA_AN_VIEN_VIETTEL", TOKEN)
    commune = project / "content" / "commune.yaml"
    commune.write_text(commune.read_text(encoding="utf-8") + settings, encoding="utf-8")
    write_guide(project, "thu-tuc", starter(project))
    result = run(project, "build")  # auto: the key is there, so Viettel speaks
    assert result.exit_code == 0, result.output
    old = "viettel_voice" in settings
    assert ("audio.viettel_voice: cách viết cũ, vẫn dùng được; nên viết 'viettel:'" in result.output) == old
    sidecar = json.loads((project / "build" / "thu-tuc" / "broadcast.json").read_text(encoding="utf-8"))
    assert (sidecar["engine"], sidecar["voice"]) == ("viettel", "hue-maingoc")
    assert {body["voice"] for body in behaviour.requests} == {"hue-maingoc"}


def test_a_key_written_where_its_variable_name_belongs_is_refused(project):
    """audio.viettel_token_env names a variable; a key pasted there would end up in every manifest."""
    commune = project / "content" / "commune.yaml"
    commune.write_text(commune.read_text(encoding="utf-8") + f"\naudio:\n  viettel_token_env: {TOKEN}\n",
                       encoding="utf-8")
    result = run(project, "validate")
    assert result.exit_code == 1
    assert "audio.viettel_token_env: phải là tên một biến môi trường" in result.output
    assert "từ lạ" not in result.output  # a setting, not prose for the spelling check


def test_an_engine_setting_is_judged_by_its_engine_and_named_where_it_is(project):
    commune = project / "content" / "commune.yaml"
    text = commune.read_text(encoding="utf-8") + "\naudio:\n  viettel:\n    voice: Quynh Anh\n  gtss:\n    tld: vn\n"
    commune.write_text(text, encoding="utf-8")
    result = run(project, "validate", "--strict")
    assert result.exit_code == 1
    voice_line = text.splitlines().index("    voice: Quynh Anh") + 1
    assert f"commune.yaml:{voice_line}: audio.viettel.voice: phải là mã giọng đọc của Viettel AI" in result.output
    assert "audio.gtss: khóa không hợp lệ; có phải ý bạn là 'gtts'?" in result.output
    assert "từ lạ" not in result.output
