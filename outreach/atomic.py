"""Outputs appear whole or not at all: everything is made under a temp name beside its target,
then renamed into place. A killed build leaves only temp files, which the next build removes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

LEFTOVERS = "**/.*.tmp*"  # glob, under build/, of what a killed build may leave


def staging(target: Path) -> Path:
    """The temp name `target` is made under (same folder, so the rename is atomic); keeps its suffix,
    which tools such as ffmpeg read to pick a format."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")


def atomically(target: Path, make: Callable[[Path], None]) -> None:
    """Run `make(temp_path)`, then rename the result into place; on failure remove the temp file."""
    staged = staging(target)
    try:
        make(staged)
        os.chmod(staged, 0o644)  # outputs are meant to be shared and printed
        staged.replace(target)
    finally:
        staged.unlink(missing_ok=True)


def write_atomic(target: Path, data: bytes) -> None:
    atomically(target, lambda staged: staged.write_bytes(data))
