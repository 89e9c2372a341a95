"""Tags on every MP3 outreach writes: ID3v2 (title, the commune, the campaign) so a file forwarded on
Zalo still says what it is, and an Info header so players know its exact length.

The clips are LAME frames joined one after another (see audio.py), which carry neither.
"""

from __future__ import annotations

import io
import struct

from mutagen.id3 import ID3, TALB, TCON, TIT2, TLAN, TPE1

from outreach.sound import mp3

DEFAULT_ALBUM = "Hướng dẫn dịch vụ công trực tuyến"
_INFO_FLAGS = 0x0F    # frames, bytes, table of contents and quality fields present


def tagged(stream: bytes, title: str, artist: str, album: str = DEFAULT_ALBUM) -> bytes:
    """`stream` (frames as audio.py writes them) with an ID3v2.3 tag and an Info frame in front."""
    return _id3(title, artist, album) + info_frame(stream) + stream


def _id3(title: str, artist: str, album: str) -> bytes:
    tags = ID3()
    tags.add(TIT2(encoding=1, text=title))   # UTF-16: v2.3 players show Vietnamese correctly
    tags.add(TPE1(encoding=1, text=artist))
    tags.add(TALB(encoding=1, text=album))
    tags.add(TCON(encoding=1, text="Speech"))
    tags.add(TLAN(encoding=1, text="vie"))
    buffer = io.BytesIO()
    tags.save(buffer, v2_version=3, padding=lambda info: 0)
    return buffer.getvalue()


def info_frame(stream: bytes) -> bytes:
    """A silent frame of the stream's own format holding the Info tag: the number of audio frames and
    bytes, and a table of contents for seeking (the bitrate is constant, so it is a straight line)."""
    header = bytearray(stream[:4])
    header[2] &= ~0x02  # no padding byte: the frame is exactly the size its bitrate gives
    frames = mp3.frame_count(stream)
    size = mp3.frame_size(bytes(header))
    toc = bytes(i * 256 // 100 for i in range(100))
    tag = b"Info" + struct.pack(">III", _INFO_FLAGS, frames, size + len(stream)) + toc + struct.pack(">I", 0)
    frame = bytes(header) + bytes(mp3._SIDE_INFO_MONO) + tag
    return frame + bytes(size - len(frame))
