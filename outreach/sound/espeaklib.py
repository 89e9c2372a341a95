"""espeak-ng through its library (the copy espeakng-loader ships, Vietnamese data included) where the
espeak-ng program is not installed: the same calls the program makes for `espeak-ng -w out.wav --stdin`,
so the sound is the program's."""

from __future__ import annotations

import ctypes
import threading
import wave
from functools import cache
from pathlib import Path

# speak_lib.h
_SYNCHRONOUS = 2            # AUDIO_OUTPUT_SYNCHRONOUS: samples handed to the callback, nothing played
_DONT_EXIT = 0x8000         # espeakINITIALIZE_DONT_EXIT: an error is returned, the process lives on
_RATE, _WORD_GAP = 1, 7     # espeakRATE, espeakWORDGAP
_POS_CHARACTER = 1
# What the program passes for text read from stdin: UTF-8, [[phonemes]] allowed, a pause at the end.
_FLAGS = 0x1 | 0x100 | 0x1000
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_LOCK = threading.Lock()    # the library keeps one voice and one callback for the whole process


class _Library:
    def __init__(self, library: str, data: str):
        self.lib = ctypes.CDLL(library)
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                          ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        self.rate = self.lib.espeak_Initialize(_SYNCHRONOUS, 0, data.encode(), _DONT_EXIT)
        if self.rate <= 0:
            raise OSError(f"espeak-ng không khởi động được với dữ liệu ở {data}")
        self.chunks: list[bytes] = []
        self.callback = _CALLBACK(self._take)  # kept: the library calls it for as long as it lives
        self.lib.espeak_SetSynthCallback(self.callback)

    def _take(self, samples, count: int, events) -> int:
        if count > 0:
            self.chunks.append(ctypes.string_at(samples, count * 2))
        return 0

    def pcm(self, voice: str, words_per_minute: int, word_gap: int, text: str) -> bytes:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise OSError(f"espeak-ng không có giọng {voice}")
        self.lib.espeak_SetParameter(_RATE, words_per_minute, 0)
        self.lib.espeak_SetParameter(_WORD_GAP, word_gap, 0)
        self.chunks = []
        data = text.encode("utf-8")
        self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _FLAGS, None, None)
        self.lib.espeak_Synchronize()
        return b"".join(self.chunks)


@cache
def _loaded(library: str, data: str) -> _Library:
    return _Library(library, data)


def speak(found: tuple[str, str], voice: str, words_per_minute: int, word_gap: int, text: str, wav: Path) -> None:
    """`text` as a mono 16-bit WAV at the library's rate; `found` is (library path, data folder)."""
    with _LOCK:
        lib = _loaded(*found)
        pcm = lib.pcm(voice, words_per_minute, word_gap, text)
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(lib.rate)
        out.writeframes(pcm)
