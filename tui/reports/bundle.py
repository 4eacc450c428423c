"""A session as one portable file: a zip holding the export JSON and every image it names, each with its sha256.

The writer puts every member under a fixed, relative name (``export.json``, ``bundle.json``, ``images/…``,
``refs/…``) with a fixed timestamp, so a bundle says nothing about the machine that made it. The reader trusts
nothing: a bundle comes from someone else. It never extracts: it reads each member into memory through caps
(member count, each member's size as actually decompressed, the total, the compression ratio), refuses names
outside the fixed layout, symlinks and other special entries, encrypted or exotic compression, entries that
overlap, and members the manifest does not list or whose sha256 does not match. Only then does anyone write.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from tui.core.validation import InputError

MANIFEST = "bundle.json"
EXPORT = "export.json"
FORMAT = "imgbench-bundle"
VERSION = 1
KINDS = ("session", "packet")

MAX_BUNDLE_BYTES = 2 * 1024**3  # the archive file itself
MAX_MEMBERS = 20_000
MAX_JSON_BYTES = 64 * 1024**2  # export.json and bundle.json, decompressed
MAX_IMAGE_BYTES = 50 * 1024**2  # as for a reference file
MAX_TOTAL_BYTES = 1024**3  # everything decompressed, held in memory until checked
MAX_RATIO = 200  # decompressed / compressed, for members over 1 MiB: beyond it is a zip bomb, not an image

_FILE_RE = re.compile(r"^(images|refs)/[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_ZIP_MAGIC = b"PK\x03\x04"


class _Entry(msgspec.Struct, forbid_unknown_fields=True):
    sha256: str
    bytes: int


class _Manifest(msgspec.Struct, forbid_unknown_fields=True):
    format: str
    version: int
    kind: str
    files: dict[str, _Entry] = {}


@dataclass(frozen=True)
class Bundle:
    """What a checked bundle holds: its kind, the export document's bytes, and each file by relative path."""

    kind: str
    export: bytes
    files: dict[str, bytes]

    def read(self, relative: str) -> bytes | None:
        """As an import's image source: the member's bytes (checked against the manifest already), or None."""
        return self.files.get(relative)


def looks_like_bundle(head: bytes) -> bool:
    return head.startswith(_ZIP_MAGIC)


def write_bundle(export: bytes, files: dict[str, bytes], *, kind: str = "session") -> bytes:
    """The archive's bytes: manifest, export, then the files in name order (deterministic for the same input)."""
    if kind not in KINDS:
        raise ValueError(kind)
    for name in files:
        if not _FILE_RE.match(name):
            raise ValueError(f"not a bundle member name: {name!r}")
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "files": {n: {"sha256": hashlib.sha256(d).hexdigest(), "bytes": len(d)} for n, d in sorted(files.items())},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        # Stored, not deflated: images are compressed already, and a plain export is one anyone can read with unzip
        # and check, byte for byte, for what it holds.
        _add(zf, MANIFEST, msgspec.json.format(msgspec.json.encode(manifest), indent=1))
        _add(zf, EXPORT, export)
        for name, data in sorted(files.items()):
            _add(zf, name, data)
    return out.getvalue()


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.create_system = 3  # unix, so the mode bits above mean what they say
    zf.writestr(info, data)


def read_bundle_file(path: Path) -> Bundle:
    """Open a bundle from disk: a regular file under the size cap, or an InputError naming it."""
    from tui.core.inputs import read_regular

    return read_bundle(io.BytesIO(read_regular(path, max_bytes=MAX_BUNDLE_BYTES, what="bundle")), file=path)


def read_bundle(source: Any, *, file: Path | str) -> Bundle:
    """Check a bundle member by member; nothing is extracted, nothing written. ``source``: a binary file object."""
    try:
        zf = zipfile.ZipFile(source)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
    ) as exc:
        raise InputError(f"not a readable bundle (zip): {exc}", file=file) from None
    with zf:
        infos = zf.infolist()
        _check_entries(infos, file=file)
        raw = {info.filename: _read_member(zf, info, file=file) for info in infos}
    manifest = _manifest(raw.pop(MANIFEST, None), file=file)
    export = raw.pop(EXPORT, None)
    if export is None:
        raise InputError(f"the bundle has no {EXPORT}", file=file)
    listed, present = set(manifest.files), set(raw)
    if extra := sorted(present - listed):
        raise InputError(f"{extra[0]!r} is in the bundle but not in its manifest", file=file, key=MANIFEST)
    if missing := sorted(listed - present):
        raise InputError(f"{missing[0]!r} is in the manifest but not in the bundle", file=file, key=MANIFEST)
    for name, entry in manifest.files.items():
        data = raw[name]
        if len(data) != entry.bytes or hashlib.sha256(data).hexdigest() != entry.sha256:
            raise InputError(f"{name!r} does not match its sha256 in the manifest", file=file, key=MANIFEST)
    return Bundle(manifest.kind, export, raw)


def _check_entries(infos: list[zipfile.ZipInfo], *, file: Path | str) -> None:
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"{len(infos)} members, over the limit of {MAX_MEMBERS}", file=file)
    seen: set[str] = set()
    declared = 0
    spans: list[tuple[int, int, str]] = []
    for info in infos:
        name = info.filename
        shown = name.encode("unicode_escape").decode("ascii")[:160]
        if name in seen:
            raise InputError(f"{shown!r} appears twice", file=file)
        seen.add(name)
        if name not in (MANIFEST, EXPORT) and not _FILE_RE.match(name):
            raise InputError(f"member {shown!r} is outside the bundle layout (images/…, refs/…)", file=file)
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # 0: no type given
            raise InputError(f"member {shown!r} is not a regular file (a symlink or device?)", file=file)
        if info.flag_bits & 0x1:
            raise InputError(f"member {shown!r} is encrypted", file=file)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputError(f"member {shown!r} uses an unsupported compression", file=file)
        cap = MAX_JSON_BYTES if name in (MANIFEST, EXPORT) else MAX_IMAGE_BYTES
        if info.file_size > cap:
            raise InputError(f"member {shown!r} is {info.file_size} bytes, over the limit of {cap}", file=file)
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise InputError(f"member {shown!r} expands {MAX_RATIO}x or more (a zip bomb?)", file=file)
        declared += info.file_size
        spans.append(
            (info.header_offset, info.header_offset + 30 + len(info.orig_filename) + info.compress_size, shown)
        )
    if declared > MAX_TOTAL_BYTES:
        raise InputError(f"{declared} bytes in all, over the limit of {MAX_TOTAL_BYTES}", file=file)
    spans.sort()
    for (_, end, name), (start, _, following) in itertools.pairwise(spans):
        if start < end:  # members sharing bytes: the classic way to make a small zip expand enormously
            raise InputError(f"members {name!r} and {following!r} overlap", file=file)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, file: Path | str) -> bytes:
    """The member's bytes as really decompressed, stopping one byte past its cap whatever its header claims."""
    cap = MAX_JSON_BYTES if info.filename in (MANIFEST, EXPORT) else MAX_IMAGE_BYTES
    try:
        with zf.open(info) as fh:
            data = fh.read(min(cap, info.file_size) + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise InputError(f"member {info.filename!r} is damaged: {exc}", file=file) from None
    if len(data) != info.file_size:
        raise InputError(f"member {info.filename!r} is not the size its header says", file=file)
    return data


def _manifest(raw: bytes | None, *, file: Path | str) -> _Manifest:
    if raw is None:
        raise InputError(f"the bundle has no {MANIFEST} (is it an imgbench bundle?)", file=file)
    try:
        manifest = msgspec.json.decode(raw, type=_Manifest)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError) as exc:
        raise InputError(f"invalid manifest: {exc}", file=file, key=MANIFEST) from None
    if manifest.format != FORMAT:
        raise InputError(f"not an imgbench bundle (format {manifest.format!r})", file=file, key=MANIFEST)
    if manifest.version != VERSION:
        raise InputError(f"bundle version {manifest.version} (this imgbench reads {VERSION})", file=file, key=MANIFEST)
    if manifest.kind not in KINDS:
        raise InputError(f"unknown bundle kind {manifest.kind!r}", file=file, key=MANIFEST)
    for name, entry in manifest.files.items():
        if not _FILE_RE.match(name) or not _SHA_RE.match(entry.sha256) or entry.bytes < 0:
            raise InputError(f"bad manifest entry {name[:80]!r}", file=file, key=MANIFEST)
    return manifest
