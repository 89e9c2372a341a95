"""click's own words (usage lines, headings, its error messages) in Vietnamese, like every other
message of outreach.

click says them through gettext's process-wide default domain, whose language follows the
environment (often C or English on a commune's computer), so installing a catalogue would mean
changing the locale of the whole process and of every tool it starts. Instead the words are given
on click's own extension points: a help formatter, the command classes, and the error display of
the group's `main`. Only this module knows click's English.
"""

from __future__ import annotations

import contextlib
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import click

from outreach.errors import OutreachError, write_failure

HEADINGS = {"Options": "Tùy chọn", "Commands": "Lệnh"}
HELP_OPTION = "Hiện hướng dẫn này rồi thoát."
OPTIONS_METAVAR = "[TÙY CHỌN]"


class Formatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "Cách dùng: " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(HEADINGS.get(heading, heading))


class Context(click.Context):
    formatter_class = Formatter


class Command(click.Command):
    context_class = Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _in_vietnamese(super().get_help_option(ctx))


class Group(click.Group):
    """The `outreach` group: Vietnamese help, and click's errors shown in Vietnamese."""

    context_class = Context
    command_class = Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", "LỆNH [THAM SỐ]...")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _in_vietnamese(super().get_help_option(ctx))

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            with _terminate_as_interrupt():
                result = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            show_error(exc)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Đã dừng.", err=True)
            sys.exit(1)
        except BrokenPipeError:  # `outreach say ... | head`: the reader left, nothing to report
            sys.exit(1)
        except OSError as exc:  # a full disk or a folder not writable, met outside a guide's own outputs
            message = write_failure(exc)
            if message is None:
                raise
            click.echo(message, err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a service stopping, `kill`) ends a command as Ctrl+C does: "Đã dừng.", status 1,
    temp files removed on the way out, no traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _in_vietnamese(option: click.Option | None) -> click.Option | None:
    if option is not None:
        option.help = HELP_OPTION
    return option


def show_error(exc: click.ClickException) -> None:
    """What click's own `show` prints, in Vietnamese: usage and a hint for usage errors, then the error."""
    if isinstance(exc, OutreachError):
        exc.show()
        return
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        click.echo(exc.ctx.get_usage(), err=True)
        click.echo(f"Xem '{exc.ctx.command_path} {exc.ctx.help_option_names[-1]}' để biết cách dùng.\n", err=True)
    click.echo(f"Lỗi: {vietnamese(exc.format_message())}", err=True)


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rule(pattern: str, answer: Callable[[re.Match[str]], str]) -> Rule:
    return re.compile(pattern, re.DOTALL), answer


# click 8's messages, as its exceptions and parameter types format them.
RULES: list[Rule] = [
    _rule(r"Missing argument (?P<name>.+)\.", lambda m: f"thiếu tham số {m['name']}"),
    _rule(r"Missing option (?P<name>.+)\.", lambda m: f"thiếu tùy chọn {m['name']}"),
    _rule(r"Missing command\.", lambda m: "thiếu lệnh; xem danh sách lệnh bằng: outreach --help"),
    _rule(r"No such option: (?P<name>\S+)(?: Did you mean (?P<close>\S+)\?| \(Possible options: (?P<many>.+)\))?",
          lambda m: f"không có tùy chọn {m['name']}"
                    + (f"; có phải ý bạn là {m['close'] or m['many']}?" if m["close"] or m["many"] else "")),
    _rule(r"No such command (?P<name>.+)\.", lambda m: f"không có lệnh {m['name']}; xem danh sách lệnh bằng: "
                                                      "outreach --help"),
    _rule(r"Got unexpected extra arguments? \((?P<extra>.+)\)",
          lambda m: f"thừa tham số: {m['extra']}; đoạn chữ có dấu cách phải đặt trong dấu ngoặc kép"),
    _rule(r"Option (?P<name>.+) requires (?:an argument|\d+ arguments)\.",
          lambda m: f"tùy chọn {m['name']} cần một giá trị đi kèm"),
    _rule(r"Option (?P<name>.+) does not take a value\.", lambda m: f"tùy chọn {m['name']} không nhận giá trị"),
    _rule(r"Invalid value for (?P<name>.+?): (?P<why>.+)",
          lambda m: f"giá trị không hợp lệ cho {m['name']}: {vietnamese(m['why'])}"),
    _rule(r"Invalid value: (?P<why>.+)", lambda m: f"giá trị không hợp lệ: {vietnamese(m['why'])}"),
    _rule(r"(?P<value>.+) is not one of (?P<choices>.+)\.",
          lambda m: f"{m['value']} không phải là một trong {m['choices']}"),
    _rule(r"(?P<value>.+) is not (?P<choice>'[^']*')\.", lambda m: f"{m['value']} không phải là {m['choice']}"),
    _rule(r"(?P<value>.+) is not in the range (?P<range>.+)\.",
          lambda m: f"{m['value']} nằm ngoài khoảng {m['range']}"),
    _rule(r"(?P<value>.+) is not a valid integer\.", lambda m: f"{m['value']} không phải là số nguyên"),
    _rule(r"(?P<value>.+) is not a valid float\.", lambda m: f"{m['value']} không phải là số"),
    _rule(r"(?:Directory|File|Path) (?P<path>.+) is a file\.", lambda m: f"{m['path']} là một tệp, không phải thư mục"),
    _rule(r"(?:Directory|File|Path) (?P<path>.+) does not exist\.", lambda m: f"không có {m['path']}"),
]


def vietnamese(message: str) -> str:
    """`message` in Vietnamese when it is one of click's own; ours (already Vietnamese) unchanged."""
    for pattern, answer in RULES:
        if match := pattern.fullmatch(message.strip()):
            return answer(match)
    return message
