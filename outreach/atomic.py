"""Outputs appear whole or not at all: everything is made under a temp name beside its target,
then renamed into place. A killed build leaves only temp files, which the next build removes."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

LEFTOVERS = "**/.*.tmp*"  # glob, under build/, of what a killed build may leave


def staging(target: Path) -> Path:
    """The temp name `target` is made under (same folder, so the rename is atomic); keeps its suffix,
    which tools such as ffmpeg read to pick a format. Unique to each call: two threads of one
    process (two saves in the studio) never share one."""
    return target.with_name(f".{target.stem}.{os.getpid()}-{secrets.token_hex(4)}.tmp{target.suffix}")


def atomically_all(targets: list[Path], make: Callable[[list[Path]], None]) -> None:
    """Run `make(temp paths)`, then rename each result into place; on failure remove the temp files
    (the targets keep what they had)."""
    staged = [staging(target) for target in targets]
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        make(staged)
        for tmp, target in zip(staged, targets):
            os.chmod(tmp, 0o644)  # outputs are meant to be shared and printed
            tmp.replace(target)
    finally:
        for tmp in staged:
            tmp.unlink(missing_ok=True)


def atomically(target: Path, make: Callable[[Path], None]) -> None:
    """Run `make(temp_path)`, then rename the result into place; on failure remove the temp file."""
    atomically_all([target], lambda staged: make(staged[0]))


def write_atomic(target: Path, data: bytes) -> None:
    def write(staged: Path) -> None:
        staged.write_bytes(data)

    atomically(target, write)
