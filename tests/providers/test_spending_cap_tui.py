"""The spending guard in the TUI, through the real App over loopback providers: Compose's max-cost field (the
config's default in it) refuses above the estimate and keeps nothing; the Run screen stops sending at the cap."""

from __future__ import annotations

from pathlib import Path

from screens.compose import ComposeScreen
from screens.registry import build_app
from screens.run import RunScreen
from tests.tui_support import at_home, wait_for
from tui.core.compose import CaseSpec, SessionSpec, build_session
from tui.core.context import Context
from tui.core.store import Store

XAI = "xai:grok-imagine-image"  # $0.02 per image in the table
OPENROUTER = "openrouter:google/gemini-2.5-flash-image"  # no price; the loopback reports $0.0387


def _messages(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_compose_refuses_above_its_max_cost_and_starts_under_it(servers, point, config_dir: Path, data_dir):
    xai = servers("xai")
    point("xai", xai)
    (config_dir / "config.toml").write_text(f'[defaults]\nmodels = ["{XAI}"]\nrepeats = 4\nmax_cost = 0.05\n')
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await at_home(app, pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        screen = app.screen
        field = screen.query_one("#max-cost")
        assert field.value == "0.05"  # the config's default
        screen.query_one("#prompt").text = "a red cube"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: any("Max cost: the estimated cost $0.08" in m for m in _messages(app)))
        refused = next(m for m in _messages(app) if "Max cost: the estimated cost" in m)
        # The setting to change is this form's field, not the command line's flag.
        assert "nothing was sent (raise Max cost in USD above, or empty it, or run fewer models" in refused
        assert "--max-cost" not in refused
        assert isinstance(app.screen, ComposeScreen) and xai.calls() == []
        assert not (data_dir / "sessions").exists() or not any((data_dir / "sessions").iterdir())

        field.value = "lots"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: any("Max cost: 'lots' is not an amount" in m for m in _messages(app)))

        field.value = "1"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        shown = app.screen
        await wait_for(pilot, lambda: shown.session is not None and all(r.finished for r in shown.session.runs))
        assert any("Estimated cost: $0.08 (cap $1.00)" in m for m in _messages(app))
        assert len(xai.calls("POST")) == 4


async def test_the_run_screen_stops_sending_at_the_cap(servers, point, config_dir: Path, data_dir):
    router = servers("openrouter")
    point("openrouter", router)
    (config_dir / "config.toml").write_text("[providers.openrouter]\nconcurrency = 1\n")
    ctx = Context()
    spec = SessionSpec(cases=[CaseSpec(prompt=f"a red cube number {i}") for i in range(5)], models=[OPENROUTER])
    session = build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        screen = RunScreen(session.id, max_cost=0.07)
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.session is not None and screen.runner is not None)
        await wait_for(pilot, lambda: screen.runner is None)
        await wait_for(pilot, lambda: any("3 runs not sent: the spending cap was reached" in m for m in _messages(app)))
    runs = Store(data_dir).load(session.id).runs
    assert len(router.calls("POST")) == 2
    assert sorted(r.status for r in runs) == ["interrupted"] * 3 + ["succeeded"] * 2
    assert all(r.error.kind == "budget" for r in runs if r.status == "interrupted")  # type: ignore[union-attr]


async def test_a_session_opened_from_home_above_the_config_cap_names_the_config_key_and_the_flag(
    servers, point, config_dir: Path, data_dir
):
    xai = servers("xai")
    point("xai", xai)
    (config_dir / "config.toml").write_text("[defaults]\nmax_cost = 0.05\n")
    ctx = Context()
    spec = SessionSpec(cases=[CaseSpec(prompt="a red cube")], models=[XAI], repeats=4)
    session = build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        screen = RunScreen(session.id)  # as Home opens it: the config's cap
        app.push_screen(screen)
        await wait_for(pilot, lambda: any("is above the cap of $0.05" in m for m in _messages(app)))
        refused = next(m for m in _messages(app) if "is above the cap" in m)
    said = "nothing was sent (raise [defaults] max_cost in config.toml, or send them with a cap of their own: "
    assert said in refused
    assert f"imgbench sessions resume {session.id} --max-cost USD)" in refused
    assert xai.calls("POST") == []
