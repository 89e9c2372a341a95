"""Print outreach's module graph (each module and the outreach modules it imports, at any depth of
the file), any import cycle, and the median and longest function length.
Run: `.venv/bin/python scripts/modules.py`."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "outreach"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The outreach modules `path` imports, top-level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in known} - {module_name(path)}


def module_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    known = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, known) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each a cycle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def function_lengths() -> list[tuple[int, str]]:
    """(lines, module.function) of every function and method, decorators and docstring included."""
    lengths = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lengths.append((node.end_lineno - first + 1, f"{module_name(path)}.{node.name}"))
    return sorted(lengths)


def main() -> int:
    graph = module_graph()
    for name, deps in sorted(graph.items()):
        short = [d.removeprefix("outreach.") for d in sorted(deps)]
        print(f"{name.removeprefix('outreach.'):<16} → {', '.join(short) or '–'}")
    found = cycles(graph)
    print("cycles: " + ("; ".join(" ↔ ".join(c) for c in found) if found else "none"))
    lengths = function_lengths()
    longest = lengths[-1]
    print(f"functions: {len(lengths)}, median {lengths[len(lengths) // 2][0]} lines, "
          f"longest {longest[0]} ({longest[1]})")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
