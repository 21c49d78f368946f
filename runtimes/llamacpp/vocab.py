"""A model's vocabulary as constrained decoding needs it, read once per model file.

llguidance needs the bytes of every token (control tokens marked with a 0xff prefix) and
the digit rule needs which tokens start with a digit. Reading them through llama.cpp takes
a call per token (262k for Gemma 3: seconds on a small CPU), so the table is kept under
``<cache_dir()>/vocab/``, keyed by the model file (path, size, modification time) and the
llama-cpp-python version, and read back in milliseconds. A cache that cannot be written
or read is skipped: the table is then built in memory, as before.
"""

from __future__ import annotations

import ctypes
import hashlib
import marshal
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
import numpy.typing as npt

from .files import cache_dir

FORMAT = 2
"""Bumped when what the table holds, or how it is built, changes."""


@dataclass(frozen=True)
class VocabTable:
    """Per token: its bytes for llguidance, and whether its plain text starts with a digit."""

    pieces: list[bytes]
    digits: npt.NDArray[np.bool_]


def token_piece(vocab: Any, token: int, special: bool) -> bytes:
    """The bytes of ``token`` (control tokens render empty unless ``special``)."""
    size = 64
    while True:
        buffer = ctypes.create_string_buffer(size)
        n = llama_cpp.llama_token_to_piece(vocab, token, buffer, size, 0, special)
        if n >= 0:
            return buffer.raw[:n]
        size = -n


def vocab_table(path: Path, vocab: Any) -> VocabTable:
    """The table of the model at ``path`` (its llama.cpp ``vocab``): from the cache when
    there, else built and cached."""
    cached = _cache_file(path)
    if cached is not None:
        table = _read(cached)
        if table is not None and len(table.pieces) == llama_cpp.llama_vocab_n_tokens(vocab):
            return table
    table = build_table(vocab)
    if cached is not None:
        _write(cached, table)
    return table


def build_table(vocab: Any) -> VocabTable:
    """The table read token by token through llama.cpp.

    As ``llguidance.llamacpp.lltokenizer_from_vocab``, on the non-deprecated vocab API:
    control tokens (and user tokens like ``<...>``) are marked special with a 0xff prefix.
    """
    pieces: list[bytes] = []
    digits: list[bool] = []
    for token in range(llama_cpp.llama_vocab_n_tokens(vocab)):
        piece = token_piece(vocab, token, True)
        attr = llama_cpp.llama_vocab_get_attr(vocab, token)
        user = attr & llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED
        if attr & llama_cpp.LLAMA_TOKEN_ATTR_CONTROL or (
            user and piece.startswith(b"<") and piece.endswith(b">")
        ):
            piece = b"\xff" + piece
        pieces.append(piece)
        digits.append(token_piece(vocab, token, False)[:1].isdigit())
    return VocabTable(pieces, np.array(digits, dtype=bool))


def _cache_file(path: Path) -> Path | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    identity = (
        f"{FORMAT}:{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{llama_cpp.__version__}"
    )
    return cache_dir() / "vocab" / f"{hashlib.sha256(identity.encode()).hexdigest()[:32]}.npz"


def _read(file: Path) -> VocabTable | None:
    try:
        with np.load(file, allow_pickle=False) as data:
            pieces, digits = marshal.loads(data["pieces"].tobytes()), data["digits"]
    except (OSError, KeyError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(pieces, list) or not all(type(piece) is bytes for piece in pieces):
        return None
    return VocabTable(pieces, digits)


def _write(file: Path, table: VocabTable) -> None:
    """Write atomically (a reader never sees half a file); failures only cost speed."""
    # marshal: 262k bytes objects come back ten times faster than sliced from one blob
    pieces = np.frombuffer(marshal.dumps(table.pieces), dtype=np.uint8)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=file.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, pieces=pieces, digits=table.digits)
        os.replace(temporary, file)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
