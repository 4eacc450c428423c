"""The layers stay layered: no import circles, imports only downwards, Textual only in the Textual layer."""

from __future__ import annotations

from tests.architecture.import_graph import (
    build_graph,
    direction_violations,
    find_cycles,
    layer_of,
    source_modules,
    textual_violations,
)


def test_every_module_belongs_to_a_layer() -> None:
    orphans = [m for m in source_modules() if layer_of(m) is None and m != "tui"]
    assert orphans == []


def test_no_import_circles() -> None:
    assert find_cycles(build_graph()) == []


def test_imports_only_go_down() -> None:
    assert direction_violations(build_graph()) == []


def test_textual_only_in_the_textual_layer() -> None:
    assert textual_violations(build_graph()) == []


def test_the_checks_catch_a_planted_circle_and_an_upward_import() -> None:
    graph = {
        "tui.core.store": {"tui.core.model"},
        "tui.core.model": {"tui.core.runner"},
        "tui.core.runner": {"tui.core.store", "httpx"},
        "tui.scoring.stats": {"tui.core.model", "tui.reports.export"},
        "tui.reports.export": {"tui.scoring.stats"},
        "tui.imaging.thumbs": {"textual.widget"},
        "screens.review": {"tui.app", "tui.core.model"},
        "tui.app": set(),
    }
    assert find_cycles(graph) == [
        ["tui.core.model", "tui.core.runner", "tui.core.store"],
        ["tui.reports.export", "tui.scoring.stats"],
    ]
    assert direction_violations(graph) == ["tui.scoring.stats (tui.scoring) imports tui.reports.export (tui.reports)"]
    assert textual_violations(graph) == ["tui.imaging.thumbs imports textual.widget"]


def test_the_graph_sees_the_import_forms_in_use(tmp_path) -> None:
    pkg = tmp_path / "tui" / "core"
    pkg.mkdir(parents=True)
    (tmp_path / "tui" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from tui.core import b\n    from . import c\n")
    (pkg / "b.py").write_text("import tui.core.a\n")
    (pkg / "c.py").write_text("")
    for other in ("screens", "providers", "presets"):
        (tmp_path / other).mkdir()
    graph = build_graph(tmp_path)
    assert {"tui.core.b", "tui.core.c"} <= graph["tui.core.a"]
    assert find_cycles(graph) == [["tui.core.a", "tui.core.b"]]
