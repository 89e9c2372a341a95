"""One exception family: everything outreach reports to an officer is an OutreachError.

The library raises them; only the boundary (the CLI, the web layer) turns them into messages. They
subclass click.ClickException, so the CLI prints them and exits 1 without a traceback.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

import click


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file, shown as `file:line: key: message`."""

    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.key}: {self.message}"


class OutreachError(click.ClickException):
    """Something an officer must know about; the message is in Vietnamese."""

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


class ContentError(OutreachError):
    """Bad input: every problem found, each naming its file, line and key."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class SpeechError(OutreachError):
    """An engine (or the audio chain after it) could not make audio; the message says why."""


class DoesNotFit(OutreachError):
    """A one-page product whose content needs more pages, even at the smallest type."""

    def __init__(self, pages: int, product: str = "", overflow_mm: int = 0):
        self.pages = pages
        self.product = product
        self.overflow_mm = overflow_mm  # how far the content runs past the page at the smallest type
        super().__init__(f"nội dung quá dài cho {product or 'trang'} (cần {pages} trang, chỉ được 1)")

    def __reduce__(self):  # custom arguments: say how to rebuild it when a worker process sends it back
        return type(self), (self.pages, self.product, self.overflow_mm)


class SpellerMissing(OutreachError):
    """spylls or the Vietnamese hunspell dictionary is missing."""


_WHY = {
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.EDQUOT: "đã hết dung lượng được cấp",
    errno.EACCES: "không có quyền ghi",
    errno.EPERM: "không có quyền ghi",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.ENOTDIR: "một tệp thường nằm ở chỗ của thư mục",
    errno.EEXIST: "một tệp thường nằm ở chỗ của thư mục",
    errno.EISDIR: "một thư mục nằm ở chỗ của tệp",
    errno.ENOENT: "thư mục không còn",
}


def why(exc: OSError) -> str:
    """The cause of a failed file operation, in Vietnamese where it is a common one."""
    return _WHY.get(exc.errno or 0, exc.strerror or str(exc))


# A write that fails for want of space or rights: what the officer can do about it.
_WRITE_ADVICE = {
    errno.ENOSPC: "hãy giải phóng chỗ trống trên ổ đĩa (xóa bớt tệp không cần, hoặc thư mục build/.cache/speech) "
                  "rồi chạy lại",
    errno.EDQUOT: "hãy xin thêm dung lượng hoặc xóa bớt tệp không cần rồi chạy lại",
    errno.EROFS: "hãy chạy lại trên một ổ đĩa ghi được",
    errno.EACCES: "hãy kiểm tra quyền ghi vào thư mục dự án rồi chạy lại",
    errno.EPERM: "hãy kiểm tra quyền ghi vào thư mục dự án rồi chạy lại",
}


def write_failure(exc: OSError) -> str | None:
    """The officer's message for a write that failed for want of space or rights, else None."""
    advice = _WRITE_ADVICE.get(exc.errno or 0)
    if advice is None:
        return None
    where = f" ({exc.filename})" if exc.filename else ""
    return (f"Lỗi: không ghi được tệp{where}: {why(exc)}; {advice}. Các tệp đã tạo trước đó vẫn giữ nguyên, "
            "build/manifest.json chỉ ghi những gì đã tạo xong.")
