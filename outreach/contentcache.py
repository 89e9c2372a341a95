"""load_content again only when something it reads changed: judging 100 guides costs a tenth of a
second or more, and a page that lists them is opened far more often than a file is saved.

The stamp is the name, size and modification time of every file under content/ and templates/
(what validation reads: guides, commune.yaml, lexicon, pictures, the commune's pictograms). As in
git's "racy" check, a stamp with a file changed in the last RACY seconds is never reused, since a
second change within the file system's clock tick would leave the stamp as it was."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

from outreach.content import Content, load_content, load_lexicon
from outreach.project import Project

RACY = 2.0


def files_stamp(places: list[Path]) -> tuple:
    """Folder, name, size and modification time of every file under `places` (folders or files)."""
    found = []
    for top in places:
        walked = [(str(top.parent), [], [top.name])] if top.is_file() else os.walk(top)
        for folder, _, names in walked:
            for name in names:
                with contextlib.suppress(OSError):
                    info = os.stat(os.path.join(folder, name))
                    found.append((folder, name, info.st_size, info.st_mtime_ns))
    return tuple(sorted(found))


def settled(stamp: tuple) -> bool:
    """No file of `stamp` changed so recently that a second change could hide behind the same time."""
    newest = max((entry[-1] for entry in stamp), default=0)
    return time.time_ns() - newest > RACY * 1e9


class ContentCache:
    """One project's load_content, kept while its files stay as they were. The Content returned is
    shared: callers read it and never change it."""

    def __init__(self, project: Project):
        self.project = project
        self._kept: tuple[tuple, Content] | None = None
        self._lexicon: tuple[tuple, dict[str, str]] | None = None
        self._lock = threading.Lock()

    def load(self) -> Content:
        with self._lock:  # one judgement at a time: twenty pages opened at once wait for the same one
            stamp = files_stamp([self.project.content_dir, self.project.templates_dir])
            if self._kept is not None and self._kept[0] == stamp:
                return self._kept[1]
            content = load_content(self.project)
            if settled(stamp):
                self._kept = (stamp, content)
            return content

    def lexicon(self) -> dict[str, str]:
        """content/lexicon.yaml's entries, read again only when that file changed: what a check while
        the officer types needs of the project besides the one file it judges."""
        stamp = files_stamp([self.project.content_dir / "lexicon.yaml"])
        kept = self._lexicon
        if kept is not None and kept[0] == stamp:
            return kept[1]
        entries = load_lexicon(self.project)
        if settled(stamp):
            self._lexicon = (stamp, entries)
        return entries
