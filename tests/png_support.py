"""A PNG reader written from the specification (W3C PNG, 2nd edition), independent of the encoder the
figures use: checks the file's structure and returns its pixels as a browser would decode them."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
DATA_URL = "data:image/png;base64,"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by colour type: grey, RGB, palette, grey + alpha, RGBA


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(tag, body) of every chunk, each CRC checked."""
    assert data[:8] == SIGNATURE, "not a PNG"
    out, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(tag + body) & 0xFFFFFFFF, f"bad CRC in chunk {tag!r}"
        out.append((tag, body))
        pos += 12 + length
    assert out[0][0] == b"IHDR" and out[-1][0] == b"IEND", "IHDR first, IEND last"
    return out


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _unfilter(raw: bytes, h: int, stride: int, bpp: int) -> np.ndarray:
    """Undo the per-row filters (none, sub, up, average, Paeth) of a non-interlaced image."""
    out = np.zeros((h, stride), dtype=np.uint8)
    prev = bytearray(stride)
    for i in range(h):
        kind, row = raw[i * (stride + 1)], bytearray(raw[i * (stride + 1) + 1 : (i + 1) * (stride + 1)])
        assert kind <= 4, f"unknown filter type {kind}"
        for j in range(stride):
            a = row[j - bpp] if j >= bpp else 0
            b = prev[j]
            c = prev[j - bpp] if j >= bpp else 0
            pred = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
            row[j] = (row[j] + pred) & 0xFF
        out[i] = np.frombuffer(bytes(row), dtype=np.uint8)
        prev = row
    return out


def decode(data: bytes) -> np.ndarray:
    """The pixels of a non-interlaced 8-bit RGBA or palette PNG as an (h, w, 4) uint8 array."""
    parts = chunks(data)
    w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", parts[0][1])
    assert interlace == 0 and colour in (3, 6), f"colour type {colour}, interlace {interlace}"
    assert depth == 8 or (colour == 3 and depth in (1, 2, 4)), f"bit depth {depth}"
    bits = CHANNELS[colour] * depth
    stride, bpp = (w * bits + 7) // 8, max(1, bits // 8)
    rows = _unfilter(zlib.decompress(b"".join(b for t, b in parts if t == b"IDAT")), h, stride, bpp)
    if colour == 6:
        return rows.reshape(h, w, 4)
    # palette indices, packed several to a byte below 8 bits, high bits first
    shifts = np.arange(8 - depth, -1, -depth)
    index = ((rows[:, :, None] >> shifts) & ((1 << depth) - 1)).reshape(h, -1)[:, :w]
    plte = next(b for t, b in parts if t == b"PLTE")
    table = np.full((len(plte) // 3, 4), 255, dtype=np.uint8)
    table[:, :3] = np.frombuffer(plte, dtype=np.uint8).reshape(-1, 3)
    trns = next((b for t, b in parts if t == b"tRNS"), b"")
    table[: len(trns), 3] = np.frombuffer(trns, dtype=np.uint8)
    return table[index]


def decode_data_url(source: str) -> np.ndarray:
    """The pixels of a layout image's ``data:image/png;base64,`` source."""
    assert source.startswith(DATA_URL)
    return decode(base64.b64decode(source[len(DATA_URL) :]))
