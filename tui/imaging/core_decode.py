"""A one-off preview's decode of a plain PNG or JPEG through Pillow's C core, without ``PIL.Image``.

``imgbench preview FILE`` is a whole process. Importing ``PIL.Image`` and a format plugin costs about 40 ms
(logging, subprocess, typing, the EXIF tag tables), more than chafa's whole run on a 2048² JPEG. This module
decodes the common files with the same C decoders Pillow would use, called the way Pillow calls them, then shrinks
them with the same calls as ``decode.decode_small``:

- PNG: 8-bit greyscale or RGB, not interlaced, no palette, transparency, animation, ICC profile, compressed text
  or EXIF, every chunk before the image data with a good checksum;
- JPEG: 8-bit greyscale or colour, one frame, no EXIF, Photoshop or MPF block.

Anything else returns None, and so does any doubt or error: the caller then takes Pillow's public path, which
decides and words the error. ``tests/imaging/test_core_decode.py`` holds this module to that path pixel for pixel
and checks that the common files do come through here.
"""

from __future__ import annotations

import os
import stat
import zlib

from PIL import _imaging as core

from tui.imaging.decode import draft_request, pixel_limit, shrink, target_size

TYPE_CHECKING = False  # not typing's: this module exists to keep a short process from importing it
if TYPE_CHECKING:
    from collections.abc import Iterator

FLOYDSTEINBERG = 3  # PIL.Image.Dither.FLOYDSTEINBERG, what Image.convert passes to the core by default
MAX_FILE_BYTES = 256 * 2**20  # larger files are left to Pillow, which reads only what it decodes
_RAW_BLOCK = 65536  # PIL.ImageFile.MAXBLOCK
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_MODES = {(8, 0): "L", (8, 2): "RGB"}  # (bit depth, colour type) -> mode and raw mode
# Ancillary chunks Pillow parses in ways that change the picture or can fail: left to Pillow.
_PNG_DECLINED = {b"PLTE", b"tRNS", b"iCCP", b"zTXt", b"iTXt", b"eXIf", b"acTL", b"fcTL", b"fdAT", b"DDAT",
                 b"cICP", b"mDCV", b"cLLI"}  # fmt: skip
_PNG_LEAST = {b"gAMA": 4, b"cHRM": 32, b"sRGB": 1, b"pHYs": 9}  # shorter, Pillow raises "Truncated ... chunk"
# A tEXt chunk lands in Image.info under its own key, where Pillow reads some keys back: an orientation (getexif),
# interlacing, transparency, a frame's box. Such a chunk is left to Pillow (which may refuse the file).
_PILLOW_INFO_KEYS = frozenset((b"exif", b"Raw profile type exif", b"XML:com.adobe.xmp", b"xmp", b"interlace",
                               b"transparency", b"bbox", b"default_image", b"icc_profile"))  # fmt: skip
_JPEG_SOF = frozenset((0xFFC0, 0xFFC1, 0xFFC2))  # baseline, extended and progressive Huffman frames
_JPEG_LAYERS = {1: "L", 3: "RGB"}


class Raster:
    """The part of ``PIL.Image.Image`` a half-block preview uses (size, resize, convert, tobytes), over a core
    image: ``ansi_blocks.ansi_lines`` takes either."""

    __slots__ = ("im",)

    def __init__(self, im: core.ImagingCore) -> None:
        self.im = im

    @property
    def size(self) -> tuple[int, int]:
        return self.im.size

    @property
    def width(self) -> int:
        return self.im.size[0]

    @property
    def height(self) -> int:
        return self.im.size[1]

    @property
    def mode(self) -> str:
        return self.im.mode

    def resize(self, size: tuple[int, int], resample: int) -> Raster:
        return Raster(self.im.resize(size, resample, (0, 0, *self.im.size)))

    def reduce(self, factor: int) -> Raster:
        return Raster(self.im.reduce((factor, factor), (0, 0, *self.im.size)))

    def convert(self, mode: str) -> Raster:
        return self if mode == self.im.mode else Raster(self.im.convert(mode, FLOYDSTEINBERG))

    def tobytes(self) -> bytes:
        """The pixels in the image's own mode, as ``Image.tobytes()`` gives them (the raw encoder)."""
        encoder = core.raw_encoder(self.im.mode, self.im.mode)
        encoder.setimage(self.im, (0, 0, *self.im.size))
        out = []
        while True:
            _, status, data = encoder.encode(max(_RAW_BLOCK, self.im.size[0] * 4))
            out.append(data)
            if status:
                break
        if status < 0:
            raise OSError(f"encoder error {status}")
        return b"".join(out)


def decode_small_core(path: str, max_side: int) -> Raster | None:
    """``decode.decode_small(path, max_side)`` for a plain PNG or JPEG, or None: then ask ``decode_small``."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return None  # a FIFO, a device (/dev/zero) or a huge file: read whole, it would hang or fill memory
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            return None
        if data.startswith(_PNG_MAGIC):
            return _png(data, max_side)
        if data.startswith(b"\xff\xd8\xff"):
            return _jpeg(data, max_side)
    except Exception:  # a shortcut only: on any failure (even a changed core API) Pillow's path takes the file
        pass
    return None


def _small_rgb(im: core.ImagingCore, size: tuple[int, int], max_side: int) -> Raster:
    """decode_small's last steps: shrunk to fit ``max_side`` (of the original ``size``), greyscale made RGB."""
    return shrink(Raster(im), target_size(size, max_side)).convert("RGB")


def _run(decoder: core.ImagingDecoder, im: core.ImagingCore, payload: bytes) -> bool:
    """Feed the whole payload at once (what ImageFile.load does block by block); True when the image is complete."""
    decoder.setimage(im, (0, 0, *im.size))
    try:
        consumed, status = decoder.decode(payload)
    finally:
        decoder.cleanup()
    return consumed < 0 and status >= 0


# -- PNG -----------------------------------------------------------------------------------------


def _chunks(data: bytes, start: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, data offset, length) from ``start`` on, ending at the first header that is not whole."""
    pos = start
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        cid = data[pos + 4 : pos + 8]
        yield cid, pos + 8, length
        pos += 12 + length


def _is_cid(cid: bytes) -> bool:
    return len(cid) == 4 and all(c == 95 or 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 for c in cid)


def _plain_chunk(cid: bytes, body: bytes) -> bool:
    """A chunk Pillow reads without effect on the picture and without an error."""
    if cid in _PNG_DECLINED:
        return False
    if cid in _PNG_LEAST:
        return len(body) >= _PNG_LEAST[cid]
    if cid == b"tEXt":
        return body.split(b"\0", 1)[0] not in _PILLOW_INFO_KEYS
    return cid[0] >= 97  # other ancillary chunks are skipped; an unknown critical one is left to Pillow


def _png(data: bytes, max_side: int) -> Raster | None:
    header = _png_header(data)
    if header is None:
        return None
    mode, size, payload = header
    if size[0] * size[1] > pixel_limit():
        return None
    im = core.new(mode, size)
    decoder = core.zip_decoder(mode, mode)
    done = _run_beside_inflate(decoder, im, payload) if _cores() > 1 else _run(decoder, im, payload)
    return _small_rgb(im, size, max_side) if done else None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


_INFLATE_STEP = 1 << 17  # compressed bytes per step: small enough that the decoder starts at once


def _stored(raw: bytes) -> bytes:
    """``raw`` as deflate stored blocks (RFC 1951 §3.2.4): inflating them is a copy."""
    view = memoryview(raw)
    out: list[bytes | memoryview] = []
    for at in range(0, len(raw), 0xFFFF):
        block = view[at : at + 0xFFFF]
        out += (b"\0" + len(block).to_bytes(2, "little") + (len(block) ^ 0xFFFF).to_bytes(2, "little"), block)
    return b"".join(out)


def _run_beside_inflate(decoder: core.ImagingDecoder, im: core.ImagingCore, payload: bytes) -> bool:
    """Pillow's PNG decoder inflates and then unfilters each row, one after the other, on one core. Here a
    second thread inflates (zlib lets go of the GIL) while this one hands the decoder the inflated rows again as
    stored blocks, which it only copies before unfiltering (Pillow's decoder lets go of the GIL too): the same
    rows in the same order, a third less wall time on a 2048² output."""
    import queue
    import threading

    pieces: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def inflate() -> None:
        stream = zlib.decompressobj()
        try:
            for at in range(0, len(payload), _INFLATE_STEP):
                if raw := stream.decompress(payload[at : at + _INFLATE_STEP]):
                    pieces.put(raw)
        except zlib.error:
            pass  # the decoder then runs out of rows: None, and Pillow's path words the error
        finally:
            pieces.put(None)

    worker = threading.Thread(target=inflate, name="png-inflate", daemon=True)
    worker.start()
    decoder.setimage(im, (0, 0, *im.size))
    try:
        decoder.decode(b"\x78\x01")  # a zlib header; the trailer is never read, as the last row comes first
        pending = b""  # what the decoder left unread, handed back first (as ImageFile.load does)
        while (raw := pieces.get()) is not None:
            given = pending + _stored(raw)
            consumed, status = decoder.decode(given)
            if consumed < 0:
                return status >= 0
            pending = given[consumed:]
        return False
    finally:
        decoder.cleanup()
        worker.join()


def _png_header(data: bytes) -> tuple[str, tuple[int, int], bytes] | None:
    """(mode, size, the joined image data) of a plain PNG, its chunks read as PngImageFile reads them, or None."""
    mode: str | None = None
    size = (0, 0)
    idat: list[memoryview] = []
    view = memoryview(data)  # the image data is joined once, not copied chunk by chunk first
    after = False  # past the image data: what follows is read as Pillow's load_end() reads it
    for cid, at, length in _chunks(data, len(_PNG_MAGIC)):
        after = after or (bool(idat) and cid != b"IDAT")
        if not _is_cid(cid):
            if after:
                break  # load_end() stops quietly at a broken chunk after the image
            return None
        if at + length + (0 if after or cid == b"IDAT" else 4) > len(data):
            return None  # a truncated chunk, or before the image, a missing checksum
        if cid == b"IDAT":
            if not after:
                idat.append(view[at : at + length])  # one run of chunks; a later one is skipped, as load_end() skips it
            continue
        if cid == b"IEND":
            break
        body = data[at : at + length]
        if not after and zlib.crc32(body, zlib.crc32(cid)) != int.from_bytes(data[at + length : at + length + 4]):
            return None  # Pillow: "broken PNG file (bad header checksum)"
        if cid == b"IHDR" and not after and mode is None:
            if length < 13 or body[10] or body[11] or body[12]:
                return None  # truncated, or an unknown compression or filter method, or interlaced
            mode = _PNG_MODES.get((body[8], body[9]))
            size = (int.from_bytes(body[0:4], "big"), int.from_bytes(body[4:8], "big"))
            if mode is None or size[0] < 1 or size[1] < 1:
                return None
        elif cid == b"IHDR" or not _plain_chunk(cid, body):
            return None
    if mode is None or not idat:
        return None
    return mode, size, b"".join(idat)


# -- JPEG ----------------------------------------------------------------------------------------


def _jpeg(data: bytes, max_side: int) -> Raster | None:
    header = _jpeg_header(data)
    if header is None:
        return None
    mode, (w, h) = header
    if w * h > pixel_limit():
        return None
    request = draft_request((w, h), max_side)
    if request:
        # decode_small's JpegImageFile.draft(None, request): DCT scaling by the largest of 8, 4, 2, 1 that still
        # leaves the requested size, passed to the decoder as its (scale, draft) config
        ratio = min(w // request[0], h // request[1])
        scale = next((s for s in (8, 4, 2) if ratio >= s), 1)
        size = ((w + scale - 1) // scale, (h + scale - 1) // scale)
        decoder = core.jpeg_decoder(mode, mode, "", scale, 0)
    else:
        size = (w, h)
        decoder = core.jpeg_decoder(mode, mode, "")
    im = core.new(mode, size)
    if not _run(decoder, im, data):
        return None
    return _small_rgb(im, (w, h), max_side)


def _jpeg_header(data: bytes) -> tuple[str, tuple[int, int]] | None:
    """(mode, size) of a plain JPEG, its markers read as JpegImageFile._open reads them, or None."""
    pos = 2
    frame: tuple[str, tuple[int, int]] | None = None
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None  # junk between markers: Pillow skips it, this path does not guess
        marker = int.from_bytes(data[pos : pos + 2], "big")
        if marker == 0xFFFF:
            pos += 1  # fill byte
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        body = data[pos + 4 : pos + 2 + length]
        if length < 2 or len(body) != length - 2:
            return None
        if marker == 0xFFDA:  # start of scan: the header is over
            return frame
        if marker in _JPEG_SOF:
            layers = _JPEG_LAYERS.get(body[5]) if len(body) >= 6 else None
            if frame is not None or layers is None or body[0] != 8:
                return None
            size = (int.from_bytes(body[3:5], "big"), int.from_bytes(body[1:3], "big"))
            if size[0] < 1 or size[1] < 1:
                return None
            frame = (layers, size)
        elif marker == 0xFFDB:
            if not _quantization_tables_whole(body):
                return None
        elif 0xFFE0 <= marker <= 0xFFEF:
            if not _plain_app(marker, body):
                return None
        elif marker not in (0xFFC4, 0xFFDD, 0xFFFE):  # Huffman tables, restart interval, comment
            return None
        pos += 2 + length
    return None


def _quantization_tables_whole(body: bytes) -> bool:
    """JpegImageFile's DQT check: every table as long as its precision says."""
    while body:
        whole = 1 + (1 if body[0] // 16 == 0 else 2) * 64
        if len(body) < whole:
            return False  # Pillow: "bad quantization table marker"
        body = body[whole:]
    return True


def _plain_app(marker: int, body: bytes) -> bool:
    """An APPn block Pillow reads without error and that leaves the picture as decoded (no EXIF orientation)."""
    if marker == 0xFFE0 and body.startswith(b"JFIF"):
        return len(body) >= 7
    if marker == 0xFFE1 and (body.startswith(b"Exif\0\0") or b"tiff:Orientation" in body):
        return False  # EXIF, or XMP that getexif() reads an orientation from
    if marker == 0xFFE2 and (body.startswith(b"MPF\0") or body.startswith(b"ICC_PROFILE\0")):
        return False  # a multi-picture file, or a profile Pillow reassembles (and can fail on)
    if marker == 0xFFED and body.startswith(b"Photoshop 3.0\0"):
        return False
    if marker == 0xFFEE and body.startswith(b"Adobe"):
        return len(body) >= 12
    return True
