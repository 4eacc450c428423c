"""Compose's form checked as a whole: every problem at once, in the words of the form (its field names), never the
command line's flags. Plain functions over the field values, so they are tested without a terminal."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tui.core.compose import CaseSpec, SessionSpec, check_params, check_text, parse_checklist
from tui.core.model import Params
from tui.core.validation import InputError

# The command line's names for what Compose calls a field, for messages that come from the shared core.
FIELD_OF_FLAG = {
    "--preset": "Presets",
    "--prompt": "Free prompt",
    "--check": "Checklist",
    "checklist": "Checklist",
    "--ref": "References",
    "--model": "Models",
    "--size": "Size",
    "--aspect": "Aspect",
    "--resolution": "Resolution",
    "--quality": "Quality",
    "--repeat": "Repeats",
    "--name": "Session name",
}
_FLAG = re.compile(r"--(?:preset|prompt|check|ref|model|size|aspect|resolution|quality|repeat|name)\b")


@dataclass
class ComposeForm:
    """What the person filled in, as the widgets hold it."""

    presets: list[str]  # ticked preset ids, in the catalog's order
    prompt: str = ""
    checklist: str = ""
    prompt_refs: list[Path] = field(default_factory=list)
    slot_refs: dict[tuple[str, int], Path] = field(default_factory=dict)
    slot_masks: dict[str, Path] = field(default_factory=dict)  # preset id -> its edit mask
    prompt_mask: Path | None = None
    size: str = ""
    aspect: str = ""
    quality: str | None = None
    repeats: str = "1"
    models: list[str] = field(default_factory=list)
    name: str = ""
    blind: bool = False


def in_tui_words(error: InputError | str) -> str:
    """A core error as Compose says it: the field's name first, flags replaced by field names."""
    if isinstance(error, InputError):
        where = FIELD_OF_FLAG.get(error.key or "", "")
        text = error.reason
    else:
        where, text = "", error
    text = _FLAG.sub(lambda m: FIELD_OF_FLAG[m.group(0)], text)
    return f"{where}: {text}" if where else text


def check_form(
    form: ComposeForm, *, slots: dict[str, list[str]], masks: dict[str, str] | None = None
) -> tuple[SessionSpec | None, list[str]]:
    """(the session to build, or None; every problem found). ``slots`` maps a preset id to its reference slots'
    names, so a missing reference is named here rather than after a round trip through the core."""
    problems: list[str] = []

    def check(step) -> object:
        try:
            return step()
        except InputError as exc:
            problems.append(in_tui_words(exc))
            return None

    prompt = form.prompt.strip()
    checklist = check(lambda: parse_checklist(form.checklist, key="checklist")) or []
    if not form.presets and not prompt:
        problems.append("Nothing to run: tick a preset under Presets or type a Free prompt.")
    if prompt and check(lambda: check_text(prompt, "--prompt")) is None:
        prompt = ""
    if not prompt and (form.prompt_refs or form.prompt_mask):
        problems.append("References: images for the free prompt, but the Free prompt is empty.")
    if not prompt and checklist:
        problems.append("Checklist: a checklist for the free prompt, but the Free prompt is empty.")
    for preset_id in form.presets:
        missing = [name for n, name in enumerate(slots.get(preset_id, []), 1) if (preset_id, n) not in form.slot_refs]
        if missing:
            problems.append(
                f"References: {preset_id} needs a reference image for {', '.join(missing)}: select its row under "
                "References and press enter (or ctrl+o), or untick the preset."
            )
    for preset_id in form.presets:
        if (mask := (masks or {}).get(preset_id)) and preset_id not in form.slot_masks:
            problems.append(
                f"References: {preset_id} needs its mask {mask} (a PNG, transparent where to edit): select its row "
                "under References and press enter (or ctrl+o)."
            )
    if not form.models:
        problems.append("Models: tick at least one model.")
    text = form.repeats.strip() or "1"
    repeats = int(text) if text.isdigit() else 0
    if not 1 <= repeats <= 100:
        problems.append(f"Repeats: {text!r} is not a whole number from 1 to 100.")
    params = Params(size=form.size.strip() or None, aspect=form.aspect.strip() or None, quality=form.quality or None)
    for one in (Params(size=params.size), Params(aspect=params.aspect)):  # one check each, so both are reported
        check(lambda one=one: check_params(one))
    check(lambda: check_text(form.name.strip(), "--name"))
    if problems:
        return None, problems
    cases = [
        CaseSpec(
            preset_id=pid,
            refs=[(n, p) for (q, n), p in form.slot_refs.items() if q == pid],
            mask=form.slot_masks.get(pid),
        )
        for pid in form.presets
    ]
    if prompt:
        refs = [(None, p) for p in form.prompt_refs]
        cases.append(CaseSpec(prompt=prompt, refs=refs, checklist=checklist, mask=form.prompt_mask))
    spec = SessionSpec(cases, list(form.models), form.name.strip(), params, repeats, form.blind)
    return spec, []
