"""Export from any screen: write the JSON next to the other exports and say where."""

from __future__ import annotations

from pathlib import Path

from textual.app import App


def export_path(session_id: str) -> Path:
    from tui.core import paths

    return paths.data_dir() / "exports" / f"{session_id}.json"


def export_session(app: App, session_id: str) -> Path | None:
    from tui.core.atomic import atomic_write
    from tui.reports.export import export_json

    ctx = app.ctx  # type: ignore[attr-defined]
    try:
        path = export_path(session_id)
        atomic_write(path, export_json(ctx.store.load(session_id), ctx.store))
    except Exception as exc:
        app.notify(str(exc), title="Export failed", severity="error", timeout=10)
        return None
    app.notify(str(path), title="Exported")
    return path
