"""The code's shape, checked: no import cycle, and README documents every command and option."""

from __future__ import annotations

import sys

import click
import pytest

from conftest import REPO
from outreach.cli import main

sys.path.insert(0, str(REPO / "scripts"))
import modules  # noqa: E402  (scripts/modules.py: the graph anyone can print)


def test_no_import_cycle_among_outreach_modules():
    graph = modules.module_graph()
    assert "outreach.sound.audio" in graph and graph["outreach.cli"], "the walk found the package"
    assert modules.cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert modules.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def commands() -> list[tuple[str, click.Command]]:
    """Every command, a group's subcommands too (`server add-user`)."""
    found: list[tuple[str, click.Command]] = [("", main)]
    for name, command in sorted(main.commands.items()):
        found.append((name, command))
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", subcommand) for sub, subcommand in sorted(command.commands.items())]
    return found


@pytest.mark.parametrize("name, command", commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_readme_documents_every_command_and_option(name, command):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    if name:
        assert f"outreach {name}" in readme or f"outreach --project DIR {name}" in readme, name
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert any(opt in readme for opt in param.opts), f"{name or 'outreach'} {param.opts}"
