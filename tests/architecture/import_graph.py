"""The project's import graph, read from the source (AST), and the rules its layers follow.

Kept apart from the test so the rules can be checked on a synthetic graph too: a rule that cannot fail
protects nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tui", "screens", "providers", "presets")

# The layers from the bottom up. A layer may import its own package and every layer of the tiers below it;
# layers of one tier do not import each other. Besides, every module may import the root ``tui`` package,
# which holds only the version and the tool's name.
TIERS: tuple[tuple[str, ...], ...] = (
    ("providers", "presets"),  # wire formats and benchmark presets: they know nothing of imgbench's layers
    ("tui.core",),
    ("tui.scoring", "tui.imaging"),
    ("tui.reports",),
    ("tui.cli",),
    ("tui.widgets",),
    ("tui.app",),
    ("screens",),
    ("tui.launch",),  # the entry: the CLI, or the TUI
)
LAYERS: dict[str, frozenset[str]] = {
    layer: frozenset(below for lower in TIERS[:level] for below in lower)
    for level, tier in enumerate(TIERS)
    for layer in tier
}
ROOT_MODULE = "tui"  # the package itself: __version__ and the tool's name, importable from anywhere
TEXTUAL_LAYERS = frozenset({"tui.launch", "tui.app", "tui.widgets", "screens"})
TEXTUAL = ("textual", "textual_image.widget")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules(root: Path = ROOT) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(path, root)] = path
    return found


def imports_of(path: Path, name: str, known: Iterable[str]) -> set[str]:
    """Every module this file imports, at any depth (a function-level import is still a dependency)."""
    known = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            out.add(base)
            for a in node.names:  # ``from tui.core import store`` imports the module tui.core.store
                if f"{base}.{a.name}" in known:
                    out.add(f"{base}.{a.name}")
    return out


def build_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = source_modules(root)
    return {name: imports_of(path, name, modules) for name, path in modules.items()}


def layer_of(module: str) -> str | None:
    best = None
    for layer in LAYERS:
        if (module == layer or module.startswith(layer + ".")) and (best is None or len(layer) > len(best)):
            best = layer
    return best


def internal(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    return {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}


def find_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as a sorted list."""
    edges = internal(graph)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return cycles


def direction_violations(graph: Mapping[str, set[str]]) -> list[str]:
    bad = []
    for module, deps in sorted(graph.items()):
        mine = layer_of(module)
        for dep in sorted(deps):
            theirs = layer_of(dep)
            if theirs is None or dep == ROOT_MODULE or theirs == mine:
                continue
            if mine is None or theirs not in LAYERS[mine]:
                bad.append(f"{module} ({mine}) imports {dep} ({theirs})")
    return bad


def textual_violations(graph: Mapping[str, set[str]]) -> list[str]:
    bad = []
    for module, deps in sorted(graph.items()):
        if layer_of(module) in TEXTUAL_LAYERS:
            continue
        for dep in sorted(deps):
            if any(dep == t or dep.startswith(t + ".") for t in TEXTUAL):
                bad.append(f"{module} imports {dep}")
    return bad
