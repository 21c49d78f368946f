"""A GGUF cut short is found from its header, before llama.cpp loads it."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from interlace.protocols.errors import ModelFileError
from interlace.runtimes.llamacpp.files import check_gguf
from interlace.runtimes.llamacpp.gguf_size import Truncated, missing_bytes


def _string(text: str) -> bytes:
    return struct.pack("<Q", len(text)) + text.encode()


def _gguf(data_bytes: int, *, alignment: int = 32) -> bytes:
    """A GGUF v3 file: an alignment key, a string array, one F32 tensor of 8 x 4 and one
    Q4_K tensor of 256 elements; ``data_bytes`` of tensor data follow the header."""
    metadata = (
        _string("general.alignment")
        + struct.pack("<II", 4, alignment)
        + _string("tokenizer.tokens")
        + struct.pack("<IIQ", 9, 8, 3)
        + b"".join(_string(t) for t in ("a", "bb", "ccc"))
    )
    tensors = (
        _string("w")
        + struct.pack("<IQQ", 2, 8, 4)
        + struct.pack("<IQ", 0, 0)
        + _string("q")
        + struct.pack("<IQ", 1, 256)
        + struct.pack("<IQ", 12, 128)
    )
    header = b"GGUF" + struct.pack("<IQQ", 3, 2, 2) + metadata + tensors
    padding = -len(header) % alignment
    return header + b"\0" * padding + b"\1" * data_bytes


@pytest.mark.parametrize("alignment", [32, 64])
def test_missing_bytes_counts_what_the_header_announces(tmp_path: Path, alignment: int) -> None:
    path = tmp_path / "m.gguf"
    complete = 128 + 144  # the F32 tensor (padded to the Q4_K offset), then one Q4_K block
    for have, missing in [(complete, 0), (complete + 7, 0), (complete - 1, 1), (100, 172)]:
        path.write_bytes(_gguf(have, alignment=alignment))
        assert missing_bytes(path) == missing, have
    path.write_bytes(_gguf(0)[:40])
    with pytest.raises(Truncated):
        missing_bytes(path)


def test_check_gguf_refuses_a_cut_download(tmp_path: Path) -> None:
    path = tmp_path / "cut.gguf"
    path.write_bytes(_gguf(200))
    with pytest.raises(ModelFileError, match=r"cut\.gguf is truncated .*72 bytes .*download it"):
        check_gguf(path)
    path.write_bytes(_gguf(272))
    check_gguf(path)
