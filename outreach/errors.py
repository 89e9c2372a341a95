"""One exception family for bad content: every problem names its file, line and key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


class ContentError(click.ClickException):
    """Bad input: the CLI prints every problem and exits 1, never a traceback."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


def display_path(path: Path, root: Path) -> str:
    """The path as an officer sees it: relative to the project when possible."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
