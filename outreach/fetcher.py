"""The only door WeasyPrint has to files: project folders yes, anything else (network included) no."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher


class ConfinedFetcher(URLFetcher):
    """Serves data: URIs and file: URLs under the allowed folders; refuses everything else.

    Symlinks are resolved before the check, so a link inside content/ that points at
    /etc/hostname is refused like the path itself would be.
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
        return super().fetch(path.as_uri(), headers)

    def _allowed_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        return path if any(path.is_relative_to(root) for root in self.roots) else None
