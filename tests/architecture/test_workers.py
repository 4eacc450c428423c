"""Every worker of the Textual layer is started with exit_on_error=False (Textual's default quits the whole app
on any exception), and every screen reports its workers' failures through the one error path."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXTUAL_LAYER = [ROOT / "screens", ROOT / "tui" / "widgets", ROOT / "tui" / "app.py"]


def fatal_workers(source: str, filename: str) -> list[str]:
    """``@work`` / ``@work(...)`` decorators and ``run_worker(...)`` calls without ``exit_on_error=False``."""
    found: list[str] = []

    def safe(call: ast.Call) -> bool:
        return any(
            k.arg == "exit_on_error" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in call.keywords
        )

    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name == "work" and not (isinstance(deco, ast.Call) and safe(deco)):
                    found.append(f"{filename}:{deco.lineno} @work on {node.name}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "run_worker" and not safe(node):
                found.append(f"{filename}:{node.lineno} run_worker(...)")
    return found


def _sources() -> list[Path]:
    files: list[Path] = []
    for place in TEXTUAL_LAYER:
        files += [place] if place.is_file() else sorted(place.rglob("*.py"))
    return files


def test_no_worker_may_quit_the_app() -> None:
    found = [hit for path in _sources() for hit in fatal_workers(path.read_text(), str(path.relative_to(ROOT)))]
    assert found == []


def test_the_scan_finds_fatal_workers() -> None:
    planted = """
from textual import work
import textual

class S:
    @work
    def a(self): ...
    @work(thread=True)
    def b(self): ...
    @textual.work(exit_on_error=True)
    def c(self): ...
    @work(thread=True, exit_on_error=False)
    def fine(self): ...
    def d(self):
        self.run_worker(self.a())
        self.run_worker(self.a(), exit_on_error=False)
"""
    hits = fatal_workers(planted, "planted.py")
    assert [h.split(" ", 1)[1] for h in hits] == ["@work on a", "@work on b", "@work on c", "run_worker(...)"]


def test_every_screen_reports_its_failures() -> None:
    from textual.screen import Screen

    from screens.registry import SCREENS
    from tui.widgets.failures import ReportsFailures
    from tui.widgets.screen_base import ScreenBase

    missing = [cls.__name__ for cls in SCREENS.values() if not issubclass(cls, ScreenBase)]
    assert missing == []
    assert all(issubclass(cls, Screen) for cls in SCREENS.values())
    assert inspect.getsource(ReportsFailures).count("post_message") == 1
