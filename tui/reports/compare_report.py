"""``imgbench compare`` as Markdown for a pull-request comment, or JSON for a script.

Every stored string (model ids, session names, criteria) is escaped for a Markdown table and shown, never sent
raw, since the comment is read in a browser and the output in a terminal (``cat compare.md``).
"""

from __future__ import annotations

import json
from typing import Any

from tui import TOOL_NAME, __version__
from tui.core.safe_text import json_text, visible
from tui.reports.report import _md
from tui.reports.report_tables import pct
from tui.scoring.compare import Comparison, ModelChange
from tui.scoring.paired import MIN_CASES

ITEM_ROWS = 15  # per model in a comment; the JSON has every item
MARKS = {"regression": "❌ regression", "improved": "✅ improved", "no clear change": "➖ no clear change"}
HOW = (
    f"Change = new − baseline pass rate over the cases both sessions judged, each case weighing the same; "
    f"95 % paired cluster-bootstrap interval over shared cases (repeats within them, small-sample t). "
    f"A regression is an interval wholly below 0 with at least {MIN_CASES} shared cases; fewer cannot show one."
)


def _cell(text: object) -> str:
    # Plain escaped text, never a code span: inside one a backslash is literal, so a ` in a name would end it.
    return _md(visible(str(text), one_line=True))


def _signed(value: float) -> str:
    points = round(value * 100)
    return f"{points:+d}" if points else "±0"  # never "-0"


def _points(value: float | None) -> str:
    return "–" if value is None else f"{_signed(value)} pts"


def _change(m: ModelChange) -> str:
    p = m.paired
    if p is None:
        return "–"
    return f"{_points(p.difference)} [{_signed(p.low)}, {_signed(p.high)}]"


def _reading(m: ModelChange) -> str:
    return MARKS.get(m.reading, f"⚠️ {m.reading}")


def _rate(rate: dict[str, Any]) -> str:
    if rate.get("rate") is None:
        return "–"
    return f"{pct(rate['rate'])} [{rate['low'] * 100:.0f}–{rate['high'] * 100:.0f}]"


def render_markdown(c: Comparison) -> str:
    base, new = c.baseline, c.new
    verdict = (
        f"**{len(c.regressions)} model(s) regressed:** {', '.join(_cell(m) for m in c.regressions)}"
        if c.regressions
        else "**No model regressed.**"
    )
    raters = "; ".join(f"{side}: {', '.join(names)}" for side, names in c.raters.items())
    out = [
        f"### {TOOL_NAME} compare: {_cell(base.name or base.id)} → {_cell(new.name or new.id)}",
        "",
        verdict,
        "",
        f"Baseline `{_cell(base.id)}` · new `{_cell(new.id)}` · scorer {_cell(c.scorer)} ({_cell(raters)})",
        "",
        "| model | shared cases | baseline | new | change [95% CI] | reading |",
        "|---|---:|---:|---:|---|---|",
    ]
    for m in c.models:
        p = m.paired
        rates = (pct(p.rate_b), pct(p.rate_a)) if p else ("–", "–")
        out.append(f"| {_cell(m.model)} | {m.cases} | {rates[0]} | {rates[1]} | {_change(m)} | {_cell(_reading(m))} |")
    out += ["", f"_{_cell(HOW)}_", ""]
    for note in c.notes:
        out += [f"- {_cell(note)}"]
    if c.notes:
        out.append("")
    for m in c.models:
        moved = sorted((i for i in m.items if i.change != 0), key=lambda i: (i.change is None, i.change or 0.0))
        if not moved:
            continue
        dropped = sum(1 for i in m.items if i.dropped)
        summary = f"{_cell(m.model)}: {len(moved)} of {len(m.items)} checklist item(s) changed" + (
            f", {dropped} dropped beyond their intervals" if dropped else ""
        )
        out += [
            f"<details><summary>{summary}</summary>",
            "",
            "| case | item | criterion | baseline | new | change |",
            "|---|---|---|---:|---:|---|",
        ]
        for i in moved[:ITEM_ROWS]:
            mark = " ⬇️ dropped" if i.dropped else ""
            row = [i.case_label, i.item_id, i.criterion, _rate(i.baseline.to_dict()), _rate(i.new.to_dict())]
            out.append("| " + " | ".join(_cell(x) for x in row) + f" | {_points(i.change)}{mark} |")
        if len(moved) > ITEM_ROWS:
            out += ["", f"… and {len(moved) - ITEM_ROWS} more (every item: `--format json`)"]
        out += ["", "</details>", ""]
    out.append(f"_{TOOL_NAME} {_cell(__version__)}_")
    return "\n".join(out) + "\n"


def render_json(c: Comparison) -> str:
    data = {"tool": {"name": TOOL_NAME, "version": __version__}, **c.to_dict()}
    return json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
