"""Every subcommand's arguments, for argparse: the command lines ``fast_args`` does not take (and ``--help``)."""

from __future__ import annotations

import argparse

from tui import __version__
from tui.cli.exits import EXIT_REGRESSION, EXIT_USAGE, MAX_COST_HELP, one_line


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"imgbench: error: {one_line(message)} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="imgbench", description="Compare image-generation models fairly, in the terminal.")
    p.add_argument("--version", action="version", version=f"imgbench {__version__}")
    p.add_argument(
        "--preview",
        choices=["auto", "halfblock", "kitty", "sixel", "iterm"],
        help="how images are drawn (default: config, then auto-detect)",
    )
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    presets = sub.add_parser("presets", help="list benchmark presets")
    presets.add_argument("--json", action="store_true")

    models = sub.add_parser("models", help="list models and whether their key is available")
    models.add_argument("--json", action="store_true")
    models.add_argument(
        "--refresh",
        action="store_true",
        help="ask each provider with a key for its image models and cache the answer (the catalog keeps prices)",
    )

    run = sub.add_parser("run", help="run a benchmark headless; prints the session id")
    what = run.add_argument_group("what to run")
    what.add_argument(
        "--preset", action="append", default=[], metavar="ID", help="preset id, or a group such as tier-a (repeatable)"
    )
    what.add_argument("--prompt", action="append", default=[], metavar="TEXT", help="a free prompt (repeatable)")
    what.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="TEXT",
        help="a checklist item for the --prompt cases (repeatable; leading spaces: depends on the item above)",
    )
    what.add_argument(
        "--ref",
        action="append",
        default=[],
        metavar="[PRESET_ID[#N|#mask]=]FILE",
        help="reference image: FILE for a --prompt case, PRESET_ID=FILE or PRESET_ID#N=FILE for a slot, "
        "PRESET_ID#mask=FILE for the preset's edit mask",
    )
    what.add_argument(
        "--mask",
        metavar="FILE",
        help="edit mask for the --prompt cases: a PNG the size of the first --ref, transparent where to edit",
    )
    run.add_argument("--model", action="append", default=[], metavar="ID", help="provider:model (repeatable)")
    run.add_argument("--size", metavar="WxH")
    run.add_argument("--aspect", metavar="W:H")
    run.add_argument("--resolution", metavar="1K|2K|4K")
    run.add_argument("--quality", metavar="Q")
    run.add_argument("--repeat", type=int, default=1, metavar="N")
    run.add_argument("--name")
    run.add_argument("--concurrency", type=int, metavar="N")
    run.add_argument("--blind", action="store_true", help="mark the session for blind scoring")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    run.add_argument("--max-cost", metavar="USD", help=MAX_COST_HELP)

    sessions = sub.add_parser("sessions", help="list, export, import and resume sessions")
    ssub = sessions.add_subparsers(dest="sessions_command", required=True, parser_class=_Parser)
    sl = ssub.add_parser("list", help="list sessions, newest first")
    sl.add_argument("--json", action="store_true")
    sl.add_argument(
        "--check",
        action="store_true",
        help="compare every session file with the index (shows a file edited without imgbench at once)",
    )
    se = ssub.add_parser("export", help="write a session as one JSON document, a bundle, or a blind rater packet")
    se.add_argument("id")
    se.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    se.add_argument(
        "--bundle", metavar="FILE", help="one archive with the export and every image (for another machine)"
    )
    se.add_argument(
        "--for-rater",
        metavar="NAME",
        help="a blind packet for NAME to score on their machine: no model names, opaque ids (a bundle)",
    )
    si = ssub.add_parser(
        "import", help="import an export or bundle; merges scores into an existing session, or a rater's packet scores"
    )
    si.add_argument("file")
    si.add_argument("--into", metavar="ID", help="the session these scores must belong to (refused otherwise)")
    si.add_argument("--theirs", action="store_true", help="in a merge, the export's scores under your rater name win")
    sr = ssub.add_parser("resume", help="finish what a stopped run left (queued and interrupted runs)")
    sr.add_argument("id")
    sr.add_argument("--retry-failed", action="store_true", help="also run failed runs again")
    sr.add_argument("--quiet", "-q", action="store_true")
    sr.add_argument("--max-cost", metavar="USD", help=MAX_COST_HELP)

    sub.add_parser("locate", help="print the config, data and cache directories")

    keys = sub.add_parser("keys", help="set, list and remove API keys (stored 0600, shown masked)")
    ksub = keys.add_subparsers(dest="keys_command", required=True, parser_class=_Parser)
    kset = ksub.add_parser("set", help="store a key: prompts without echo, or reads one line from stdin")
    kset.add_argument("provider", metavar="PROVIDER")
    klist = ksub.add_parser("list", help="every provider's key: masked, and where it comes from, or the fix")
    klist.add_argument("--json", action="store_true")
    krm = ksub.add_parser("rm", help="remove a stored key")
    krm.add_argument("provider", metavar="PROVIDER")
    ksub.add_parser("fix-permissions", help="make the keys file 0600 and its directory 0700")

    sc = sub.add_parser("score", help="give verdicts headless (case number, slot letter), or list what to score")
    sc.add_argument("id")
    sc.add_argument("case", nargs="?", type=int, metavar="CASE", help="the case, numbered from 1 as listed")
    sc.add_argument("slot", nargs="?", metavar="SLOT", help="the output's slot letter (A, B, …)")
    sc.add_argument(
        "verdicts", nargs="*", metavar="VERDICT", help="ITEM=pass|fail|partial|na, or letters pfhn in checklist order"
    )
    sc.add_argument("--note", metavar="TEXT", help="a note on the output")
    sc.add_argument("--rater", metavar="NAME", help="score as NAME (default: the packet's rater, else config)")

    jd = sub.add_parser("judge", help="an AI judge scores every output's checklist (rater judge:PROVIDER:MODEL)")
    jd.add_argument("id")
    jd.add_argument(
        "--model",
        required=True,
        metavar="PROVIDER:MODEL",
        help="a vision model (openai:gpt-4.1-mini, gemini:gemini-2.5-flash, openrouter:…, an endpoint's); "
        "demo:pixels works offline",
    )
    jd.add_argument("--items", choices=["all", "unscored"], default="all", help="every item, or those not yet judged")
    jd.add_argument("--api", choices=["chat", "responses", "gemini", "demo"], help="wire format (default: provider's)")
    jd.add_argument("--max-cost", metavar="USD", help=MAX_COST_HELP)
    jd.add_argument("--quiet", "-q", action="store_true", help="errors only on stderr")

    ch = sub.add_parser("checks", help="(re)measure the machine checks of every output (OCR, aspect, size, preserve)")
    ch.add_argument("id")
    ch.add_argument("--json", action="store_true", help="the results with their evidence, as JSON")

    rep = sub.add_parser("report", help="a session's results as Markdown, JSON or HTML, or a contact sheet PNG")
    rep.add_argument("id")
    rep.add_argument("--format", choices=["md", "json", "html"], help="default: from -o's suffix, else md")
    rep.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    rep.add_argument("--rater", metavar="NAME", help="only this rater's scores (default: every rater)")
    rep.add_argument("--sheet", metavar="FILE.png", help="write a contact sheet PNG instead of a report")
    rep.add_argument("--thumb", type=int, default=224, metavar="PX", help="contact sheet thumbnail size")
    rep.add_argument(
        "--reveal",
        action="store_true",
        help="blind session you have not revealed: name the models (default: outputs by slot, no names)",
    )
    board = sub.add_parser("leaderboard", help="pass rates per model across every session's shared presets")
    board.add_argument("--json", action="store_true")
    board.add_argument("--rater", metavar="NAME", help="only this rater's scores")
    board.add_argument("--preset", action="append", default=[], metavar="ID", help="only these presets (repeatable)")

    cmp = sub.add_parser(
        "compare",
        help="CI gate: per model, the pass-rate change from BASELINE to NEW with a paired interval; "
        f"exit {EXIT_REGRESSION} on a regression",
    )
    cmp.add_argument("baseline", metavar="BASELINE", help="session id (or a unique prefix), or an exported JSON file")
    cmp.add_argument("new", metavar="NEW", help="session id (or a unique prefix), or an exported JSON file")
    cmp.add_argument(
        "--scorer", default="human", metavar="human|judge:PROVIDER:MODEL|checks", help="whose verdicts (default human)"
    )
    cmp.add_argument("--format", choices=["md", "json"], help="default: from -o's suffix, else md")
    cmp.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")

    pv = sub.add_parser("preview", help="print an image, or a session's outputs as a grid, in the terminal")
    pv.add_argument("target", metavar="FILE|SESSION_ID")
    pv.add_argument("--cols", type=int, metavar="N", help="width in cells (default: the terminal's)")
    pv.add_argument("--rows", type=int, metavar="N", help="height in cells (default: the terminal's)")
    pv.add_argument("--mode", choices=["auto", "halfblock", "kitty", "sixel", "iterm"], help="default: config")
    pv.add_argument("--colors", choices=["auto", "truecolor", "256", "16"], help="colour system (default: detect)")
    pv.add_argument("--blind", action="store_true", help="label a session's outputs A, B, C… instead of models")
    pv.add_argument(
        "--cache", action="store_true", help="a file outside the data dir: hash it and keep its thumbnail too"
    )
    return p
