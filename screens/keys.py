"""Keys: every provider's API key, masked, with where it comes from or the exact fix; set, remove, tighten."""

from __future__ import annotations

import warnings

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Static

from tui.core import credentials, paths
from tui.core.validation import InputError
from tui.widgets.safe import plain
from tui.widgets.screen_base import ScreenBase
from tui.widgets.title_bar import TitleBar
from tui.widgets.workbench import workbench


class KeyInput(ScreenBase, ModalScreen[str | None]):
    """Paste a key; it is never echoed (password field) and never shown again unmasked."""

    HELP_TITLE = "Key input"

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="keyinput.cancel")]

    def __init__(self, provider: str) -> None:
        super().__init__()
        self.provider = provider

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Static(f"{self.provider} API key (hidden; enter stores it, escape cancels)", classes="pane-title")
            yield Input(password=True, id="key-input")
            yield Static("", id="key-error", classes="error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        from tui.core.api_keys import check_key

        try:
            self.dismiss(check_key(self.provider, event.value))
        except InputError as exc:
            self.query_one("#key-error", Static).update(f"✗ {exc.reason}")

    def action_cancel(self) -> None:
        self.dismiss(None)


class KeysScreen(ScreenBase, Screen[None]):
    HELP_TITLE = "Keys"
    BINDINGS = [
        Binding(
            "s,enter", "set_key", "Set", id="keys.set", priority=True, tooltip="Set the highlighted provider's key"
        ),  # before the table's own enter
        Binding("d,delete", "remove_key", "Remove", id="keys.remove", tooltip="Remove the stored key (asks first)"),
        Binding("f", "fix", "Fix perms", id="keys.fix", tooltip="Make credentials.toml 600 and its folder 700"),
        Binding("escape", "back", "Back", id="keys.back", show=False, tooltip="Back"),
    ]

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("", id="keys-title")
        yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)
        yield Static("", id="keys-warning", classes="warning")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#keys", DataTable)
        table.add_columns("Provider", "Key", "From", "To make it available")
        self.refresh_rows()
        table.focus()

    def refresh_rows(self) -> None:
        from tui.core.api_keys import key_envs

        table = self.query_one("#keys", DataTable)
        keep = table.cursor_row
        table.clear()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                stored = credentials.load_stored()
            except InputError as exc:
                stored = {}
                self.notify(str(exc), title="Keys file unreadable", severity="error", timeout=10)
        for name, envs in key_envs().items():
            key = credentials.resolve(name, envs, stored)
            source = key.source or "missing"
            table.add_row(*(plain(cell) for cell in (name, key.masked, source, key.hint or "")), key=name)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        from tui.core.wording import file_mode

        file = paths.credentials_file()
        # The mode the file has now, not the one it should have: the warning below says when they differ.
        self.query_one("#keys-title", Static).update(
            f"Stored keys live in {file} ({file_mode(file)}). Environment variables win."
        )
        problem = credentials.permission_problem(file)
        notes = [str(w.message) for w in caught] or ([problem] if problem else [])
        self.query_one("#keys-warning", Static).update("\n".join(f"⚠ {n} (f fixes it)" for n in dict.fromkeys(notes)))

    def _selected(self) -> str | None:
        table = self.query_one("#keys", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _changed(self) -> None:
        # Models' availability depends on keys: rebuild the registry on next use.
        self.app.ctx.__dict__.pop("registry", None)
        self.refresh_rows()

    def action_set_key(self) -> None:
        provider = self._selected()
        if provider is None:
            return

        def store(value: str | None) -> None:
            if not value:
                return
            try:
                credentials.store_key(provider, value)
            except (OSError, InputError) as exc:
                self.notify(str(exc), title="Not stored", severity="error")
                return
            from tui.core.api_keys import key_envs

            shadow = credentials.env_overrides(key_envs().get(provider, ()))
            note = f" (${shadow[0]} is set and takes precedence)" if shadow else ""
            self.notify(f"{provider} key stored as {credentials.mask(value)}{note}", title="Key stored")
            self._changed()

        workbench(self).open("key_input", provider, callback=store)

    def action_remove_key(self) -> None:
        provider = self._selected()
        if provider is None:
            return
        try:
            with warnings.catch_warnings():  # the permission warning shows under the table already
                warnings.simplefilter("ignore")
                stored = credentials.load_stored()
        except InputError as exc:
            self.notify(str(exc), title="Keys file unreadable", severity="error", timeout=10)
            return
        if provider not in stored:
            self.notify(f"No stored {provider} key", severity="warning")
            return

        def remove(yes: bool | None) -> None:
            if not yes:
                return
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    removed = credentials.remove_key(provider)
            except (OSError, InputError) as exc:
                self.notify(str(exc), title="Not removed", severity="error")
                return
            if removed:
                self.notify(f"Removed the stored {provider} key")
            self._changed()

        workbench(self).open(
            "confirm",
            f"Remove the stored {provider} key?",
            f"It is deleted from {paths.credentials_file()}; an environment variable, if set, still works.",
            "remove it",
            callback=remove,
        )

    def action_fix(self) -> None:
        credentials.fix_permissions()
        self.notify("credentials.toml is 600 and its directory 700")
        self.refresh_rows()

    def action_back(self) -> None:
        self.app.pop_screen()
