"""How much outreach reads of any input, and the one way its files are read: capped on the bytes
actually read, since a FIFO or /dev/zero reports a size of 0 and would otherwise be read forever."""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

from outreach.errors import ContentError, Problem

WHOLE_FILE = "(tệp)"

# A guide, commune.yaml, the lexicon or the schedule is a few pages of text.
MAX_YAML_BYTES = 256 * 1024
# content/words.txt: one word a line; tens of thousands of names fit in 1 MB.
MAX_WORDS_BYTES = 1024 * 1024
# A picture on a handout is printed ~6 cm wide: a phone photo is well under these.
MAX_PICTURE_BYTES = 20 * 1024 * 1024
MAX_SVG_BYTES = 1024 * 1024
# content/results.csv: 72 rows a year for six procedures; a province's decade of all codes still fits.
MAX_RESULTS_BYTES = 2 * 1024 * 1024
# An export of the provincial one-stop system (.xlsx or .csv), and what its ZIP may unpack to.
MAX_EXPORT_BYTES = 20 * 1024 * 1024
MAX_EXPORT_UNPACKED = 200 * 1024 * 1024
# Checked before decoding (a 1 KB PNG can claim 100,000 × 100,000); a 48-megapixel phone photo fits.
MAX_PICTURE_PIXELS = 50_000_000
# Any file WeasyPrint opens for a page (a font, a pictogram, a picture a template links): the
# largest are the pictures above.
MAX_FETCHED_BYTES = MAX_PICTURE_BYTES

_CHUNK = 64 * 1024
# O_NONBLOCK (Unix): a FIFO put in place between the look and the open does not hold the open either.
# O_BINARY (Windows): bytes as they are, no newline translation.
OPEN_FLAGS = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
NOT_REGULAR = "không phải tệp thường (ống dẫn, thiết bị hay thư mục); hãy dùng một tệp bình thường"


def read_capped(path: Path, cap: int, shown: str) -> bytes:
    """The bytes of the regular file `path`, or ContentError (shown as `shown`) if it is missing,
    not a regular file, or longer than `cap` bytes."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # looked at before opening: opening a FIFO can wait forever
            raise _refused(shown, NOT_REGULAR)
        fd = os.open(path, os.O_RDONLY | OPEN_FLAGS)
    except FileNotFoundError:
        raise _refused(shown, "không tìm thấy tệp") from None
    except OSError as exc:
        raise _refused(shown, f"không đọc được tệp: {exc.strerror}") from None
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):  # before fdopen, which refuses a folder with its own error
        os.close(fd)
        raise _refused(shown, "không phải tệp thường (ống dẫn, thiết bị hay thư mục); hãy dùng một tệp bình thường")
    with os.fdopen(fd, "rb") as file:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):  # swapped for a FIFO or device since the look
            raise _refused(shown, NOT_REGULAR)
        try:
            data = _read_up_to(file, cap + 1)
        except OSError as exc:
            raise _refused(shown, f"không đọc được tệp: {exc.strerror}") from None
    if len(data) > cap:  # the size stat reports is only shown, never trusted
        size = f"{status.st_size // 1024} KB" if status.st_size > cap else f"hơn {_size(cap)}"
        raise _refused(shown, f"tệp quá lớn ({size}), tối đa {_size(cap)}")
    return data


def read_text_capped(path: Path, cap: int, shown: str) -> str:
    """read_capped as NFC text; a BOM is accepted, bytes that are not UTF-8 are a problem at their line."""
    raw = read_capped(path, cap, shown)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError([Problem(shown, line, WHOLE_FILE,
                                    "tệp không phải mã UTF-8; hãy lưu lại tệp với bảng mã UTF-8")]) from None
    return unicodedata.normalize("NFC", text)


def _read_up_to(file, limit: int) -> bytes:
    """At most `limit` bytes, read in chunks: a file growing while read is still cut off."""
    chunks, total = [], 0
    while total < limit:
        chunk = file.read(min(_CHUNK, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _size(cap: int) -> str:
    return f"{cap // (1024 * 1024)} MB" if cap >= 1024 * 1024 else f"{cap // 1024} KB"


def _refused(shown: str, message: str) -> ContentError:
    return ContentError([Problem(shown, 1, WHOLE_FILE, message)])
