"""The Tier-A session the benchmarks run: six presets with generated reference images for the edit cases."""

from __future__ import annotations

from pathlib import Path

from tui.core.model import Session


def tier_a_session(root: Path, models: list[str]) -> Session:
    """Build and save it under the current IMGBENCH_* directories; reference files go in ``root``."""
    from PIL import Image

    from tui.core.compose import CaseSpec, SessionSpec, build_session
    from tui.core.context import Context

    root.mkdir(parents=True, exist_ok=True)
    refs = []
    for i, colour in enumerate([(200, 60, 60), (60, 200, 60), (60, 60, 200)]):
        path = root / f"ref{i}.png"
        Image.new("RGB", (256, 384), colour).save(path)
        refs.append(path)
    cases = [CaseSpec(preset_id=f"tier-a/cat{i}") for i in (1, 2, 3)]
    cases += [
        CaseSpec(preset_id="tier-a/cat4", refs=[(1, refs[0])]),
        CaseSpec(preset_id="tier-a/cat5", refs=[(1, refs[1])]),
        CaseSpec(preset_id="tier-a/cat6", refs=[(1, refs[0]), (2, refs[1]), (3, refs[2])]),
    ]
    ctx = Context()
    return build_session(
        SessionSpec(cases=cases, models=models), store=ctx.store, registry=ctx.registry, catalog=ctx.catalog
    )
