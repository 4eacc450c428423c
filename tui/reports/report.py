"""A session's results as a report: Markdown (paste into a decision doc), JSON (for scripts) or HTML
(one self-contained file, inline CSS, every text escaped).

``report_data`` gathers the numbers once; ``report_tables`` (tui/report_tables.py) turns them into plain tables of
strings, which the Markdown and HTML renderers both print, so the two always say the same thing.
"""

from __future__ import annotations

import html
import json
from dataclasses import fields
from typing import Any, Literal

from tui import TOOL_NAME, __version__
from tui.core.model import Session
from tui.core.safe_text import json_text, visible
from tui.core.store import Store
from tui.core.wording import count
from tui.reports.judge_tables import judge_data
from tui.reports.report_tables import report_tables
from tui.scoring.agreement import agreement
from tui.scoring.blind import slot_view, slots
from tui.scoring.bradley_terry import MIN_VOTES, bradley_terry
from tui.scoring.paired import ALPHA, MIN_CASES, paired_comparisons
from tui.scoring.position import position_report
from tui.scoring.raters import view_for
from tui.scoring.stats import counted, latest_scores, raters
from tui.scoring.summary import results

Format = Literal["md", "json", "html"]

DEFINITIONS = {
    "pass_rate": "checklist verdicts: pass = 1, partial = 1/2, fail = 0, na left out; a child item fails when "
    "its parent fails. A unit (one item of one run) is first averaged over its raters, then units are pooled. "
    "The 95 % interval is a cluster bootstrap over cases (prompts), runs resampled within cases, with a "
    "small-sample t correction: it is wide with few cases because few prompts say little about the next one.",
    "wilson": "The Wilson interval beside it is what the units would give if they were independent; they are "
    "not (items of one image and images of one prompt move together), so it is too narrow: do not decide on it.",
    "passing_image": "an output of a succeeded run whose checklist is complete and whose every item was passed by "
    "the majority of the raters who scored it (a tie is not a pass); runs scored only in part are 'incomplete'.",
    "strict_pass": "passing images / completely scored outputs, with the cluster interval over cases.",
    "cost_per_passing_image": "cost of the scored succeeded runs whose cost is known / their passing images "
    "(– when unknown); the last column adds what failed runs with a known cost were billed.",
    "latency": "p95 is shown only from 20 or more runs; with fewer the column shows the maximum, with n.",
    "refused": "failed runs whose error kind is content_policy; 'failed' counts the other failures.",
    "kappa": "On the raw verdicts, before the parent rule (a child forced to fail would agree for free). "
    "Cohen's kappa for two raters, Fleiss' kappa for more, over units every rater scored; above 0.6 is "
    "usually read as substantial agreement, below 0.4 as weak. Krippendorff's alpha (nominal) takes every "
    "unit two or more raters judged; 0.667 is the usual floor for tentative conclusions, 0.8 for firm ones. "
    "Weighted kappa (linear) and ordinal alpha know that partial sits between fail and pass, so a pass/partial "
    "split costs half a pass/fail one. Per item the agreement has a 95 % interval over that item's runs; with "
    "a handful of runs it is wide, and kappa on an item nearly everyone passes is unstable (use percent).",
    "paired": "over the cases both models were judged on, each case weighing the same (its repeats and raters "
    "averaged first): the difference in pass rate in points, its 95 % paired cluster-bootstrap interval, and a "
    "sign-flip permutation p over cases, Holm-adjusted across all pairs; 'better' means adjusted p < "
    f"{ALPHA:g}. Fewer than {MIN_CASES} shared cases cannot show a difference at all. 'Cases for 80% power': "
    "how many more shared cases it would take to tell the two apart if the difference seen were real "
    "(unadjusted 0.05, normal approximation). McNemar's exact test on (case, item) units is shown only when "
    "every shared case has one repeat per model; it treats items of one prompt as independent, so read it "
    "as a secondary figure.",
    "position": "blind verdicts by the slot the output was shown in (the order is shuffled per case). 'vs models' "
    "is the mean of (verdict - that model's own blind pass rate), in points: a slot well above 0 is favoured "
    "whatever the model. Left/right: blind preferences for the left output against the right one, with an "
    "exact binomial p against an even split.",
    "bradley_terry": f"Elo-like scale (1000 = average), fitted to convergence (Newton); ties and both-bad count as "
    "half a win each; 95 % intervals from the observed information (1.96 standard errors); a model ranks below "
    f"another only when the other's lower bound is above its upper bound; fewer than {MIN_VOTES} votes for a "
    "model is marked low confidence.",
}


NAMES_HIDDEN = (
    "Blind, not revealed: each output is shown by its slot (A, B… shuffled per case, as in Review); model names, "
    "latency, attempts and cost are left out."
)


def report_data(session: Session, *, store: Store, rater: str | None = None, by_slot: bool = False) -> dict[str, Any]:
    """Everything the report shows, as plain JSON-ready data (rates are 0..1, times in ms, cost in USD).

    ``by_slot`` (a blind session whose names are still hidden from the reader): every figure is by the slot the
    outputs were shown in, and nothing that names or hints at a model is in the data (``slot_view``).

    The people's figures leave AI judges out (a judge named as ``rater`` is shown on its own); each judge gets its
    pass rates beside them, and how far it agrees with each person (``judge_data``)."""
    blind = session.blind
    if by_slot and blind:
        session = slot_view(session)
    full = session
    session = view_for(session, rater)
    who = raters(session)
    obs = counted(session, rater)
    res = results(session, rater, obs)
    paired = paired_comparisons(session, rater, obs)
    position = position_report(session, rater, obs)
    agree = agreement(session) if rater is None else None
    bt = bradley_terry(session, rater=rater) if session.preferences else None
    slot_of = {r.id: label for c in session.cases for label, r in slots(session, c.id)} if session.blind else {}
    disagreements = []
    for d in agree.disagreements if agree else []:
        row = {f.name: getattr(d, f.name) for f in fields(d)}
        row["slot"] = slot_of.get(d.run_id)  # blind sessions: the letter raters saw, to find it in Review
        disagreements.append(row)
    return {
        "tool": {"name": TOOL_NAME, "version": __version__},
        "session": {
            "id": session.id,
            "name": session.name,
            "created_at": session.created_at,
            "blind": blind,
            "names_hidden": by_slot and blind,
            "models": list(session.models),
            "cases": len(session.cases),
            "runs": len(session.runs),
            "raters": who,
            "rater": rater,
            "duplicate_scores_dropped": latest_scores(session.scores)[1],
            "directory": str(store.session_dir(session.id)),
        },
        "models": [s.to_dict() for s in res.models],
        "categories": {cat: {m: r.to_dict() for m, r in by_model.items()} for cat, by_model in res.categories.items()},
        "items": [
            {
                "case_id": row.case_id,
                "case": row.case_label,
                "item": row.item_id,
                "criterion": row.criterion,
                "parent": row.parent,
                "rates": {m: r.to_dict() for m, r in row.rates.items()},
            }
            for row in res.items
        ],
        "agreement": None
        if agree is None
        else {
            "raters": agree.raters,
            "overall": agree.overall.to_dict(),
            "per_pair": {k: f.to_dict() for k, f in agree.per_pair.items()},
            "per_item": {k: f.to_dict() for k, f in agree.per_item.items()},
            "disagreements": disagreements,
            "duplicates_dropped": agree.duplicates_dropped,
            "na_policy": agree.na_policy,
        },
        "paired": [c.to_dict() for c in paired],
        "position": position.to_dict() if position is not None else None,
        "bradley_terry": bt.to_dict() if bt is not None else None,
        "definitions": DEFINITIONS,
        **judge_data(full, rater),
    }


def _title(data: dict[str, Any]) -> tuple[str, str]:
    s = data["session"]
    sub = (
        f"Session {s['id']} · {s['created_at'][:16].replace('T', ' ')} · {count(s['cases'], 'case')} × "
        f"{count(len(s['models']), 'model')} · raters: {', '.join(s['raters']) or 'none yet'}"
        + (f" · showing rater {s['rater']}" if s["rater"] else "")
        + (" · blind" if s["blind"] else "")
    )
    if s.get("names_hidden"):
        sub += f". {NAMES_HIDDEN}"
    return s["name"] or s["id"], sub


# -- renderers -------------------------------------------------------------------------------------
def render_markdown(data: dict[str, Any]) -> str:
    title, sub = _title(data)
    out = [f"# {_md(title)}", "", _md(sub), ""]
    for t in report_tables(data):
        out += [f"## {_md(t.title)}", ""]
        if not t.rows:
            out += ["(none)", ""]
            continue
        out.append("| " + " | ".join(_md(h) for h in t.headers) + " |")
        out.append("|" + "|".join("---" for _ in t.headers) + "|")
        out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in t.rows]
        out.append("")
        if t.note:
            out += [f"_{_md(t.note)}_", ""]
    out.append(f"_{TOOL_NAME} {__version__}_")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """Table-safe Markdown: pipes and newlines would break the table, * _ ` would start emphasis or code,
    < an HTML tag. Brackets stay: "[48–74]" is not followed by "(", so it never becomes a link."""
    text = str(text).replace("\\", "\\\\").replace("\r", " ").replace("\n", " ")
    for ch in "|*_`<":
        text = text.replace(ch, "\\" + ch)
    return text


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;
padding:0 1em;color:#1d1d1f;background:#fff}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #ddd}
.sub{color:#666}table{border-collapse:collapse;margin:.6em 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f6}tr:nth-child(even) td{background:#fafafa}.note{color:#666;font-size:.9em}
.low{color:#a15c00;font-weight:600}footer{margin-top:2em;color:#999;font-size:.85em}
@media (prefers-color-scheme:dark){body{background:#161618;color:#e8e8ea}th{background:#26262a}
tr:nth-child(even) td{background:#1d1d20}th,td{border-color:#3a3a3e}}
"""


def render_html(data: dict[str, Any]) -> str:
    esc = html.escape
    title, sub = _title(data)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)} · {TOOL_NAME} report</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="sub">{esc(sub)}</p>',
    ]
    for t in report_tables(data):
        cls = ' class="low"' if "LOW CONFIDENCE" in t.title else ""
        parts.append(f"<h2{cls}>{esc(t.title)}</h2>")
        if not t.rows:
            parts.append("<p>(none)</p>")
            continue
        parts.append("<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in t.headers) + "</tr></thead><tbody>")
        parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in t.rows]
        parts.append("</tbody></table>")
        if t.note:
            parts.append(f'<p class="note">{esc(t.note)}</p>')
    parts.append(f"<footer>{esc(TOOL_NAME)} {esc(__version__)}</footer></body></html>")
    return "\n".join(parts) + "\n"


def render_report(
    session: Session, fmt: Format = "md", *, store: Store, rater: str | None = None, by_slot: bool = False
) -> str:
    """The session's report as Markdown, JSON or self-contained HTML text (``by_slot``: see ``report_data``)."""
    # Reports are read in terminals too (`cat report.md`): every stored string in them is shown, never sent raw.
    data = report_data(session, store=store, rater=rater, by_slot=by_slot)
    if fmt == "json":
        return json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
    if fmt == "html":
        return visible(render_html(data))
    if fmt == "md":
        return visible(render_markdown(data))
    raise ValueError(f"unknown report format {fmt!r} (md, json or html)")
