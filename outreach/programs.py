"""The programs and native libraries outreach uses, found in one place: the system's own when it has
them (Debian's packages), else the copy a pip package ships, so `pip install outreach` works where
Debian's packages are not (Windows, macOS, a bare container). A missing one is a Vietnamese message
naming both the pip package and the system package, never a traceback."""

from __future__ import annotations

import contextlib
import ctypes
import io
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

from outreach.errors import OutreachError

# Debian's hunspell-vi; elsewhere the copy shipped in outreach/dictionary (GPL-2, see its README).
SYSTEM_DICTIONARY = Path("/usr/share/hunspell/vi_VN.dic")
SHIPPED_DICTIONARY = Path(__file__).parent / "dictionary" / "vi_VN.dic"
# libmpg123 under each system's own name (loaded by name: ctypes.util.find_library would run gcc).
MPG123_NAMES = {"linux": "libmpg123.so.0", "darwin": "libmpg123.0.dylib", "win32": "libmpg123-0.dll"}
# Pango is the one native library WeasyPrint needs; no wheel ships it (README: Installation).
PANGO_MISSING = ("thiếu thư viện Pango mà WeasyPrint cần để tạo tệp PDF: trên Debian/Ubuntu cài gói hệ thống "
                 "libpango-1.0-0 và libpangoft2-1.0-0 (apt-get install libpango-1.0-0 libpangoft2-1.0-0); "
                 "trên macOS: brew install pango; trên Windows: cài MSYS2 rồi chạy "
                 "pacman -S mingw-w64-ucrt-x86_64-pango (xem README, phần Installing with pip)")


class ProgramMissing(OutreachError):
    """A program or library outreach needs is nowhere to be found; the message says how to get it."""


def missing(what: str, pip: str, system: str) -> ProgramMissing:
    return ProgramMissing(f"thiếu {what}: cài gói pip {pip} (pip install {pip}) hoặc gói hệ thống {system}")


@cache
def weasyprint() -> Any:
    """WeasyPrint, imported (it loads Pango as it is imported); without Pango, ProgramMissing. Cached:
    standard output is swapped only for the first import, not while the studio's threads print."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # its own English advice, printed before it fails
            import weasyprint
    except OSError:
        raise ProgramMissing(PANGO_MISSING) from None
    return weasyprint


@cache
def ffmpeg() -> str:
    """The ffmpeg to run: the system's, else the one imageio-ffmpeg ships in its wheel."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        raise missing("chương trình ffmpeg", "imageio-ffmpeg", "ffmpeg (apt-get install ffmpeg)") from None


def espeak_missing() -> str | None:
    """None when espeak-ng can speak here (its program, or espeakng-loader's library), else why not."""
    if shutil.which("espeak-ng"):
        return None
    try:
        _espeak_library()
    except ProgramMissing as exc:
        return exc.format_message()
    return None


def espeak_ng(voice: str, words_per_minute: int, word_gap: int, text: str, wav: Path) -> None:
    """Speak `text` into `wav` with espeak-ng's program, or its library when the program is missing."""
    if shutil.which("espeak-ng"):
        # Named from its own folder: espeak-ng (1.51) keeps only 199 characters of -w's path and writes,
        # silently, to the name cut there; a project in a deep folder (or a test's) got no audio.
        done = subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-g", str(word_gap), "-w",
                               wav.name, "--stdin"], input=text.encode("utf-8"), check=True, capture_output=True,
                              cwd=wav.parent)
        said = done.stderr.decode("utf-8", "replace").strip()
        if said and not (wav.is_file() and wav.stat().st_size > 44):  # it exits 0 even then: say what it said
            raise OSError(f"espeak-ng: {said[-300:]}")
        return
    from outreach.sound import espeaklib
    espeaklib.speak(_espeak_library(), voice, words_per_minute, word_gap, text, wav)


@cache
def _espeak_library() -> tuple[str, str]:
    """(libespeak-ng's path, its data folder) from espeakng-loader."""
    try:
        import espeakng_loader
        return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
    except (ImportError, OSError, RuntimeError):
        raise missing("espeak-ng", "espeakng-loader", "espeak-ng (apt-get install espeak-ng)") from None


@cache
def libmpg123() -> ctypes.CDLL | None:
    """The system's libmpg123 (Debian's libmpg123-0), or None: MP3s are then decoded by miniaudio."""
    name = MPG123_NAMES.get(sys.platform)
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def dictionary() -> Path:
    """The Vietnamese hunspell dictionary (.dic; its .aff beside it): Debian's, else the shipped copy."""
    return SYSTEM_DICTIONARY if SYSTEM_DICTIONARY.is_file() else SHIPPED_DICTIONARY
