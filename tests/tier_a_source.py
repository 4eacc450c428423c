"""The Tier-A source text (tests/data/tier-a-benchmark.md, a copy of ../shared/reference/tier-a-benchmark.md) read
mechanically: the category table, each category's verbatim prompt (Cat 1-3) and its scoring checklist rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SOURCE = Path(__file__).parent / "data" / "tier-a-benchmark.md"
# The shared original, beside the repository in CI and on the team's machines; compared when present.
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "tier-a-benchmark.md"


@dataclass
class SourceCategory:
    number: int
    title: str = ""
    dimension: str = ""
    pass_rule: str = ""
    prompt: str = ""  # verbatim prompts only (Cat 1-3); the image-to-image ones are described in prose
    prose: str = ""
    checklist: list[tuple[str, str]] = field(default_factory=list)  # (criterion, check)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse(text: str) -> dict[int, SourceCategory]:
    cats = {n: SourceCategory(n) for n in range(1, 7)}
    body = text.split("\n---\n", 1)[1]
    for line in body.splitlines():
        if m := re.match(r"\| Cat (\d) · (.+?)(?: \(I2I\))? \| (.+?) \| (.+?) \|$", line):
            cat = cats[int(m.group(1))]
            cat.title, cat.dimension, cat.pass_rule = f"Cat {m.group(1)} · {m.group(2)}", m.group(3), m.group(4)
    # Each category's section runs from its heading ("Cat 1 · Compositional Semantics(T2I)") to the next.
    sections = re.split(r"^(Cat \d) · [^|\n]*\((?:T2I|I2I)\)$", body, flags=re.M)
    for heading, section in zip(sections[1::2], sections[2::2], strict=True):
        cat = cats[int(heading[-1])]
        lines = section.strip("\n").splitlines()
        table = next(i for i, line in enumerate(lines) if line.startswith("| # | Criterion | Check |"))
        intro = [line for line in lines[:table] if line not in ("Scoring Checklist", "")]
        if intro and intro[0] == "Prompt:":
            # Cat 1 and 2: one paragraph, then commentary. Cat 3: a block of lines (a layout by zone) up to the table.
            end = len(intro) if cat.number == 3 else 2
            cat.prompt, cat.prose = "\n".join(intro[1:end]), "\n".join(intro[end:])
        else:
            cat.prose = "\n".join(intro)
        for line in lines[table + 1 :]:
            if not line.startswith("|"):
                break
            cells = _cells(line)
            if cells[0].isdigit():
                cat.checklist.append((cells[1], cells[2]))
    return cats


def words(text: str) -> list[str]:
    """The text as words, for a word-by-word comparison. A sentence run into the next one with no space
    ("design.Top") is the source's lost line break and splits into two words."""
    return re.sub(r"([a-z])\.([A-Z])", r"\1. \2", text).split()
