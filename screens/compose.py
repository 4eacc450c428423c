"""Compose: presets or a prompt, references, parameters, models, blind on/off; then run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, OptionList, Select, SelectionList, Static, Switch, TextArea
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from tui.core.budget import COMPOSE_CAP, check_cap, usd
from tui.core.validation import InputError, OverBudget
from tui.widgets.check_list import CheckList
from tui.widgets.safe import plain
from tui.widgets.screen_base import ScreenBase
from tui.widgets.title_bar import TitleBar
from tui.widgets.workbench import workbench

QUALITIES = [("default", ""), ("low", "low"), ("medium", "medium"), ("high", "high"), ("auto", "auto")]
PROMPT_TARGET = "__prompt__"
PROMPT_MASK_TARGET = "__prompt_mask__"
MASK_SLOT = "mask"  # the target "PRESET#mask": the preset's mask slot


class ComposeScreen(ScreenBase, Screen[None]):
    HELP_TITLE = "Compose"
    DEFAULT_CSS = """
    #compose-params { height: auto; margin-top: 1; }
    #compose-params > Vertical { width: 1fr; height: auto; padding-right: 1; }
    #compose-params Input, #compose-params Select { width: 100%; }
    .param-label { text-style: bold; color: $accent; }
    #compose-error { height: auto; }
    """
    BINDINGS = [
        Binding("ctrl+r,ctrl+j", "run", "Run", id="compose.run", priority=True, tooltip="Run the comparison"),
        Binding(
            "ctrl+o", "attach", "Attach", id="compose.attach", tooltip="Attach a reference image to the highlighted row"
        ),
        Binding("escape", "back", "Back", id="compose.back", show=False, tooltip="Back without running"),
    ]

    def __init__(self, preset_ids: list[str] | None = None) -> None:
        super().__init__()
        self.initial_presets = set(preset_ids or [])
        # (preset id, slot number) -> file, and the free prompt's files
        self.slot_refs: dict[tuple[str, int], Path] = {}
        self.prompt_refs: list[Path] = []
        # Edit masks (PNG, transparent where to edit): per preset with a mask slot, and the free prompt's.
        self.slot_masks: dict[str, Path] = {}
        self.prompt_mask: Path | None = None

    def compose(self) -> ComposeResult:
        ctx = self.app.ctx
        defaults = ctx.config.defaults
        yield TitleBar()
        with VerticalScroll(id="compose-form"):
            yield Label("Presets  (space toggles)", classes="field-label")
            yield CheckList(
                *(
                    Selection(plain(f"{p.id}  {p.title}"), p.id, p.id in self.initial_presets)
                    for p in ctx.catalog.presets.values()
                ),
                id="presets",
            )
            yield Label("Free prompt  (optional; runs as its own case)", classes="field-label")
            yield TextArea(id="prompt", soft_wrap=True, show_line_numbers=False)
            yield Label("Its checklist  (a check per line; indented: depends on the line above)", classes="field-label")
            yield TextArea(id="checklist", soft_wrap=True, show_line_numbers=False)
            yield Label("References  (enter or ctrl+o: attach, delete: clear)", classes="field-label")
            yield OptionList(id="refs")
            with Horizontal(id="compose-params"):
                with Vertical():
                    yield Label("Size (WxH)", classes="param-label")
                    yield Input(defaults.size or "", placeholder="1024x1024", id="size")
                with Vertical():
                    yield Label("Aspect (W:H)", classes="param-label")
                    yield Input(defaults.aspect or "", placeholder="16:9", id="aspect")
                with Vertical():
                    yield Label("Quality", classes="param-label")
                    yield Select(QUALITIES, value=defaults.quality or "", allow_blank=False, id="quality")
                with Vertical():
                    yield Label("Repeats (1-100)", classes="param-label")
                    yield Input(str(defaults.repeats), placeholder="1", id="repeats", type="integer")
            yield Label("Models  (space toggles)", classes="field-label")
            yield CheckList(id="models")
            with Horizontal(id="blind-row"):
                yield Switch(value=defaults.blind, id="blind")
                yield Label("Blind scoring: hide model names until you reveal them", classes="switch-label")
            yield Label("Session name  (optional: a numbered one is made)", classes="field-label")
            yield Input(placeholder="e.g. tier-a, new gateway", id="name")
            yield Label(
                f"{COMPOSE_CAP}  (optional: not started above the estimate, stops sending at it)",
                classes="field-label",
            )
            cap = defaults.max_cost
            yield Input(f"{cap:g}" if cap else "", placeholder="no cap", id="max-cost")
            yield Static("", id="compose-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        from providers.http import warm_up

        warm_up()  # while the user composes, so the first run does not wait for TLS set-up
        models = self.query_one("#models", SelectionList)
        wanted = set(self.app.ctx.config.defaults.models)
        for status in self.app.ctx.registry.models():
            info = status.info
            label = f"{info.id}  {info.label if info.catalogued else '(unknown to the catalog)'}"
            label += "" if status.available else f"  — {status.detail}"
            chosen = status.available and (info.id in wanted or (not wanted and info.demo))
            models.add_option(Selection(label, info.id, chosen, disabled=not status.available))
        self.refresh_refs()
        self.query_one("#presets").focus()

    # -- references ---------------------------------------------------------------------------
    def _targets(self) -> list[tuple[str, str]]:
        """(option id, label) for every place a reference can go, given the selected presets."""
        catalog = self.app.ctx.catalog
        out = []
        for preset_id in self.query_one("#presets", SelectionList).selected:
            preset = catalog.get(preset_id)
            images = [s for s in preset.reference_slots if s.role != "mask"]
            for number, slot in enumerate(images, start=1):
                path = self.slot_refs.get((preset_id, number))
                shown = path.name if path else "— empty (needed)"
                out.append((f"{preset_id}#{number}", f"{preset_id} #{number} {slot.id}: {shown}"))
            if mask_slot := next((s for s in preset.reference_slots if s.role == "mask"), None):
                path = self.slot_masks.get(preset_id)
                shown = path.name if path else "— empty (needed: PNG, transparent where to edit)"
                out.append((f"{preset_id}#{MASK_SLOT}", f"{preset_id} mask {mask_slot.id}: {shown}"))
        files = ", ".join(p.name for p in self.prompt_refs) or "none (text-to-image)"
        out.append((PROMPT_TARGET, f"free prompt: {files}"))
        mask = self.prompt_mask.name if self.prompt_mask else "none (PNG, transparent where to edit)"
        out.append((PROMPT_MASK_TARGET, f"free prompt mask: {mask}"))
        return out

    def refresh_refs(self) -> None:
        refs = self.query_one("#refs", OptionList)
        keep = refs.highlighted
        refs.clear_options()
        refs.add_options([Option(plain(label), id=oid) for oid, label in self._targets()])
        if refs.option_count:
            refs.highlighted = min(keep or 0, refs.option_count - 1)

    @on(SelectionList.SelectedChanged, "#presets")
    def _presets_changed(self) -> None:
        self.refresh_refs()

    @on(OptionList.OptionSelected, "#refs")
    def _ref_selected(self) -> None:
        self.action_attach()

    def action_attach(self) -> None:
        refs = self.query_one("#refs", OptionList)
        option = refs.highlighted_option or (refs.get_option_at_index(0) if refs.option_count else None)
        if option is None:
            return
        target = option.id or PROMPT_TARGET
        title, detail = self._slot_title(target)

        def attach(path: Path | None) -> None:
            if path is None:
                return
            if target == PROMPT_TARGET:
                self.prompt_refs.append(path)
            elif target == PROMPT_MASK_TARGET:
                self.prompt_mask = path
            else:
                preset_id, _, number = target.rpartition("#")
                if number == MASK_SLOT:
                    self.slot_masks[preset_id] = path
                else:
                    self.slot_refs[(preset_id, int(number))] = path
            self.refresh_refs()

        workbench(self).open("file_picker", title, detail=detail, callback=attach)

    def _slot_title(self, target: str) -> tuple[str, str]:
        """The picker's title (the slot being filled) and the slot's description."""
        if target == PROMPT_TARGET:
            return "Reference image for the free prompt", ""
        if target == PROMPT_MASK_TARGET:
            return "Mask for the free prompt (a PNG, transparent where to edit)", ""
        preset_id, _, number = target.rpartition("#")
        preset = self.app.ctx.catalog.get(preset_id)
        if number == MASK_SLOT:
            slot = next(s for s in preset.reference_slots if s.role == "mask")
            return f"{preset.title}: mask, {slot.id} (a PNG, transparent where to edit)", slot.description
        images = [s for s in preset.reference_slots if s.role != "mask"]
        slot = images[int(number) - 1]
        return f"{preset.title}: reference {number} of {len(images)}, {slot.id}", slot.description

    def key_delete(self) -> None:
        refs = self.query_one("#refs", OptionList)
        if self.focused is not refs or refs.highlighted_option is None:
            return
        target = refs.highlighted_option.id
        if target == PROMPT_TARGET:
            self.prompt_refs.clear()
        elif target == PROMPT_MASK_TARGET:
            self.prompt_mask = None
        elif target:
            preset_id, _, number = target.rpartition("#")
            if number == MASK_SLOT:
                self.slot_masks.pop(preset_id, None)
            else:
                self.slot_refs.pop((preset_id, int(number)), None)
        self.refresh_refs()

    # -- run ----------------------------------------------------------------------------------
    def _form(self):
        from screens.compose_checks import ComposeForm

        chosen = set(self.query_one("#presets", SelectionList).selected)
        quality = self.query_one("#quality", Select).value
        return ComposeForm(
            presets=[pid for pid in self.app.ctx.catalog.presets if pid in chosen],  # preset order, not click order
            prompt=self.query_one("#prompt", TextArea).text,
            checklist=self.query_one("#checklist", TextArea).text,
            prompt_refs=list(self.prompt_refs),
            slot_refs=dict(self.slot_refs),
            slot_masks=dict(self.slot_masks),
            prompt_mask=self.prompt_mask,
            size=self.query_one("#size", Input).value,
            aspect=self.query_one("#aspect", Input).value,
            quality=str(quality) if quality and quality != Select.BLANK else None,
            repeats=self.query_one("#repeats", Input).value,
            models=list(self.query_one("#models", SelectionList).selected),
            name=self.query_one("#name", Input).value,
            blind=self.query_one("#blind", Switch).value,
        )

    def action_run(self) -> None:
        from screens.compose_checks import check_form

        catalog = self.app.ctx.catalog
        slots = {p.id: [s.id for s in p.reference_slots if s.role != "mask"] for p in catalog.presets.values()}
        masks = {p.id: s.id for p in catalog.presets.values() for s in p.reference_slots if s.role == "mask"}
        spec, problems = check_form(self._form(), slots=slots, masks=masks)
        if spec is None:
            self._error(problems)
            return
        raw = self.query_one("#max-cost", Input).value.strip()
        try:
            cap = check_cap(raw, key="max cost") if raw else None
        except InputError as exc:
            self._error([f"Max cost: {exc.reason}"])
            return
        self._error([])
        self.create_session(spec, cap)

    @work(thread=True, exclusive=True, group="compose", description="Creating the session", exit_on_error=False)
    def create_session(self, spec, cap: float | None = None) -> None:
        from screens.compose_checks import in_tui_words
        from tui.core.budget import estimate_runs, refuse_above
        from tui.core.compose import MissingReferences, build_session

        ctx = self.app.ctx
        estimates: list[Any] = []

        def guard(session: Any) -> None:  # before the session is saved: a refusal leaves nothing
            estimates.append(estimate_runs(session, session.runs, ctx.registry))
            refuse_above(estimates[0], cap, where=COMPOSE_CAP + " above, or empty it")

        try:
            session = build_session(
                spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog, before_save=guard
            )
        except OverBudget as exc:
            self.app.call_from_thread(self._error, [f"Max cost: {exc}"])
            return
        except MissingReferences as exc:
            hint = "select its row under References and press enter (or ctrl+o), or untick the preset"
            self.app.call_from_thread(self._error, [f"References: {exc.needs}: {hint}"])
            return
        except InputError as exc:
            self.app.call_from_thread(self._error, [in_tui_words(exc)])
            return
        self.app.call_from_thread(self._started, session.id, cap, estimates[0].describe())

    def _started(self, session_id: str, cap: float | None = None, estimate: str = "") -> None:
        capped = f" (cap {usd(cap)})" if cap is not None else ""
        self.app.notify(plain(f"Estimated cost: {estimate}{capped}"), title="Spending", timeout=8)
        workbench(self).replace("run", session_id, max_cost=cap)

    def _error(self, problems: list[str]) -> None:
        """Every problem, one per line: under the form, and in a notification (the form may be scrolled away)."""
        listed = "\n".join(f"✗ {p}" for p in problems)
        self.query_one("#compose-error", Static).update(listed)
        if problems:
            self.notify(listed, title=f"Cannot run yet: {len(problems)} to fix", severity="error", timeout=12)

    def action_back(self) -> None:
        self.app.pop_screen()
