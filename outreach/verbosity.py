"""-v/--verbose and -q/--quiet, shared by every command (`outreach …` and `outreach server …`): the
level chosen is kept in click's meta, which every context of one run shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

QUIET, NORMAL, VERBOSE = 0, 1, 2
_VERBOSITY = "outreach.verbosity"


def verbosity_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """-v/--verbose and -q/--quiet, accepted before the command name and after it."""
    def remember(level: int) -> Callable[[click.Context, click.Parameter, bool], None]:
        def callback(ctx: click.Context, param: click.Parameter, value: bool) -> None:
            if value:
                ctx.meta[_VERBOSITY] = level
        return callback
    command = click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=remember(QUIET),
                           help="Chỉ in lỗi.")(command)
    return click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=remember(VERBOSE),
                        help="In thêm chi tiết: từng tệp, từng bước.")(command)


def level() -> int:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(_VERBOSITY, NORMAL) if ctx else NORMAL


def tell(message: str) -> None:
    """A normal message: not shown with -q."""
    if level() >= NORMAL:
        click.echo(message)
