"""The only door WeasyPrint has to files: regular files of the project folders, read through the
same capped reader as every other input; anything else (the network included) is refused."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from outreach.errors import ContentError
from outreach.limits import MAX_FETCHED_BYTES, read_capped


class ConfinedFetcher(URLFetcher):
    """Serves data: URIs and file: URLs under the allowed folders; refuses everything else.

    Symlinks are resolved before the check, so a link inside content/ that points at
    /etc/hostname is refused like the path itself would be. A FIFO, a device or a folder is refused
    without waiting on it, and a file is read only up to MAX_FETCHED_BYTES (a 2 GB sparse file is
    refused after 20 MB, not read whole).
    """

    def __init__(self, roots: list[Path]):
        super().__init__(timeout=1, allowed_protocols={"file", "data"}, allow_redirects=False)
        self.roots = [root.resolve() for root in roots]

    def fetch(self, url: str, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        path = self._allowed_path(url) if scheme == "file" else None
        if path is None:
            raise ValueError(f"outreach refuses to read {url!r}: only the project's folders are allowed")
        try:
            data = read_capped(path, MAX_FETCHED_BYTES, path.name)
        except ContentError as exc:
            raise ValueError(f"outreach refuses to read {url!r}: {exc.problems[0].message}") from None
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), data, {"Content-Type": mime})

    def _allowed_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        return path if any(path.is_relative_to(root) for root in self.roots) else None
