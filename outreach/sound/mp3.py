"""The MP3 streams outreach writes (MPEG-1 layer III, no tags): count their frames, decode them.

Decoding is done in this process: starting ffmpeg for it cost more than the decoding itself, and every
piece of every clip is decoded to be measured. It goes through the system's libmpg123 (Debian's
libmpg123-0, already a dependency of ffmpeg) when there is one, four times as fast as miniaudio's
dr_mp3, which decodes it elsewhere (the same samples, within one step).
"""

from __future__ import annotations

import ctypes
from functools import cache

import numpy as np

from outreach import programs
from outreach.errors import OutreachError

SAMPLES_PER_FRAME = 1152  # MPEG-1 layer III
_KBITS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_RATES = (44100, 48000, 32000)
_SIDE_INFO_MONO = 17  # where an Info/Xing tag starts in a mono frame, after the 4-byte header

# libmpg123's constants (mpg123.h)
_OK, _NEED_MORE, _NEW_FORMAT = 0, -10, -11
_FLAGS, _QUIET = 1, 0x20
_MONO, _SIGNED_16 = 1, 0xD0


class Mp3Error(OutreachError):
    """Not a stream as outreach writes them, or libmpg123 missing; the message is for the officer."""


def frame_count(stream: bytes) -> int:
    """How many audio frames an MPEG-1 layer III stream holds, from the frame headers; an ID3v2 tag
    and an Info/Xing frame in front (tags.py writes both) are not counted."""
    position = audio_start(stream)
    count = 0
    while position + 4 <= len(stream):
        position += frame_size(stream[position:position + 4], position)
        count += 1
    return count


def frame_size(header: bytes, position: int = 0) -> int:
    """Bytes of the frame that starts with `header` (4 bytes)."""
    sync, flags = header[:2], header[2]
    if sync not in (b"\xff\xfa", b"\xff\xfb") or not 0 < flags >> 4 < 15 or (flags >> 2) & 3 == 3:
        raise Mp3Error(f"không phải khung MP3 tại byte {position}")
    return 144_000 * _KBITS[flags >> 4] // _RATES[(flags >> 2) & 3] + ((flags >> 1) & 1)


def audio_start(stream: bytes) -> int:
    """Where the first audio frame starts: after an ID3v2 tag and an Info/Xing frame, if any."""
    position = 0
    if stream[:3] == b"ID3" and len(stream) >= 10:
        size = stream[6:10]
        position = 10 + (size[0] << 21 | size[1] << 14 | size[2] << 7 | size[3])
    info = position + 4 + _SIDE_INFO_MONO
    if stream[info:info + 4] in (b"Info", b"Xing"):
        position += frame_size(stream[position:position + 4], position)
    return position


def decode(stream: bytes, rate: int) -> np.ndarray:
    """The mono 16-bit samples of `stream` (at `rate`, the stream's own): one frame's worth per frame."""
    expected = frame_count(stream) * SAMPLES_PER_FRAME
    lib = _libmpg123()
    if lib is None:
        return _decoded_by_miniaudio(stream, rate, expected)
    handle = lib.mpg123_new(None, None)
    if not handle:
        raise Mp3Error("libmpg123 không khởi tạo được bộ giải mã")
    try:
        lib.mpg123_param(handle, _FLAGS, _QUIET, 0.0)
        lib.mpg123_format_none(handle)
        lib.mpg123_format(handle, rate, _MONO, _SIGNED_16)
        lib.mpg123_open_feed(handle)
        lib.mpg123_feed(handle, stream, len(stream))
        samples = np.empty(expected + SAMPLES_PER_FRAME, dtype=np.int16)  # room to notice a surplus
        filled, done = 0, ctypes.c_size_t()
        result = _NEW_FORMAT
        while result in (_OK, _NEW_FORMAT) and filled < len(samples):
            result = lib.mpg123_read(handle, samples.ctypes.data + 2 * filled, 2 * (len(samples) - filled),
                                     ctypes.byref(done))
            filled += done.value // 2
    finally:
        lib.mpg123_delete(handle)
    if result not in (_OK, _NEED_MORE, _NEW_FORMAT) or filled != expected:
        raise Mp3Error(f"giải mã được {filled} mẫu, cần {expected}")
    return samples[:filled]


def _decoded_by_miniaudio(stream: bytes, rate: int, expected: int) -> np.ndarray:
    import miniaudio
    try:
        decoded = miniaudio.decode(stream, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                                   sample_rate=rate)
    except miniaudio.DecodeError as exc:
        raise Mp3Error(f"không giải mã được MP3: {exc}") from None
    samples = np.frombuffer(decoded.samples, dtype=np.int16)
    if len(samples) != expected:
        raise Mp3Error(f"giải mã được {len(samples)} mẫu, cần {expected}")
    return samples


@cache
def _libmpg123() -> ctypes.CDLL | None:
    lib = programs.libmpg123()
    if lib is None:
        return None
    handle, size, pointer = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p
    lib.mpg123_init()
    lib.mpg123_new.restype = handle
    lib.mpg123_new.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
    lib.mpg123_param.argtypes = [handle, ctypes.c_int, ctypes.c_long, ctypes.c_double]
    lib.mpg123_format_none.argtypes = [handle]
    lib.mpg123_format.argtypes = [handle, ctypes.c_long, ctypes.c_int, ctypes.c_int]
    lib.mpg123_open_feed.argtypes = [handle]
    lib.mpg123_feed.argtypes = [handle, ctypes.c_char_p, size]
    lib.mpg123_read.argtypes = [handle, pointer, size, ctypes.POINTER(size)]
    lib.mpg123_delete.argtypes = [handle]
    return lib
