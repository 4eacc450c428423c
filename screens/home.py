"""Home: recent sessions, presets, new session."""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import MountError
from textual.widgets import DataTable, Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from tui.core.safe_text import visible
from tui.widgets.filling_table import FillingTable
from tui.widgets.safe import plain
from tui.widgets.screen_base import ScreenBase
from tui.widgets.title_bar import TitleBar
from tui.widgets.workbench import workbench

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tui.core.tallies import SessionSummary

PAGE = 300  # rows added at a time (at start, and as the cursor nears the end)
EMPTY_TITLE = "Sessions: none yet (n composes one)"
PRESET_HINT = "⏎ a new session with it"


def first_rows(terminal_lines: int) -> int:
    """The rows read before the first paint: a screenful (the table never shows more rows than the terminal has
    lines; each row more costs the first frame ~0.1 ms)."""
    return max(10, terminal_lines)


class _Row(NamedTuple):
    """One line of the table: from the index's plain columns (the first rows) or from a summary (the rest)."""

    id: str
    created: str
    name: str
    ok: int
    runs: int
    scores: int

    @classmethod
    def of(cls, h: SessionSummary) -> _Row:
        return cls(h.id, h.created_at, h.name, h.status.get("succeeded", 0), h.runs, h.scores)


class HomeScreen(ScreenBase, Screen[None]):
    HELP_TITLE = "Home"
    _shown: list[_Row] = []  # what the table holds, in order
    _all: list[SessionSummary] = []  # every session of the last listing, newest first
    _limit = 0  # how many rows the table has grown to (kept when the listing is refreshed)
    _peeked: list[_Row] = []  # the first screenful, read before the first paint
    _first = 30  # its length: a screenful of the terminal (on_mount)
    BINDINGS = [
        Binding("n", "new", "New", id="home.new", tooltip="New session"),
        Binding(
            "enter",
            "open",
            "Open",
            id="home.open",
            priority=True,
            tooltip="Open the session (a preset: new session with it)",
        ),  # before the table's own enter
        Binding("r", "results", "Results", id="home.results", tooltip="Results of the selected session"),
        Binding("e", "export", "Export", id="home.export", tooltip="Export the selected session as JSON"),
        Binding("k", "app.keys", "Keys", id="home.keys", tooltip="API keys"),
        Binding("p", "packet", "Rater", id="home.packet", show=False, tooltip="Export for a rater…: a blind packet"),
        Binding(
            "i", "import_scores", "Import", id="home.import", show=False, tooltip="Import…: scores, a packet, a bundle"
        ),
        Binding("g", "refresh", "Refresh", id="home.refresh", show=False, tooltip="Read the session list again"),
    ]

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="home-body"):
            with Vertical(id="sessions-pane", classes="pane"):
                yield Static("Sessions", id="sessions-title", classes="pane-title")
                yield FillingTable(id="sessions", cursor_type="row", zebra_stripes=True)
                yield Static("", id="session-errors", classes="warning")
            with Vertical(id="presets-pane", classes="pane"):
                yield Static("Presets", classes="pane-title")
                yield Static(PRESET_HINT, id="preset-detail")
        yield Static(id="footer-room")  # the footer's line, until the footer is mounted

    def on_mount(self) -> None:
        table = self.query_one("#sessions", FillingTable)
        # Fixed widths (auto widths kept whatever the table held first: the placeholder, or the header alone when
        # it was filled again under a dialog), but the name's follows the table: the counts stay on screen at 80x24.
        for label, width in (("Created", 16), ("Name", 32), ("Runs", 7), ("Scored", 6)):
            table.add_column(Text(label), width=width, key=label.lower())  # a Text: no markup parsed, no emoji table
        table.stretch("name", least=12)
        table.focus()
        # The first screenful read here, before the first paint: a few ms from the index's plain columns (no
        # rebuild, no check: the listing that follows checks every file and fills the rest).
        from tui.core.index_open import open_index

        self._first = first_rows(self.app.size.height)
        self._peeked = [_Row(r[0], r[1], r[2], r[5], r[6], r[7]) for r in open_index().peek(self._first) or ()]
        if self._peeked:
            self._fill(self._peeked)
        self.call_after_refresh(self._after_first_frame)

    async def _after_first_frame(self) -> None:
        # Mounted once the first rows are on screen (~10 ms sooner): what that frame shows empty anyway. The preset
        # list fills from a thread, and a footer shows its keys only once the screen's bindings are published.
        try:
            with self.app.batch_update():  # one frame later, the footer in its place: never a frame without either
                await self.mount(Footer())
                await self.query_one("#footer-room").remove()
                await self.query_one("#presets-pane").mount(OptionList(id="presets"), before="#preset-detail")
        except (MountError, NoMatches):
            if self.is_attached:
                raise
            return  # a quit came in between (ctrl+q as the first rows show): the screen is going, so is its DOM
        self.refresh_bindings()
        self._load_presets()

    @work(thread=True, group="home-presets", description="Reading the presets", exit_on_error=False)
    def _load_presets(self) -> None:
        # Off the UI thread: parsing every preset file (~20 ms) would hold up the first paint.
        options = [
            Option(Text("\n").join([plain(f"{p.id}  {'i2i' if p.mode == 'i2i' else 't2i'}"), plain(p.title)]), id=p.id)
            for p in self.app.ctx.catalog.presets.values()
        ]
        self.app.call_from_thread(self._show_presets, options)

    def _show_presets(self, options: list[Option]) -> None:
        if self.is_attached:
            self.query_one("#presets", OptionList).add_options(options)

    def on_screen_resume(self) -> None:
        # Also sent when the screen is first shown: the one listing at start (mounting does not list again),
        # started once the screen is painted (a thread started before would hold the GIL the first paint needs).
        self.call_after_refresh(self.load_sessions)

    @work(thread=True, exclusive=True, group="home-list", description="Listing sessions", exit_on_error=False)
    def load_sessions(self) -> None:
        # Without the first screenful from on_mount (no index yet, or one to rebuild): the rows as the index
        # holds them once it is open, then every session after every file has been checked against the index
        # (a session changed by another process, or edited by hand, shows then).
        store = self.app.ctx.store
        if not self._peeked:
            first = [_Row.of(h) for h in store.list(limit=self._first, fresh=False).sessions]
            if first and not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._show_first, first)
        listing = store.list(every_file=True)
        if get_current_worker().is_cancelled:
            return  # a newer listing is on its way: this one must not overwrite it
        if listing.notice:
            self.app.call_from_thread(self.notify, listing.notice, timeout=8)
        self.app.call_from_thread(self._show_sessions, listing.sessions, [str(e) for e in listing.errors])

    def _show_first(self, rows: list[_Row]) -> None:
        if self.is_attached:
            self._fill(rows)
            self._title()

    def _show_sessions(self, sessions: list[SessionSummary], errors: list[str]) -> None:
        if not self.is_attached:
            return  # the app is closing
        self._all = sessions
        self._fill([_Row.of(h) for h in sessions[: max(self._limit, min(len(sessions), PAGE))]])
        self._title()
        note = self.query_one("#session-errors", Static)
        note.update(
            plain(
                "\n".join(f"⚠ unreadable: {visible(e, one_line=True)}" for e in errors[:3])
                + (f"\n… and {len(errors) - 3} more" if len(errors) > 3 else ""),
                one_line=False,
            )
        )
        note.display = bool(errors)
        if not sessions:
            self._shown = []
            self.query_one("#sessions", DataTable).clear()
            # The hint goes in the title, which spans the pane: in a table row the Name column cut it at 80 columns.
            self.query_one("#sessions-title", Static).update(EMPTY_TITLE)

    def _fill(self, rows: list[_Row]) -> None:
        """The table shows ``rows``: what it already shows in the same order stays, the rest is added."""
        table = self.query_one("#sessions", DataTable)
        keep = table.cursor_row
        shown = self._shown
        if shown and shown == rows[: len(shown)]:
            new = rows[len(shown) :]  # the rest after the first screenful: add it, do not redraw it all
        else:
            table.clear()
            shown, new = [], rows
        for h in new:
            # Text, not str: a str cell is parsed as markup (and the first one loads Rich's emoji table, ~4 ms).
            table.add_row(
                Text(h.created[:16].replace("T", " ")), plain(h.name[:40]), Text(f"{h.ok}/{h.runs}"),
                Text(str(h.scores)), key=h.id,
            )  # fmt: skip
        self._shown = [*shown, *new]
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self._limit = max(self._limit, len(rows))

    def _title(self) -> None:
        total, shown = len(self._all), len(self._shown)
        more = f"  ({shown:,} of {total:,}: more as you scroll)" if shown < total else ""
        self.query_one("#sessions-title", Static).update(f"Sessions{more}")

    @on(DataTable.RowHighlighted, "#sessions")
    def _near_the_end(self, event: DataTable.RowHighlighted) -> None:
        # A DataTable of 10,000 rows costs seconds to build: rows come a page at a time, as the cursor gets there.
        if event.cursor_row >= len(self._shown) - 5 and len(self._shown) < len(self._all):
            self._fill([_Row.of(h) for h in self._all[: len(self._shown) + PAGE]])
            self._title()

    @property
    def session_id(self) -> str | None:
        """The selected session: what the palette's session commands act on."""
        return self._selected_session() if self.is_mounted else None

    def _selected_session(self) -> str | None:
        table = self.query_one("#sessions", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return None if key is None else str(key)

    def action_new(self, preset_id: str | None = None) -> None:
        workbench(self).open("compose", preset_ids=[preset_id] if preset_id else [])

    def action_open(self) -> None:
        if isinstance(presets := self.focused, OptionList):  # (not there until the first frame is up)
            option = presets.highlighted_option
            if option is not None:
                self.action_new(option.id)
            return
        if session_id := self._selected_session():
            workbench(self).open_session(session_id)

    @on(DataTable.RowSelected, "#sessions")
    def _row_selected(self) -> None:
        self.action_open()

    @on(OptionList.OptionHighlighted, "#presets")
    def _preset_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # A list line is cut to the pane's width: the whole title of the preset under the cursor is shown here.
        preset = self.app.ctx.catalog.presets.get(event.option.id or "")
        detail = self.query_one("#preset-detail", Static)
        detail.update(Text("\n").join([plain(preset.title), Text(PRESET_HINT)]) if preset else PRESET_HINT)

    @on(OptionList.OptionSelected, "#presets")
    def _preset_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_new(event.option.id)

    def action_results(self) -> None:
        if session_id := self._selected_session():
            workbench(self).open_session(session_id, screen="results")

    def action_refresh(self) -> None:
        self.load_sessions()

    def action_export(self) -> None:
        if session_id := self._selected_session():
            from screens.export_flow import export_session

            export_session(self.app, session_id)

    def action_packet(self) -> None:
        """Export for a rater…: a blind packet of the selected session for one rater's machine."""
        if session_id := self._selected_session():
            from screens.packet_flow import export_for_rater

            export_for_rater(self, session_id)

    def action_import_scores(self) -> None:
        """Import scores…: a rater's packet scores, a packet to score, an export or a bundle."""
        from screens.packet_flow import import_scores

        import_scores(self, into=None, then=self.load_sessions)
