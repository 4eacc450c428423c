"""Turn what a person asked for (presets, prompts, references, models, parameters) into a saved session.

Everything is checked before anything is written, so bad input leaves nothing behind.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from presets import Preset, PresetCatalog
from providers.params import parse_aspect, parse_resolution, parse_size
from tui import __version__
from tui.core import previews
from tui.core.images import ImageInfo, read_reference
from tui.core.masks import check_mask_support, read_mask
from tui.core.model import Case, ChecklistItem, MachineCheck, Params, Session, new_session_id, now_iso, plan_runs
from tui.core.registry import Registry
from tui.core.store import Store
from tui.core.validation import InputError
from tui.core.wording import count

MAX_PROMPT_CHARS = 200_000


@dataclass
class CaseSpec:
    """One case as asked for: a preset id or a free prompt, plus reference files.

    ``refs`` holds (slot number or None for "next free slot", path) pairs.
    """

    preset_id: str | None = None
    prompt: str | None = None
    refs: list[tuple[int | None, Path]] = field(default_factory=list)
    checklist: list[ChecklistItem] = field(default_factory=list)
    mask: Path | None = None  # an edit mask for the first reference (see tui.core.masks)


@dataclass
class SessionSpec:
    cases: list[CaseSpec]
    models: list[str]
    name: str = ""
    params: Params = field(default_factory=Params)
    repeats: int = 1
    blind: bool = False
    concurrency: int | None = None


def check_params(params: Params) -> None:
    for key, parse in (("size", parse_size), ("aspect", parse_aspect), ("resolution", parse_resolution)):
        value = getattr(params, key)
        if value is not None:
            try:
                parse(value)
            except ValueError as exc:
                raise InputError(str(exc), key=f"--{key}") from None


def check_text(value: str, key: str) -> str:
    """Text that will be stored must be UTF-8: an argument holding other bytes arrives with lone surrogates."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        byte = value[exc.start].encode("utf-8", "surrogateescape")[:1].hex()
        raise InputError(
            f"is not UTF-8 text (byte 0x{byte} at character {exc.start + 1}); convert it to UTF-8", key=key
        ) from None
    return value


def _display_name(path: Path) -> str:
    """A file name fit to store and show, even one whose bytes are not UTF-8."""
    return path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _assign_refs(case_label: str, slots: int, refs: list[tuple[int | None, Path]]) -> list[Path | None]:
    """Place references into slots: numbered ones where they say, the rest in order."""
    filled: list[Path | None] = [None] * max(slots, 0)
    for number, path in refs:
        if number is None:
            continue
        if slots and not 1 <= number <= slots:
            raise InputError(
                f"{case_label} has {count(slots, 'reference slot')}; there is no slot {number}", key="--ref"
            )
        filled[number - 1] = path
    for number, path in refs:
        if number is not None:
            continue
        if not slots:
            filled.append(path)
            continue
        try:
            filled[filled.index(None)] = path
        except ValueError:
            raise InputError(
                f"{case_label} has only {count(slots, 'reference slot')}; too many --ref", key="--ref"
            ) from None
    return filled


class MissingReferences(InputError):
    """An edit preset without its reference images; the message says how to attach them on the command line, and
    ``needs`` lets a screen say it its own way."""

    def __init__(self, preset_id: str, missing: list[str], *, mask: bool = False) -> None:
        self.preset_id = preset_id
        self.needs = f"{preset_id} is image-to-image and needs a reference for slot(s) {'; '.join(missing)}"
        how = (
            f"--ref {preset_id}#mask=FILE"
            if mask and len(missing) == 1
            else f"--ref {preset_id}=FILE (or {preset_id}#N=FILE)"
        )
        if mask and len(missing) > 1:
            how += f" and --ref {preset_id}#mask=FILE"
        super().__init__(f"{self.needs}: pass {how}", key="--ref")


MAX_CHECKS = 60
MAX_CHECK_CHARS = 500
_BULLET = re.compile(r"^(?:[-*•]|\d+[.)])(?:\s+|$)")


def parse_checklist(text: str, *, key: str = "checklist") -> list[ChecklistItem]:
    """A free prompt's checklist, one check per line: ``- Is there a cat?``. A line indented deeper than the one
    above it depends on it (fails when it fails, as in DSG); bullets and numbers are optional; blank lines ignored.
    """
    items: list[ChecklistItem] = []
    stack: list[tuple[int, str]] = []  # (indent, id) of the open ancestors
    for line in text.expandtabs(4).splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        criterion = _BULLET.sub("", line.strip()).strip()
        if not criterion:
            continue
        criterion = check_text(criterion, key)
        if len(criterion) > MAX_CHECK_CHARS:
            raise InputError(f"a check of {len(criterion)} characters; the limit is {MAX_CHECK_CHARS}", key=key)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        item = ChecklistItem(f"c{len(items) + 1}", criterion, parent=stack[-1][1] if stack else None)
        items.append(item)
        stack.append((indent, item.id))
        if len(items) > MAX_CHECKS:
            raise InputError(f"more than {MAX_CHECKS} checks", key=key)
    return items


def _preset_case(preset: Preset, spec: CaseSpec, params: Params) -> tuple[Case, list[tuple[Path, str | None]]]:
    # A slot with role "mask" is filled by --ref PRESET#mask=FILE, not by position among the images.
    image_slots = [s for s in preset.reference_slots if s.role != "mask"]
    mask_slot = next((s for s in preset.reference_slots if s.role == "mask"), None)
    filled = _assign_refs(preset.id, len(image_slots), spec.refs)
    if preset.mode == "i2i":
        missing = [
            f"#{i + 1} ({slot.description})"
            for i, (slot, path) in enumerate(zip(image_slots, filled, strict=True))
            if path is None
        ]
        no_mask = mask_slot is not None and spec.mask is None
        if no_mask:
            missing.append(f"mask ({mask_slot.description})")
        if missing:
            raise MissingReferences(preset.id, missing, mask=no_mask)
    elif spec.refs or spec.mask:
        raise InputError(f"{preset.id} is text-to-image and takes no reference images", key="--ref")
    merged = Params(**{**preset.params, **params.to_dict()}) if preset.params else params
    case = Case(
        id=secrets.token_hex(3),
        prompt=preset.prompt,
        mode=preset.mode,
        preset_id=preset.id,
        title=preset.title,
        category=preset.category,
        checklist=[
            ChecklistItem(
                i.id, i.criterion, i.check, i.parent, msgspec.convert(i.machine, MachineCheck) if i.machine else None
            )
            for i in preset.checklist
        ],
        params=merged,
    )
    slot_names = [s.id for s in image_slots]
    return case, [(p, slot_names[i] if i < len(slot_names) else None) for i, p in enumerate(filled) if p]


def build_session(
    spec: SessionSpec,
    *,
    store: Store,
    registry: Registry,
    catalog: PresetCatalog,
    check_keys: bool = True,
    before_save: Callable[[Session], None] | None = None,
) -> Session:
    """The session, saved with its references and planned runs. ``before_save`` sees it first and may refuse it
    (the spending guard): whatever it raises leaves nothing on disk."""
    if not spec.cases:
        raise InputError("nothing to run: give --preset or --prompt", key="--preset")
    if not spec.models:
        raise InputError("no model: give at least one --model (see `imgbench models`)", key="--model")
    if len(set(spec.models)) != len(spec.models):
        raise InputError("the same model is listed twice", key="--model")
    if not 1 <= spec.repeats <= 100:
        raise InputError("must be between 1 and 100", key="--repeat")
    check_text(spec.name, "--name")
    check_params(spec.params)
    for model in spec.models:
        registry.check_available(model) if check_keys else registry.resolve(model)

    cases: list[Case] = []
    ref_files: list[list[tuple[Path, str | None]]] = []
    for cs in spec.cases:
        if cs.preset_id:
            try:
                preset = catalog.get(cs.preset_id)
            except KeyError as exc:
                raise InputError(
                    str(exc.args[0]) if exc.args else f"unknown preset {cs.preset_id!r}", key="--preset"
                ) from None
            case, refs = _preset_case(preset, cs, spec.params)
        else:
            prompt = check_text((cs.prompt or "").strip(), "--prompt")
            if not prompt:
                raise InputError("the prompt is empty", key="--prompt")
            if len(prompt) > MAX_PROMPT_CHARS:
                raise InputError(
                    f"the prompt is {len(prompt)} characters; the limit is {MAX_PROMPT_CHARS}", key="--prompt"
                )
            filled = _assign_refs("the prompt", 0, cs.refs)
            case = Case(
                id=secrets.token_hex(3),
                prompt=prompt,
                mode="i2i" if filled else "t2i",
                checklist=list(cs.checklist),
                params=spec.params,
            )
            refs = [(p, None) for p in filled if p]
        case.repeats = spec.repeats
        cases.append(case)
        ref_files.append(refs)

    check_capabilities(cases, ref_files, spec.models, registry, masks=[cs.mask is not None for cs in spec.cases])

    # Read and check every reference (and mask) before the session directory exists.
    loaded: list[list[tuple[bytes, ImageInfo, str | None, str]]] = [
        [(*read_reference(path), slot, _display_name(path)) for path, slot in refs] for refs in ref_files
    ]
    masks = [
        (*read_mask(cs.mask, refs[0][1] if refs else None), _display_name(cs.mask)) if cs.mask else None
        for cs, refs in zip(spec.cases, loaded, strict=True)
    ]

    session = Session(
        id=new_session_id(),
        name=spec.name or unique_name(_default_name(cases), {h.name for h in store.list().sessions}),
        created_at=now_iso(),
        tool_version=__version__,
        blind=spec.blind,
        blind_seed=secrets.randbits(31),
        concurrency=spec.concurrency,
        models=list(spec.models),
        cases=cases,
    )
    try:
        for case, refs, mask in zip(cases, loaded, masks, strict=True):
            case.references = [
                store.add_reference(session.id, data, info, slot=slot, filename=name) for data, info, slot, name in refs
            ]
            if mask is not None:  # after the images: references[0] stays the first image
                added = store.add_reference(session.id, mask[0], mask[1], slot="mask", filename=mask[2])
                case.references.append(msgspec.structs.replace(added, role="mask"))
        plan_runs(session)
        if before_save is not None:
            before_save(session)
        store.save(session)
    except BaseException:
        shutil.rmtree(store.session_dir(session.id), ignore_errors=True)
        raise
    previews.submit(
        (store.abspath(session.id, ref.path), ref.sha256) for case in session.cases for ref in case.references
    )
    return session


def check_capabilities(
    cases: list[Case], ref_files: list[list[tuple[Path, str | None]]], models: list[str], registry: Registry,
    masks: list[bool] | None = None,
) -> None:  # fmt: skip
    """Every model must take every case as given: identical inputs or no comparison."""
    for i, (case, refs) in enumerate(zip(cases, ref_files, strict=True)):
        for model in models:
            info = registry.info(model)
            if info is None:
                continue
            check_mask_support(case.label, bool(masks and masks[i]), case.mode, model, info)
            if case.mode not in info.modes:
                raise InputError(
                    f"{model} does not do {'image-to-image' if case.mode == 'i2i' else 'text-to-image'}"
                    f" ({case.label}); drop it or the case",
                    key="--model",
                )
            if len(refs) > info.max_refs:
                raise InputError(
                    f"{model} takes at most {count(info.max_refs, 'reference image')}; {case.label} has {len(refs)}",
                    key="--model",
                )


def unique_name(base: str, taken: set[str]) -> str:
    """``base``, or ``base #2``, ``#3``… : the first not taken, so seven tier-a runs are told apart in a list."""
    if base not in taken:
        return base
    n = 2
    while f"{base} #{n}" in taken:
        n += 1
    return f"{base} #{n}"


def _default_name(cases: list[Case]) -> str:
    presets = [c.preset_id for c in cases if c.preset_id]
    if presets and len(presets) == len(cases):
        groups = sorted({p.split("/")[0] for p in presets})
        return ", ".join(groups) if len(presets) > 1 else presets[0]
    return cases[0].label if len(cases) == 1 else f"{len(cases)} cases"
