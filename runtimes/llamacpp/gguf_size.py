"""Is a GGUF file complete? Read its header and tensor table, without loading it.

A download cut short still starts with ``GGUF``; llama.cpp only notices when it loads the
file. :func:`missing_bytes` walks the header (metadata and tensor infos, GGUF v2/v3) and
compares the end of the tensor data with the file size, so ``interlace validate`` can say
"truncated" up front. Tensor sizes are counted only for well-known types, so an unknown
quantisation can make the check lenient, never wrong.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

DEFAULT_ALIGNMENT = 32
# ggml type id -> (elements per block, bytes per block), for the common types only.
_BLOCKS = {
    0: (1, 4),  # F32
    1: (1, 2),  # F16
    2: (32, 18),  # Q4_0
    3: (32, 20),  # Q4_1
    6: (32, 22),  # Q5_0
    7: (32, 24),  # Q5_1
    8: (32, 34),  # Q8_0
    10: (256, 84),  # Q2_K
    11: (256, 110),  # Q3_K
    12: (256, 144),  # Q4_K
    13: (256, 176),  # Q5_K
    14: (256, 210),  # Q6_K
    30: (1, 2),  # BF16
}
# GGUF metadata value types with a fixed size (8 is a string, 9 an array).
_FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY, _UINT32 = 8, 9, 4


class Truncated(Exception):
    """The file ends inside its own header."""


class _Unknown(Exception):
    """A metadata value type newer than this reader: the check gives up (lenient)."""


def missing_bytes(path: Path) -> int:
    """How many bytes ``path`` lacks for the tensor data its header announces (0 when
    complete, as far as can be told); raises :class:`Truncated` if the header itself is cut."""
    try:
        return _missing(path)
    except _Unknown:
        return 0


def _missing(path: Path) -> int:
    size = path.stat().st_size
    with path.open("rb") as handle:
        _read(handle, 4)  # magic, checked by the caller
        version, tensors, entries = struct.unpack("<IQQ", _read(handle, 20))
        if version < 2:
            return 0  # GGUF v1 used 32-bit counts; too old to matter
        alignment = DEFAULT_ALIGNMENT
        for _ in range(entries):
            key = _string(handle)
            kind = _u32(handle)
            if key == "general.alignment" and kind == _UINT32:
                alignment = _u32(handle) or DEFAULT_ALIGNMENT
            else:
                _skip_value(handle, kind)
        end = max((_tensor_end(handle) for _ in range(tensors)), default=0)
        start = -(-handle.tell() // alignment) * alignment
    return max(0, start + end - size)


def _tensor_end(handle: BinaryIO) -> int:
    """Where one tensor's data ends, relative to the start of the data section."""
    _string(handle)
    dims = _u32(handle)
    count = 1
    for extent in struct.unpack(f"<{dims}Q", _read(handle, 8 * dims)):
        count *= extent
    kind, offset = struct.unpack("<IQ", _read(handle, 12))
    per_block, block_bytes = _BLOCKS.get(kind, (1, 0))
    return int(offset + count // per_block * block_bytes)


def _skip_value(handle: BinaryIO, kind: int) -> None:
    if kind == _STRING:
        _string(handle)
    elif kind == _ARRAY:
        item, count = struct.unpack("<IQ", _read(handle, 12))
        if item in _FIXED:
            handle.seek(_FIXED[item] * count, 1)
        elif item == _STRING:  # a vocabulary: hundreds of thousands of strings
            length = struct.Struct("<Q")
            for _ in range(count):
                handle.seek(length.unpack(_read(handle, 8))[0], 1)
        else:
            for _ in range(count):
                _skip_value(handle, item)
    elif kind in _FIXED:
        handle.seek(_FIXED[kind], 1)
    else:
        raise _Unknown(kind)


def _string(handle: BinaryIO) -> str:
    (length,) = struct.unpack("<Q", _read(handle, 8))
    return _read(handle, length).decode("utf-8", errors="replace")


def _u32(handle: BinaryIO) -> int:
    value: int = struct.unpack("<I", _read(handle, 4))[0]
    return value


def _read(handle: BinaryIO, count: int) -> bytes:
    data = handle.read(count)
    if len(data) != count:
        raise Truncated("the file ends inside its header")
    return data
