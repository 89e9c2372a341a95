"""One commune's project: its folders, and how paths in it are shown to officers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PREVIEW = ".preview"  # build/.preview/<slug>/: a guide's newest version while it is not approved


@dataclass(frozen=True)
class Project:
    """The folders of one commune's project; rendering may read only content/ and templates/."""

    root: Path
    # The preview of guides not approved yet (README, Province server: approval): outputs under
    # build/.preview/, every printed page marked; the speech cache is the build's own.
    preview: bool = False

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
        return self.root / "build" / PREVIEW if self.preview else self.root / "build"

    @property
    def speech_cache_dir(self) -> Path:
        return self.root / "build" / ".cache" / "speech"

    def previewing(self) -> Project:
        """The same project, building into build/.preview/."""
        return Project(self.root, preview=True)

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
