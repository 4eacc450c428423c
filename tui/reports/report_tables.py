"""A report's numbers as plain tables of strings: what the Markdown and HTML reports print and the Results screen
shows, so all three always say the same thing."""

from __future__ import annotations

from typing import Any

from tui.reports.cells import Table, _kappa, _num, ms, pct, rate_cell, usd
from tui.reports.judge_tables import judge_tables

__all__ = ["Table", "_num", "ms", "pct", "rate_cell", "report_tables", "usd"]


def report_tables(data: dict[str, Any]) -> list[Table]:
    models = [m["model"] for m in data["models"]]
    tables = [
        Table(
            "Per model",
            [
                *("Model", "Pass rate [95% CI]", "Cases", "Units", "Wilson (if independent)"),
                *("Strict pass [95% CI]", "Passing images", "Incomplete"),
            ],
            [
                [
                    m["model"],
                    _interval(m["pass_rate"], m["pass_low"], m["pass_high"]),
                    str(m.get("cases", 0)),
                    f"{_num(round(m['items_passed'], 2))}/{m['units']}",
                    _bounds(m.get("pass_wilson_low"), m.get("pass_wilson_high")),
                    _interval(m["strict_pass_rate"], m["strict_low"], m["strict_high"]),
                    f"{m['passing_images']}/{m['outputs_scored']}",
                    str(m.get("outputs_incomplete", 0)),
                ]
                for m in data["models"]
            ],
            " ".join(
                [
                    data["definitions"]["pass_rate"],
                    "Passing image: " + data["definitions"]["passing_image"],
                    data["definitions"]["wilson"],
                    _duplicates(data),
                ]
            ).strip(),
        ),
        Table(
            "Per category",
            ["Category", *models],
            [[cat, *(rate_cell(by.get(m, {})) for m in models)] for cat, by in data["categories"].items()],
        ),
        Table(
            "Per checklist item",
            ["Case", "Item", "Criterion", *models],
            [
                [row["case"], row["item"] + (f" (← {row['parent']})" if row["parent"] else ""), row["criterion"]]
                + [rate_cell(row["rates"].get(m, {})) for m in models]
                for row in data["items"]
            ],
        ),
        Table(
            "Providers",
            [
                *("Model", "Runs", "OK", "Refused", "Failed", "Pending", "Success [95% CI]"),
                *("Attempts", "p50", "p95 (n ≥ 20) or max", "TTFB p50", "Errors"),
            ],
            [
                [
                    m["model"],
                    str(m["runs"]),
                    str(m["succeeded"]),
                    str(m["refused"]),
                    str(m["failed"] - m["refused"]),
                    str(m["pending"]),
                    _interval(m["success_rate"], m["success_low"], m["success_high"]),
                    str(m["attempts"]),
                    ms(m["median_latency_ms"]),
                    _tail(m),
                    ms(m["p50_ttfb_ms"]),
                    ", ".join(f"{k} {v}" for k, v in sorted(m["errors"].items())) or "–",
                ]
                for m in data["models"]
            ],
            data["definitions"]["refused"] + " " + data["definitions"]["latency"],
        ),
        Table(
            "Cost",
            ["Model", "Total", "Per image", "Per passing image", "Per passing image, failed runs' spend included"],
            [
                [
                    m["model"],
                    usd(m["cost_usd"]),
                    usd(m["cost_per_image"]),
                    usd(m["cost_per_passing_image"]),
                    usd(m.get("cost_per_passing_image_all_in")),
                ]
                for m in data["models"]
            ],
            data["definitions"]["cost_per_passing_image"],
        ),
    ]
    agree = data.get("agreement")
    if agree:
        scopes = [("overall", agree["overall"])]
        scopes += [(f"pair {k}", f) for k, f in agree["per_pair"].items()]
        labels = {f"{row['case_id']}/{row['item']}": f"{row['case']} / {row['item']}" for row in data["items"]}
        scopes += [(f"item {labels.get(k, k)}", f) for k, f in agree["per_item"].items()]
        tables.append(
            Table(
                f"Agreement ({', '.join(agree['raters'])})",
                [
                    *("Scope", "Units", "Agreement [95% CI]", "Kappa", "Krippendorff α"),
                    *("Weighted κ (linear)", "Ordinal α"),
                ],
                [
                    [
                        s,
                        str(f["units"]),
                        " ".join(
                            filter(None, [pct(f["percent"]), _bounds(f.get("percent_low"), f.get("percent_high"), "")])
                        ),
                        f"{_kappa(f['kappa'])} ({f['method']})",
                        f"{_kappa(f['alpha'])} ({f['alpha_units']} units)",
                        _kappa(f.get("weighted_kappa")),
                        f"{_kappa(f.get('ordinal_alpha'))} ({f.get('ordinal_units', 0)} units)",
                    ]
                    for s, f in scopes
                ],
                _agreement_note(data, agree),
            )
        )
        tables.append(
            Table(
                f"Disagreements to discuss ({len(agree['disagreements'])})",
                ["Case", "Output", "Item", "Criterion", *agree["raters"]],
                [
                    [
                        d["case_label"],
                        (f"{d['slot']} = " if d["slot"] else "") + d["model"],
                        d["item_id"],
                        d["criterion"],
                        *(d["verdicts"].get(r, "–") for r in agree["raters"]),
                    ]
                    for d in agree["disagreements"]
                ],
            )
        )
    if data.get("paired"):
        tables.append(
            Table(
                "Paired (A vs B on shared cases)",
                [
                    *("A vs B", "Reading", "Difference [95% CI]", "p (Holm)", "p", "Shared cases"),
                    *("Cases for 80% power", "A", "B", "McNemar p (1 repeat)"),
                ],
                [
                    [
                        f"{c['a']} vs {c['b']}",
                        c["reading"],
                        f"{_points(c['difference'])} [{_points(c['low'])}, {_points(c['high'])}]",
                        _p(c["p_holm"]),
                        _p(c["p_value"]),
                        str(c["cases"]),
                        c["more_cases"],
                        pct(c["rate_a"]),
                        pct(c["rate_b"]),
                        _mcnemar(c["mcnemar"]),
                    ]
                    for c in data["paired"]
                ],
                data["definitions"]["paired"],
            )
        )
    position = data.get("position")
    if position:
        rows = [[s["slot"], str(s["scored"]), rate_cell(s), _points(s["vs_models"])] for s in position["slots"]]
        sides = position["preferences"]
        if sides:
            rows.append(
                [
                    "left vs right (preferences)",
                    str(sides["left"] + sides["right"] + sides["ties"]),
                    f"left {sides['left']}, right {sides['right']}, tie/both bad {sides['ties']}",
                    f"left share {pct(sides['left_share'])}, p {_p(sides['p_value'])}",
                ]
            )
        tables.append(
            Table(
                "Position (blind)",
                ["Slot", "Verdicts", "Pass rate [Wilson, as if units were independent]", "vs models"],
                rows,
                data["definitions"]["position"],
            )
        )
    bt = data.get("bradley_terry")
    if bt and bt["ratings"]:
        tables.append(
            Table(
                "Preferences (Bradley–Terry)"
                + (" — LOW CONFIDENCE" if bt["low_confidence"] else "")
                + ("" if bt.get("converged", True) else " — NOT CONVERGED")
                + ("" if bt.get("connected", True) else " — DISCONNECTED"),
                ["Rank", "Model", "Rating [95% CI]", "Votes", "W-L-T", "Confidence"],
                [
                    [
                        str(r["rank"]),
                        r["model"],
                        f"{r['rating']:.0f} [{r['low']:.0f}–{r['high']:.0f}]",
                        str(r["votes"]),
                        f"{r['wins']}-{r['losses']}-{r['ties']}",
                        f"low (< {bt['min_votes']} votes)" if r["low_confidence"] else "ok",
                    ]
                    for r in bt["ratings"]
                ],
                " ".join([data["definitions"]["bradley_terry"], *bt.get("notes", [])]),
            )
        )
    tables += judge_tables(data)
    return _without_speed_and_cost(tables) if data.get("session", {}).get("names_hidden") else tables


# Columns and tables that hint at a provider (speed, retries, price): left out while blind names are hidden.
# By the start of the header, so a header's wording can change ("p95 (n ≥ 20) or max") without a leak.
_SPEED_COLUMNS = ("Attempts", "p50", "p95", "TTFB", "Latency", "Cost", "Spend")


def _without_speed_and_cost(tables: list[Table]) -> list[Table]:
    out = []
    for table in tables:
        if table.title == "Cost":
            continue
        keep = [i for i, h in enumerate(table.headers) if not h.startswith(_SPEED_COLUMNS)]
        headers = ["Slot" if table.headers[i] == "Model" else table.headers[i] for i in keep]
        title = "Per slot" if table.title == "Per model" else table.title
        out.append(Table(title, headers, [[row[i] for i in keep] for row in table.rows], table.note))
    return out


def _points(value: float | None) -> str:
    if value is None:
        return "–"
    points = round(value * 100)
    return f"{points:+d} pts"  # rounded first: a small negative is "+0 pts", never "-0 pts"


def _duplicates(data: dict[str, Any]) -> str:
    n = data.get("session", {}).get("duplicate_scores_dropped", 0)
    return f"{n} older duplicate score(s) of one rater for one run were not counted (the latest counts)." if n else ""


def _agreement_note(data: dict[str, Any], agree: dict[str, Any]) -> str:
    note = f"{data['definitions']['kappa']} Policy: {agree.get('na_policy', '')}."
    if agree.get("duplicates_dropped"):
        note += f" {agree['duplicates_dropped']} older duplicate score(s) of one rater for one run not counted."
    return note


def _mcnemar(m: dict[str, Any] | None) -> str:
    if not m:
        return "–"
    return f"{_p(m['p_value'])} ({m['a_only']} A only, {m['b_only']} B only, {m['mixed']} mixed)"


def _p(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _tail(m: dict[str, Any]) -> str:
    """The latency tail with its n: a p95 from 20 or more values, else the maximum, said so."""
    if m["p95_latency_ms"] is None:
        return "–"
    n = m.get("latency_n", 0)
    label = "max" if m.get("latency_tail") == "max" else "p95"
    return f"{label} {ms(m['p95_latency_ms'])} (n={n})"


def _bounds(low: float | None, high: float | None, missing: str = "–") -> str:
    return missing if low is None or high is None else f"[{low * 100:.0f}–{high * 100:.0f}]"


def _interval(rate: float | None, low: float | None, high: float | None) -> str:
    if rate is None or low is None or high is None:
        return "–"
    return f"{pct(rate)} [{low * 100:.0f}–{high * 100:.0f}]"
