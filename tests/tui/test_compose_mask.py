"""Compose's mask rows: a free prompt's mask and a preset's mask slot, attached through the file picker as a person
would, reach the session as the case's mask (and a bad mask is the one-line error Compose shows)."""

from __future__ import annotations

from pathlib import Path

from screens.compose import ComposeScreen
from screens.file_picker import FilePickerScreen
from screens.registry import build_app
from screens.run import RunScreen
from tests.providers.test_masks import MASK_PRESET, mask_png
from tests.tui_support import at_home, wait_for
from tui.core.store import Store


async def attach(app, pilot, compose: ComposeScreen, row_id: str, path: Path) -> None:
    refs = compose.query_one("#refs")
    refs.focus()
    refs.highlighted = next(i for i in range(refs.option_count) if refs.get_option_at_index(i).id == row_id)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
    app.screen.query_one("#picker-path").value = str(path)
    app.screen.query_one("#picker-path").focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))


def row(compose: ComposeScreen, row_id: str) -> str:
    refs = compose.query_one("#refs")
    return next(
        str(o.prompt) for o in (refs.get_option_at_index(i) for i in range(refs.option_count)) if o.id == row_id
    )


async def test_compose_sends_the_prompt_mask_and_the_preset_mask(fast_demo: Path, tmp_path: Path, data_dir) -> None:
    (fast_demo / "presets").mkdir()
    (fast_demo / "presets" / "inpaint.toml").write_text(MASK_PRESET)
    (fast_demo / "config.toml").write_text('[providers.demo]\nlatency_ms = 20\n[defaults]\nmodels = ["demo:mosaic"]\n')
    room, mask, bad = tmp_path / "room.png", tmp_path / "region.png", tmp_path / "flat.png"
    from tests.providers.loopback import png_bytes

    room.write_bytes(png_bytes((32, 24)))
    mask.write_bytes(mask_png((32, 24)))
    bad.write_bytes(png_bytes((32, 24)))  # no alpha
    app = build_app()
    async with app.run_test(size=(110, 40)) as pilot:
        await at_home(app, pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        compose = app.screen
        presets = compose.query_one("#presets")
        presets.select("mine/inpaint")
        refs = compose.query_one("#refs")
        await wait_for(pilot, lambda: any(refs.get_option_at_index(i).id == "mine/inpaint#mask"
                                          for i in range(refs.option_count)))  # fmt: skip
        assert "mask region: — empty" in row(compose, "mine/inpaint#mask")
        assert row(compose, "mine/inpaint#1").startswith("mine/inpaint #1 room")  # the mask is not an image slot
        await attach(app, pilot, compose, "mine/inpaint#1", room)
        await attach(app, pilot, compose, "mine/inpaint#mask", mask)
        compose.query_one("#prompt").focus()
        await pilot.press(*"a tall window")
        await attach(app, pilot, compose, "__prompt__", room)
        await attach(app, pilot, compose, "__prompt_mask__", bad)
        assert row(compose, "__prompt_mask__") == "free prompt mask: flat.png"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "no alpha channel" in str(compose.query_one("#compose-error").render()))
        await attach(app, pilot, compose, "__prompt_mask__", mask)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        run_screen = app.screen
        await wait_for(pilot, lambda: run_screen.session is not None and run_screen.runner is None)
        session = Store(data_dir).load(run_screen.session_id)
        for case in session.cases:
            assert [r.role for r in case.references] == [None, "mask"], case.label
