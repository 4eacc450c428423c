"""The vendors' SDKs are test oracles only: imgbench itself never imports one (they are dev dependencies)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tui", "screens", "providers", "presets")
VENDOR_SDKS = ("openai", "google.genai", "fal_client", "openrouter", "xai_sdk", "anthropic")


def vendor_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        found += [n for n in names if any(n == sdk or n.startswith(sdk + ".") for sdk in VENDOR_SDKS)]
    return found


def test_the_check_sees_every_import_form() -> None:
    assert vendor_imports("import openai\nfrom google import genai\ndef f():\n    import fal_client as f\n") == [
        "openai",
        "google.genai",
        "fal_client",
    ]
    assert vendor_imports("from providers import openai\nimport googleapiclient\n") == []


def test_imgbench_imports_no_vendor_sdk() -> None:
    offenders = {
        str(path.relative_to(ROOT)): found
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if (found := vendor_imports(path.read_text("utf-8")))
    }
    assert not offenders, offenders
