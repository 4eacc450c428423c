"""A bundle is someone else's archive: each way a zip can lie is refused with one line, and nothing is extracted."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.providers.loopback import png_bytes as png
from tui.core.validation import InputError
from tui.reports import bundle
from tui.reports.bundle import read_bundle, read_bundle_file, write_bundle

EXPORT = b'{"tool": {"name": "imgbench"}}'


def _good() -> tuple[bytes, dict[str, bytes]]:
    return EXPORT, {"images/r-1-0.png": png((8, 8)), "refs/" + "a" * 64 + ".png": png((4, 4))}


def _zip(members: list[tuple[zipfile.ZipInfo | str, bytes]], manifest: dict | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        if manifest is not None:
            zf.writestr("bundle.json", json.dumps(manifest))
        for info, data in members:
            zf.writestr(info, data)
    return out.getvalue()


def _manifest(files: dict[str, bytes]) -> dict:
    return {
        "format": "imgbench-bundle",
        "version": 1,
        "kind": "session",
        "files": {n: {"sha256": hashlib.sha256(d).hexdigest(), "bytes": len(d)} for n, d in files.items()},
    }


def _refused(data: bytes, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        read_bundle(io.BytesIO(data), file="b.zip")
    message = str(caught.value)
    assert reason in message and "\n" not in message, message


def test_a_written_bundle_reads_back_whole() -> None:
    export, files = _good()
    got = read_bundle(io.BytesIO(write_bundle(export, files)), file="b.zip")
    assert (got.kind, got.export, got.files) == ("session", export, files)
    assert write_bundle(export, files) == write_bundle(export, dict(reversed(files.items())))  # deterministic


@pytest.mark.parametrize(
    "name",
    ["../evil.png", "/etc/passwd", "images/../../x.png", "images/a/b.png", "images\\x.png", "other.txt", "images/"],
)
def test_names_outside_the_layout_are_refused(name: str) -> None:
    files = {name: png((2, 2))}
    _refused(_zip([("export.json", EXPORT), (name, files[name])], _manifest(files)), "outside the bundle layout")


def test_a_symlink_member_is_refused() -> None:
    info = zipfile.ZipInfo("images/link.png")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    files = {"images/link.png": b"/etc/passwd"}
    _refused(_zip([("export.json", EXPORT), (info, b"/etc/passwd")], _manifest(files)), "not a regular file")


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_duplicate_members_missing_and_unlisted_files_and_wrong_hashes() -> None:
    export, files = _good()
    name = "images/r-1-0.png"
    _refused(
        _zip([("export.json", export), (name, files[name]), (name, files[name])], _manifest({name: files[name]})),
        "twice",
    )
    _refused(_zip([("export.json", export)], _manifest({name: files[name]})), "in the manifest but not in the bundle")
    _refused(_zip([("export.json", export), (name, files[name])], _manifest({})), "not in its manifest")
    _refused(_zip([("export.json", export), (name, png((9, 9)))], _manifest({name: files[name]})), "sha256")
    _refused(_zip([(name, files[name])], _manifest({name: files[name]})), "no export.json")
    _refused(_zip([("export.json", export)]), "no bundle.json")
    _refused(_zip([("export.json", export)], {**_manifest({}), "format": "zip"}), "not an imgbench bundle")
    _refused(_zip([("export.json", export)], {**_manifest({}), "kind": "rootkit"}), "unknown bundle kind")
    _refused(_zip([("export.json", export)], {**_manifest({}), "extra": 1}), "invalid manifest")


def test_a_zip_bomb_is_refused_before_it_is_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    name = "images/bomb.png"
    bomb = b"\0" * (bundle.MAX_IMAGE_BYTES + 1)
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    data = _zip([("export.json", EXPORT), (info, bomb)], _manifest({name: bomb}))
    assert len(data) < 200_000
    _refused(data, "over the limit")
    small = b"\0" * (4 * 2**20)
    _refused(_zip([("export.json", EXPORT), (info, small)], _manifest({name: small})), "zip bomb")
    monkeypatch.setattr(bundle, "MAX_TOTAL_BYTES", 100)
    export, files = _good()
    _refused(write_bundle(export, files), "in all, over the limit")


def _central_entries(data: bytes | bytearray) -> list[int]:
    """Offsets of the central directory's file headers."""
    out, at = [], data.find(b"PK\x01\x02")
    while at >= 0:
        out.append(at)
        at = data.find(b"PK\x01\x02", at + 4)
    return out


def test_a_header_that_lies_about_the_size_is_caught() -> None:
    export, files = _good()
    data = bytearray(write_bundle(export, files))
    struct.pack_into("<I", data, _central_entries(data)[-1] + 24, 10)  # "10 bytes", of a bigger member
    _refused(bytes(data), "damaged")


def test_overlapping_members_are_refused() -> None:
    name_a, name_b = "images/a.png", "images/b.png"  # same length: the copy keeps every offset right
    payload = png((6, 6))
    data = _zip([("export.json", EXPORT), (name_a, payload)], _manifest({name_a: payload, name_b: payload}))
    # A second central-directory entry pointing at the same local header: the trick behind overlap zip bombs.
    last = _central_entries(data)[-1]
    end = data.find(b"PK\x05\x06")
    entry = data[last:end].replace(name_a.encode(), name_b.encode())
    eocd = bytearray(data[end:])
    count, size, offset = struct.unpack_from("<HI I", eocd, 10)[0], *struct.unpack_from("<II", eocd, 12)
    struct.pack_into("<HHII", eocd, 8, count + 1, count + 1, size + len(entry), offset)
    _refused(data[:end] + entry + bytes(eocd), "overlap")


def test_encrypted_and_exotic_compression_are_refused() -> None:
    export, files = _good()
    data = bytearray(write_bundle(export, files))
    last = data.rfind(b"PK\x01\x02")
    flags = struct.unpack_from("<H", data, last + 8)[0]
    struct.pack_into("<H", data, last + 8, flags | 0x1)
    _refused(bytes(data), "encrypted")
    data = bytearray(write_bundle(export, files))
    struct.pack_into("<H", data, data.rfind(b"PK\x01\x02") + 10, 12)  # bzip2
    _refused(bytes(data), "unsupported compression")


def test_a_zip_version_this_python_cannot_read_is_a_clean_error() -> None:
    export, files = _good()
    data = bytearray(write_bundle(export, files))
    struct.pack_into("<H", data, _central_entries(data)[0] + 6, 64)  # "needs version 6.4 to extract"
    _refused(bytes(data), "not a readable bundle")


def test_files_that_are_not_bundles(tmp_path: Path) -> None:
    _refused(b"PK\x03\x04 not really", "not a readable bundle")
    with pytest.raises(InputError, match="no such file"):
        read_bundle_file(tmp_path / "missing.zip")
    with pytest.raises(InputError, match="is a directory"):
        read_bundle_file(tmp_path)
    fifo = tmp_path / "fifo.zip"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):  # and it does not hang waiting for a writer
        read_bundle_file(fifo)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_damage_to_a_bundle_is_a_clean_error_or_the_same_content(data: st.DataObject) -> None:
    export, files = _good()
    raw = bytearray(write_bundle(export, files))
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    try:
        got = read_bundle(io.BytesIO(bytes(raw)), file="b.zip")
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert got.export == export and got.files == files  # damage that survives every check changed nothing we keep
