"""One commune's project: its folders, and how paths in it are shown to officers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    """The folders of one commune's project; rendering may read only content/ and templates/."""

    root: Path

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def guides_dir(self) -> Path:
        return self.content_dir / "guides"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def speech_cache_dir(self) -> Path:
        return self.build_dir / ".cache" / "speech"

    def guide_paths(self) -> list[Path]:
        return sorted(self.guides_dir.glob("*.yaml"))

    def guide_path(self, slug: str) -> Path:
        return self.guides_dir / f"{slug}.yaml"

    def shown(self, path: Path) -> str:
        """The path as an officer sees it: relative to the project when possible. A link is shown by
        its own name (the file the officer edits), not by where it points."""
        root = self.root.resolve()
        for candidate in (Path(os.path.abspath(path)), path.resolve()):
            try:
                return str(candidate.relative_to(root))
            except ValueError:
                continue
        return str(path)
