"""Load and validate one preset TOML file into a :class:`Preset`.

Validation is strict and every problem is one :class:`PresetError` naming the file, the key
(``checklist[2].parent``; array indexes count from 0) and, where it can be found, the line.
Reading and TOML parsing live in :mod:`presets.toml_text`; the catalog in :mod:`presets.catalog`.
Nothing here runs at import time.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .machine import validate_machine
from .model import Preset, PresetError, PresetItem, ReferenceSlot
from .toml_text import MAX_FILE_BYTES, Path_, _fmt_key, _key_lines, _parse_toml, _read_text, _type_name

__all__ = [
    "MAX_FILE_BYTES",
    "SCHEMA_VERSION",
    "load_preset_file",
]

SCHEMA_VERSION = 1

TOP_KEYS = (
    "schema_version",
    "id",
    "title",
    "category",
    "mode",
    "dimension",
    "pass_rule",
    "prompt",
    "notes",
    "source",
    "params",
    "reference_slots",
    "checklist",
)
REQUIRED_TOP = ("id", "title", "category", "mode", "prompt", "checklist")
ITEM_KEYS = ("id", "criterion", "check", "parent", "completed", "machine")
SLOT_KEYS = ("id", "description", "role")
SLOT_ROLES = ("image", "mask")
PARAM_KEYS = ("size", "aspect", "resolution", "quality")
MODES = ("t2i", "i2i")
RESOLUTIONS = ("1K", "2K", "4K")
QUALITIES = ("auto", "low", "medium", "high", "standard", "hd")
MAX_SIDE = 16384

_ID_SEGMENT = r"[a-z0-9][a-z0-9._-]*"
_PRESET_ID_RE = re.compile(rf"{_ID_SEGMENT}(?:/{_ID_SEGMENT})*")
_ITEM_ID_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_SIZE_RE = re.compile(r"(\d+)x(\d+)")
_ASPECT_RE = re.compile(r"(\d+):(\d+)")


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Ctx:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self._lines: dict[Path_, int] | None = None

    def line_for(self, path: Path_) -> int | None:
        if self._lines is None:
            self._lines = _key_lines(self.text)
        for n in range(len(path), 0, -1):
            line = self._lines.get(path[:n])
            if line is not None:
                return line
        return None

    def error(self, path: Path_, reason: str, *, at: Path_ | None = None) -> PresetError:
        return PresetError(self.file, reason, key=_fmt_key(path), line=self.line_for(at if at else path))


# --------------------------------------------------------------------------------------------
# Validation


def _check_keys(ctx: _Ctx, table: dict[str, Any], allowed: tuple[str, ...], path: Path_) -> None:
    for key in table:
        if key not in allowed:
            hint = _suggest(key, allowed)
            if path and not hint and key in TOP_KEYS:
                hint = " (top-level keys must come before the first [table] or [[array]] header)"
            raise ctx.error((*path, key), f"unknown key {key!r}{hint}")


def _get_str(
    ctx: _Ctx,
    table: dict[str, Any],
    key: str,
    path: Path_,
    *,
    required: bool = False,
    nonempty: bool = True,
    single_line: bool = False,
) -> str | None:
    here = (*path, key)
    if key not in table:
        if required:
            where = f" in {_fmt_key(path)}" if path else ""
            raise ctx.error(here, f"missing required key {key!r}{where}", at=path)
        return None
    value = table[key]
    if not isinstance(value, str):
        raise ctx.error(here, f"expected a string, got {_type_name(value)}")
    if nonempty and not value.strip():
        raise ctx.error(here, "must not be empty")
    if single_line and ("\n" in value or "\r" in value):
        raise ctx.error(here, "must be a single line")
    return value


def _check_id(ctx: _Ctx, value: str, path: Path_) -> None:
    if len(value) > 200 or not _PRESET_ID_RE.fullmatch(value):
        hint = ""
        fixed = value.strip().lower().replace(" ", "-")
        if fixed != value and _PRESET_ID_RE.fullmatch(fixed):
            hint = f" (did you mean {fixed!r}?)"
        raise ctx.error(
            path,
            f"invalid id {value!r}: use lowercase letters, digits, '-', '_', '.' and '/' between "
            f"non-empty parts, e.g. 'my-group/portrait-1'{hint}",
        )


def _check_item_id(ctx: _Ctx, value: str, path: Path_) -> None:
    if len(value) > 64 or not _ITEM_ID_RE.fullmatch(value):
        raise ctx.error(path, f"invalid id {value!r}: use letters, digits, '-', '_' or '.', e.g. 'c1'")


def _validate_params(ctx: _Ctx, raw: Any) -> dict[str, str]:
    path: Path_ = ("params",)
    if not isinstance(raw, dict):
        raise ctx.error(path, f"expected a table ([params]), got {_type_name(raw)}")
    _check_keys(ctx, raw, PARAM_KEYS, path)
    out: dict[str, str] = {}
    examples = {"size": "'1024x1536'", "aspect": "'9:16'", "resolution": "'2K'", "quality": "'high'"}
    for key, value in raw.items():
        here = (*path, key)
        if not isinstance(value, str):
            raise ctx.error(here, f"expected a string like {examples[key]}, got {_type_name(value)}")
        v = value.strip()
        if key == "size":
            m = _SIZE_RE.fullmatch(v)
            if not m or int(m.group(1)) <= 0 or int(m.group(2)) <= 0:
                raise ctx.error(here, f"invalid size {value!r}: expected WxH with positive integers, e.g. '1024x1536'")
            if int(m.group(1)) > MAX_SIDE or int(m.group(2)) > MAX_SIDE:
                raise ctx.error(here, f"invalid size {value!r}: each side must be at most {MAX_SIDE}")
        elif key == "aspect":
            m = _ASPECT_RE.fullmatch(v)
            if not m or int(m.group(1)) <= 0 or int(m.group(2)) <= 0:
                raise ctx.error(here, f"invalid aspect {value!r}: expected W:H with positive integers, e.g. '9:16'")
        elif key == "resolution":
            if v not in RESOLUTIONS:
                fix = v.upper() if v.upper() in RESOLUTIONS else None
                hint = f" (did you mean {fix!r}?)" if fix else ""
                raise ctx.error(here, f"invalid resolution {value!r}: expected one of {', '.join(RESOLUTIONS)}{hint}")
        elif key == "quality" and v not in QUALITIES:
            raise ctx.error(
                here, f"invalid quality {value!r}: expected one of {', '.join(QUALITIES)}{_suggest(v, QUALITIES)}"
            )
        out[key] = v
    if "size" in out and "aspect" in out:
        w, h = (int(x) for x in out["size"].split("x"))
        aw, ah = (int(x) for x in out["aspect"].split(":"))
        if w * ah != h * aw:
            raise ctx.error(
                (*path, "aspect"), f"aspect {out['aspect']!r} contradicts size {out['size']!r}; give one of them"
            )
    return out


def _array_of_tables(ctx: _Ctx, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    raw = data[key]
    if isinstance(raw, dict):
        raise ctx.error((key,), f"expected an array of tables ([[{key}]]), got a table ([{key}])")
    if not isinstance(raw, list):
        raise ctx.error((key,), f"expected an array of tables ([[{key}]]), got {_type_name(raw)}")
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise ctx.error((key, i), f"expected a table, got {_type_name(entry)}")
    return raw


def _validate_slots(ctx: _Ctx, data: dict[str, Any]) -> tuple[ReferenceSlot, ...]:
    if "reference_slots" not in data:
        return ()
    slots: list[ReferenceSlot] = []
    first: dict[str, int] = {}
    for i, entry in enumerate(_array_of_tables(ctx, data, "reference_slots")):
        path: Path_ = ("reference_slots", i)
        _check_keys(ctx, entry, SLOT_KEYS, path)
        slot_id = _unique_id(ctx, entry, path, first, "slot")
        description = _get_str(ctx, entry, "description", path, required=True)
        assert description is not None
        role = _get_str(ctx, entry, "role", path) or "image"
        if role not in SLOT_ROLES:
            raise ctx.error((*path, "role"), f"role must be one of {', '.join(SLOT_ROLES)}, not {role!r}")
        if role == "mask" and any(s.role == "mask" for s in slots):
            raise ctx.error((*path, "role"), "a preset takes one mask slot (the mask of its first image)")
        slots.append(ReferenceSlot(id=slot_id, description=description, role=role))  # type: ignore[arg-type]
    if slots and all(s.role == "mask" for s in slots):
        raise ctx.error(("reference_slots", 0, "role"), "a mask needs an image to edit: add an image slot")
    return tuple(slots)


def _unique_id(ctx: _Ctx, entry: dict[str, Any], path: Path_, seen: dict[str, int], what: str) -> str:
    """An entry's required ``id``: well formed and not used by an earlier entry of the same table (recorded)."""
    entry_id = _get_str(ctx, entry, "id", path, required=True)
    assert entry_id is not None
    _check_item_id(ctx, entry_id, (*path, "id"))
    table, index = path
    if entry_id in seen:
        raise ctx.error((*path, "id"), f"duplicate {what} id {entry_id!r} (also {table}[{seen[entry_id]}])")
    seen[entry_id] = int(index)
    return entry_id


def _validate_checklist(ctx: _Ctx, data: dict[str, Any]) -> tuple[PresetItem, ...]:
    entries = _array_of_tables(ctx, data, "checklist")
    if not entries:
        raise ctx.error(("checklist",), "checklist is empty: a preset needs at least one [[checklist]] item")
    items: list[PresetItem] = []
    index: dict[str, int] = {}
    for i, entry in enumerate(entries):
        path: Path_ = ("checklist", i)
        _check_keys(ctx, entry, ITEM_KEYS, path)
        item_id = _unique_id(ctx, entry, path, index, "item")
        criterion = _get_str(ctx, entry, "criterion", path, required=True, single_line=True)
        check = _get_str(ctx, entry, "check", path, nonempty=False) or ""
        parent = _get_str(ctx, entry, "parent", path)
        completed = entry.get("completed", False)
        if not isinstance(completed, bool):
            raise ctx.error((*path, "completed"), f"expected a boolean (true/false), got {_type_name(completed)}")
        assert criterion is not None
        machine = None
        if "machine" in entry:
            machine = validate_machine(entry["machine"], lambda sub, why, p=path: ctx.error((*p, "machine", *sub), why))
        items.append(
            PresetItem(
                id=item_id, criterion=criterion, check=check, parent=parent, completed=completed, machine=machine
            )
        )
    # Parents: known, not self, no cycles (forward references are fine).
    for i, it in enumerate(items):
        if it.parent is None:
            continue
        here: Path_ = ("checklist", i, "parent")
        if it.parent == it.id:
            raise ctx.error(here, f"item {it.id!r} cannot be its own parent")
        if it.parent not in index:
            hint = _suggest(it.parent, index)
            if not hint:
                known = list(index)
                hint = f" (known items: {', '.join(known[:12])}{', …' if len(known) > 12 else ''})"
            raise ctx.error(here, f"unknown item {it.parent!r}{hint}")
    parents = {it.id: it.parent for it in items}
    for i, it in enumerate(items):
        chain = [it.id]
        cur = it.parent
        while cur is not None:
            if cur in chain:
                cycle = [*chain[chain.index(cur) :], cur]
                raise ctx.error(("checklist", i, "parent"), f"parent cycle: {' -> '.join(cycle)}")
            chain.append(cur)
            cur = parents[cur]
    return tuple(items)


def _validate(ctx: _Ctx, data: dict[str, Any], *, builtin: bool) -> Preset:
    _check_keys(ctx, data, TOP_KEYS, ())
    for key in REQUIRED_TOP:
        if key not in data:
            raise ctx.error((key,), f"missing required key {key!r}")

    if "schema_version" in data:
        version = data["schema_version"]
        if type(version) is not int:
            raise ctx.error(("schema_version",), f"expected an integer, got {_type_name(version)}")
        if version > SCHEMA_VERSION:
            raise ctx.error(
                ("schema_version",),
                f"schema_version {version} is newer than this imgbench understands ({SCHEMA_VERSION}); upgrade",
            )
        if version < 1:
            raise ctx.error(("schema_version",), f"invalid schema_version {version}: expected {SCHEMA_VERSION}")

    preset_id = _get_str(ctx, data, "id", (), required=True)
    assert preset_id is not None
    _check_id(ctx, preset_id, ("id",))
    title = _get_str(ctx, data, "title", (), required=True, single_line=True)
    category = _get_str(ctx, data, "category", (), required=True, single_line=True)
    mode = _get_str(ctx, data, "mode", (), required=True)
    if mode not in MODES:
        fix = (mode or "").strip().lower()
        hint = f" (did you mean {fix!r}?)" if fix in MODES else _suggest(mode or "", MODES)
        raise ctx.error(("mode",), f"invalid mode {mode!r}: expected 't2i' or 'i2i'{hint}")
    prompt = _get_str(ctx, data, "prompt", (), required=True)
    optional = {
        key: _get_str(ctx, data, key, (), nonempty=False) or "" for key in ("dimension", "pass_rule", "notes", "source")
    }
    params = _validate_params(ctx, data["params"]) if "params" in data else {}
    slots = _validate_slots(ctx, data)
    if mode == "i2i" and not slots:
        raise ctx.error(
            ("reference_slots",),
            "an i2i preset needs at least one [[reference_slots]] entry describing each reference image",
            at=("reference_slots",) if "reference_slots" in data else ("mode",),
        )
    if mode == "t2i" and slots:
        raise ctx.error(
            ("reference_slots",),
            'a t2i preset takes no reference images (remove [[reference_slots]] or set mode = "i2i")',
            at=("reference_slots", 0),
        )
    checklist = _validate_checklist(ctx, data)
    assert title is not None and category is not None and prompt is not None
    return Preset(
        id=preset_id,
        title=title,
        category=category,
        mode=mode,  # type: ignore[arg-type]
        prompt=prompt,
        params=params,
        reference_slots=slots,
        checklist=checklist,
        path=ctx.file,
        builtin=builtin,
        **optional,
    )


def _load(path: Path, *, builtin: bool) -> tuple[Preset, _Ctx]:
    file = str(path)
    text = _read_text(path)
    data = _parse_toml(file, text)
    ctx = _Ctx(file, text)
    return _validate(ctx, data, builtin=builtin), ctx


def load_preset_file(path: Path, *, builtin: bool = False) -> Preset:
    """Read and validate one preset file. Raises :class:`PresetError` (one line, file:line: key: reason)."""
    return _load(Path(path), builtin=builtin)[0]
