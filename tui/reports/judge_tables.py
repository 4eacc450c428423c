"""AI judges and machine checks in a report: the judges' own pass rates beside the people's, and whether each
judge and each kind of check can be trusted here (its agreement with each person per item, category and overall,
items below the threshold flagged)."""

from __future__ import annotations

from typing import Any

from tui.core.model import VERDICTS, Session
from tui.core.wording import count
from tui.reports.cells import Table, _kappa, pct, rate_cell
from tui.scoring.raters import check_names, judge_names
from tui.scoring.summary import results
from tui.scoring.trust import MIN_UNITS, THRESHOLD, trust

TRUST_NOTE = (
    "Each AI judge against each person, on the items both judged (raw verdicts, before the parent rule; items the "
    "judge did not ask because their parent failed are left out). Kappa is Cohen's, n/a a verdict like the others; "
    "its 95 % interval is a percentile bootstrap over outputs. Confusion: person's verdict / judge's verdict, count. "
    f"Flagged: kappa below {THRESHOLD:.2f}, its interval reaching 0, undefined, or fewer than {MIN_UNITS} units: "
    "do not let the judge "
    "decide that item alone. A demo judge computes its verdicts from the pixels and has no opinion at all."
)
CHECKS_NOTE = (
    "Each kind of machine check against each person, on the items both judged: the check's pass / fail on the "
    "image the run shows now (a result of a replaced image, or one that could not measure, is left out). A check "
    "says pass or fail only, so a person's partial or n/a counts as a disagreement. Kappa is Cohen's, its 95 % "
    "interval a percentile bootstrap over outputs. Confusion: person's verdict / check's outcome, count. "
    f"Flagged: kappa below {THRESHOLD:.2f}, its interval reaching 0, undefined, or fewer than {MIN_UNITS} units: "
    "the check's threshold or its strings may not fit what people look for there."
)
JUDGES_NOTE = (
    "Pass rates from each judge's verdicts alone (the people's figures above leave every judge out). "
    "A demo judge is a stand-in from the pixels, not a model."
)
SHORT = {"pass": "pass", "fail": "fail", "partial": "part", "na": "n/a"}


def judge_data(session: Session, rater: str | None) -> dict[str, Any]:
    """The judges' and checks' part of ``report_data``: empty when neither scored (or one rater was asked for)."""
    judges = judge_names(session)
    if rater is not None or not (judges or check_names(session)):
        return {"judges": {}, "trust": []}
    demo = {s.rater for s in session.scores if s.judge is not None and s.judge.demo}
    out: dict[str, Any] = {}
    for judge in judges:
        res = results(session, judge)
        out[judge] = {
            "demo": judge in demo,
            "models": {
                m.model: {
                    "pass": m.pass_interval.to_dict(),
                    "strict_pass_rate": m.strict_pass_rate,
                    "outputs_scored": m.outputs_scored,
                }
                for m in res.models
            },
        }
    return {"judges": out, "trust": [t.to_dict() for t in trust(session)]}


def confusion_cell(table: list[list[int]]) -> str:
    cells = [
        f"{SHORT[a]}/{SHORT[b]} {table[i][j]}"
        for i, a in enumerate(VERDICTS)
        for j, b in enumerate(VERDICTS)
        if table[i][j]
    ]
    return " · ".join(cells) or "–"


def _kappa_cell(f: dict[str, Any]) -> str:
    if f["kappa"] is None:
        return "–"
    if f["kappa_low"] is None:
        return _kappa(f["kappa"])
    return f"{_kappa(f['kappa'])} [{_kappa(f['kappa_low'])}, {_kappa(f['kappa_high'])}]"


def _people_rate(m: dict[str, Any]) -> dict[str, Any]:
    return {"scored": m["items_scored"], "rate": m["pass_rate"], "low": m["pass_low"], "high": m["pass_high"],
            "units": m["units"]}  # fmt: skip


def _label(judge: str, judges: dict[str, Any]) -> str:
    return judge + (" (demo)" if judges.get(judge, {}).get("demo") else "")


def judge_tables(data: dict[str, Any]) -> list[Table]:
    judges: dict[str, Any] = data.get("judges") or {}
    tables = []
    if judges:
        models = [m["model"] for m in data["models"]]
        people = {m["model"]: m for m in data["models"]}
        tables.append(
            Table(
                "Judges: pass rate per model",
                ["Model", "People [95% CI]", *(_label(j, judges) for j in judges)],
                [
                    [
                        model,
                        rate_cell(_people_rate(people[model])),
                        *(rate_cell(judges[j]["models"].get(model, {}).get("pass", {})) for j in judges),
                    ]
                    for model in models
                ],
                JUDGES_NOTE,
            )
        )
    entries = data.get("trust") or []
    for kind, title, who, note in (
        ("judge", "Can the judge be trusted here?", "Judge vs person", TRUST_NOTE),
        ("check", "Can the machine checks be trusted here?", "Check vs person", CHECKS_NOTE),
    ):
        mine = [e for e in entries if e.get("kind", "judge") == kind]
        if mine:
            tables.append(_trust_table(mine, data, judges, title, who, note))
    return tables


def _trust_table(
    entries: list[dict[str, Any]], data: dict[str, Any], judges: dict[str, Any], title: str, who: str, note: str
) -> Table:
    labels = {f"{row['case_id']}/{row['item']}": (f"{row['case']} / {row['item']}", row) for row in data["items"]}
    rows = []
    for entry in entries:
        pair = f"{_label(entry['scorer'], judges)} vs {entry['human']}"
        scopes = [("overall", entry["overall"])]
        scopes += [(f"category {c}", f) for c, f in entry["per_category"].items()]
        ordered = [k for k in labels if k in entry["per_item"]] + [k for k in entry["per_item"] if k not in labels]
        scopes += [(f"item {labels.get(k, (k,))[0]}", entry["per_item"][k]) for k in ordered]
        for scope, f in scopes:
            rows.append(
                [
                    pair,
                    scope,
                    str(f["units"]),
                    pct(f["percent"]),
                    _kappa_cell(f),
                    confusion_cell(f["confusion"]),
                    f"⚑ {f['flag']}" if f["flag"] else "ok",
                ]
            )
    flagged = sum(1 for r in rows if r[1].startswith("item ") and r[-1] != "ok")
    scorer = who.split(" vs ")[0].lower()
    return Table(
        f"{title} ({count(flagged, 'item')} flagged)",
        [who, "Scope", "Units", "Agreement", "Kappa [95% CI]", f"Confusion (person/{scorer})", "Trust"],
        rows,
        note,
    )
