"""Mutation testing of the modules where a bug costs most, with cosmic-ray; run by hand, not by CI.

    .venv/bin/python tests/mutation/run_mutation.py                   # every target, up to 40 mutants each
    .venv/bin/python tests/mutation/run_mutation.py --module tui/core/atomic.py --sample 0   # all of one module
    .venv/bin/python tests/mutation/run_mutation.py --minutes 30      # stop starting new modules after 30 min

Each target (tests/mutation/targets.toml) is mutated in a scratch copy of the working tree (cosmic-ray edits the
file in place), and each mutant runs only the tests that guard that module, stopping at the first failure. Mutants
of arithmetic operators that cannot occur in this code base's meaning (shifts, bitwise, modulo, power) and
variable renames are left out; the rest are sampled with a fixed seed when a module has more than ``--sample``.
The score per module counts killed / (run - equivalent); survivors are printed with their line, and those listed
in tests/mutation/equivalent.toml are shown as equivalent, with the reason.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent
EXCLUDED_OPERATORS = [
    r"core/ReplaceBinaryOperator_.*_(Pow|RShift|LShift|BitOr|BitAnd|BitXor|FloorDiv|Mod)$",
    r"core/ReplaceBinaryOperator_(Pow|RShift|LShift|BitOr|BitAnd|BitXor|FloorDiv|Mod)_.*",
    "core/VariableInserter",
    "core/VariableReplacer",
]


@dataclass
class Outcome:
    module: str
    run: int = 0
    killed: int = 0
    timeouts: int = 0
    survivors: list[tuple[str, int, str, str]] = field(default_factory=list)  # operator, line, text, why (if equiv.)
    mutated: list[str] = field(default_factory=list)  # each survivor's line as the mutant reads, from its diff
    seconds: float = 0.0

    @property
    def equivalent(self) -> int:
        return sum(1 for *_, why in self.survivors if why)

    @property
    def score(self) -> float | None:
        counted = self.run - self.equivalent
        return (self.killed + self.timeouts) / counted if counted else None


def _config(module: str, tests: list[str], timeout: float) -> str:
    command = " ".join([str(BIN / "python"), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests])
    excluded = ", ".join(f'"{op}"' for op in EXCLUDED_OPERATORS).replace("\\", "\\\\")
    return (
        "[cosmic-ray]\n"
        f'module-path = "{module}"\n'
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f'test-command = "{command}"\n\n'
        '[cosmic-ray.distributor]\nname = "local"\n\n'
        f"[cosmic-ray.filters.operators-filter]\nexclude-operators = [{excluded}]\n"
    )


def _sample(db: Path, keep: int, seed: int) -> None:
    """Leave ``keep`` pending mutants, chosen with a fixed seed; the others are dropped from the session."""
    with sqlite3.connect(db) as con:
        pending = [
            row[0]
            for row in con.execute(
                # By what each mutant is, not by its job id (a fresh uuid each init): the same seed, the same sample.
                "SELECT s.job_id FROM mutation_specs s WHERE s.job_id NOT IN (SELECT job_id FROM work_results) "
                "ORDER BY s.module_path, s.operator_name, s.occurrence"
            )
        ]
        if keep <= 0 or len(pending) <= keep:
            return
        drop = sorted(set(pending) - set(random.Random(seed).sample(pending, keep)))
        con.executemany("DELETE FROM mutation_specs WHERE job_id = ?", [(j,) for j in drop])
        con.executemany("DELETE FROM work_items WHERE job_id = ?", [(j,) for j in drop])


def _mutated_line(diff: str) -> str:
    """The line the mutant wrote (the first added line of its diff): shows which of a line's numbers or operators."""
    added = [line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return added[0] if added else "?"


def _equivalents() -> list[dict[str, str]]:
    path = HERE / "equivalent.toml"
    return tomllib.loads(path.read_text()).get("equivalent", []) if path.exists() else []


def run_target(module: str, tests: list[str], *, sample: int, seed: int, timeout: float) -> Outcome:
    outcome = Outcome(module)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="imgbench-mutation-") as scratch:
        work = Path(scratch) / "tree"
        shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".venv*", ".git", "__pycache__", ".hypothesis"))
        config, db = work / "cosmic-ray.toml", work / "session.sqlite"
        config.write_text(_config(module, tests, timeout))
        cr = str(BIN / "cosmic-ray")
        subprocess.run([cr, "init", str(config), str(db)], cwd=work, check=True, capture_output=True)
        subprocess.run([str(BIN / "cr-filter-operators"), str(db), str(config)], cwd=work, check=True)
        _sample(db, sample, seed)
        baseline = subprocess.run([cr, "baseline", str(config)], cwd=work, capture_output=True, text=True)
        if baseline.returncode != 0:
            raise SystemExit(f"{module}: the tests fail without any mutation:\n{baseline.stdout[-2000:]}")
        subprocess.run([cr, "exec", str(config), str(db)], cwd=work, check=True, capture_output=True)
        lines = (work / module).read_text().splitlines()  # restored by cosmic-ray after each mutant
        equivalents = [e for e in _equivalents() if e["module"] == module]
        with sqlite3.connect(db) as con:
            rows = con.execute(
                "SELECT s.operator_name, s.start_pos_row, r.worker_outcome, r.test_outcome, r.diff "
                "FROM mutation_specs s JOIN work_results r ON r.job_id = s.job_id "
                "ORDER BY s.start_pos_row, s.operator_name, s.occurrence"
            ).fetchall()
    for operator, row, worker, test, diff in rows:
        if worker == "SKIPPED":
            continue
        outcome.run += 1
        if worker == "ABNORMAL" or test == "KILLED":
            outcome.killed += 1
        elif test == "INCOMPETENT" or worker == "TIMEOUT":  # a mutant that hangs or cannot import is caught too
            outcome.timeouts += 1
        else:
            text = lines[row - 1].strip() if 0 < row <= len(lines) else "?"
            why = next((e["why"] for e in equivalents if e["operator"] == operator and e["line"] == text), "")
            outcome.survivors.append((operator, row, text, why))
            outcome.mutated.append(_mutated_line(diff or ""))
    outcome.seconds = time.monotonic() - started
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", help="only these targets (repeatable)")
    parser.add_argument("--sample", type=int, default=40, help="mutants per module at most (0: all)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one mutant's tests may take")
    parser.add_argument("--minutes", type=float, default=90.0, help="start no new module after this long")
    args = parser.parse_args()
    targets = tomllib.loads((HERE / "targets.toml").read_text())["target"]
    if args.module:
        targets = [t for t in targets if t["module"] in args.module]
    started, results = time.monotonic(), []
    for target in targets:
        if time.monotonic() - started > args.minutes * 60:
            print(f"time bound reached: {target['module']} and later not run")
            break
        result = run_target(target["module"], target["tests"], sample=args.sample, seed=args.seed, timeout=args.timeout)
        results.append(result)
        score = f"{result.score:.0%}" if result.score is not None else "n/a"
        print(f"{result.module}: {score} ({result.killed + result.timeouts} killed of {result.run - result.equivalent};"
              f" {result.equivalent} equivalent) in {result.seconds:.0f} s", flush=True)  # fmt: skip
        for (operator, row, text, why), mutated in zip(result.survivors, result.mutated, strict=True):
            reason = f"  ({why})" if why else f"\n        as mutated: {mutated}"
            print(f"    {'equivalent' if why else 'SURVIVED'} {operator} line {row}: {text}{reason}")
    killed = sum(r.killed + r.timeouts for r in results)
    counted = sum(r.run - r.equivalent for r in results)
    if counted:
        print(f"overall: {killed / counted:.0%} ({killed} of {counted} non-equivalent mutants killed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
