"""The preset data model: plain frozen structs, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

__all__ = ["Preset", "PresetError", "PresetItem", "ReferenceSlot"]


class ReferenceSlot(msgspec.Struct, frozen=True):
    """One reference image an i2i preset expects, in order: what that image must show."""

    id: str
    description: str
    # "mask": the edit mask of the first image (a PNG, transparent where to edit), not an image for the model.
    role: Literal["image", "mask"] = "image"


class PresetItem(msgspec.Struct, frozen=True):
    """One checklist item. A child (``parent`` set) counts as failed when its parent fails."""

    id: str
    criterion: str
    check: str = ""
    parent: str | None = None
    completed: bool = False  # the check text was completed from the source's prose (cut short there)
    # A machine check, validated (presets.machine): the fields of tui.core.model.MachineCheck that are set.
    machine: dict[str, Any] | None = None


class Preset(msgspec.Struct, frozen=True):
    id: str
    title: str
    category: str
    mode: Literal["t2i", "i2i"]
    prompt: str
    dimension: str = ""
    pass_rule: str = ""
    notes: str = ""
    source: str = ""
    params: dict[str, str] = {}  # allowed keys: size ("WxH"), aspect ("W:H"), resolution, quality
    reference_slots: tuple[ReferenceSlot, ...] = ()
    checklist: tuple[PresetItem, ...] = ()
    path: str = ""  # file it came from
    builtin: bool = False

    @property
    def group(self) -> str:
        """``"tier-a/cat1"`` -> ``"tier-a"``; ``""`` for an id without a ``/``."""
        return self.id.rpartition("/")[0]

    def item(self, item_id: str) -> PresetItem:
        """The checklist item with this id (KeyError if none)."""
        for it in self.checklist:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def ancestors(self, item_id: str) -> list[str]:
        """Ids of the item's parent, grandparent, … (nearest first). The loader rejects cycles."""
        parents = {it.id: it.parent for it in self.checklist}
        out: list[str] = []
        cur = parents.get(item_id)
        while cur is not None and cur not in out and cur != item_id:
            out.append(cur)
            cur = parents.get(cur)
        return out

    def effective_verdicts(self, verdicts: Mapping[str, str]) -> dict[str, str]:
        """Apply the parent rule to one rater's verdicts (``pass|fail|partial|na`` per item id).

        An item whose parent (or any ancestor) is ``"fail"`` counts as ``"fail"``; everything else
        is returned as given. Items with no verdict stay absent.
        """
        out = dict(verdicts)
        for it in self.checklist:
            if it.id in out and any(verdicts.get(a) == "fail" for a in self.ancestors(it.id)):
                out[it.id] = "fail"
        return out


class PresetError(Exception):
    """A preset file that cannot be used. ``str()`` is one line: ``<file>:<line>: <key>: <reason>``."""

    def __init__(self, file: str, reason: str, *, key: str | None = None, line: int | None = None) -> None:
        self.file = str(file)
        self.key = key
        self.line = line
        self.reason = " ".join(str(reason).split())  # always one line
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [self.file + (f":{self.line}" if self.line is not None else "")]
        if self.key is not None:
            parts.append(self.key)
        parts.append(self.reason)
        return ": ".join(parts)

    def __reduce__(self):  # keep keyword-only attributes through pickling (multiprocessing, etc.)
        return (_rebuild_error, (self.file, self.reason, self.key, self.line))


def _rebuild_error(file: str, reason: str, key: str | None, line: int | None) -> PresetError:
    return PresetError(file, reason, key=key, line=line)
