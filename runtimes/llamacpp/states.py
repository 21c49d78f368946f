"""Evaluated prompt prefixes: reuse across turns, and one saved state per ``cache_key``.

The context of a loaded model holds one token sequence. A call whose prompt starts with
that sequence only evaluates the rest. When several conversations (agents) take turns on
one model, the sequence of the conversation being switched away from is saved (llama.cpp
sequence state: its KV cache) under its ``cache_key`` and restored when it comes back.
"""

from __future__ import annotations

import ctypes
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Tokens = npt.NDArray[np.intc]


def common_prefix(a: Tokens, b: Tokens) -> int:
    """The length of the longest common prefix of two token arrays."""
    n = min(len(a), len(b))
    diff = np.flatnonzero(a[:n] != b[:n])
    return int(diff[0]) if diff.size else n


@dataclass
class Snapshot:
    """The tokens of a saved sequence and its llama.cpp state bytes."""

    tokens: Tokens
    data: Any  # ctypes byte array


class PrefixStates:
    """Which conversation owns the context now, and saved states of the others (LRU)."""

    def __init__(self, capacity: int = 8) -> None:
        self.capacity = capacity
        self.owner: str | None = None
        self.saved: OrderedDict[str, Snapshot] = OrderedDict()
        self.restores = 0

    def prepare(self, llm: Any, key: str | None, prompt: Tokens) -> int:
        """Make the context best for ``prompt``; return how many of its tokens are cached.

        Call with the model lock held. The caller evaluates ``prompt`` from that length on.
        """
        current = llm.input_ids[: llm.n_tokens]
        cached = common_prefix(current, prompt)
        if key == self.owner:
            return cached
        if self.owner is not None and self.capacity > 0 and llm.n_tokens > 0:
            self._save(llm, self.owner, current)
        self.owner = key
        snapshot = self.saved.pop(key, None) if key is not None else None
        if snapshot is not None:
            restored = common_prefix(snapshot.tokens, prompt)
            if restored > cached:
                return restored if self._restore(llm, snapshot) else 0
        return cached

    def _save(self, llm: Any, key: str, current: Tokens) -> None:
        import llama_cpp

        old = self.saved.get(key)
        if old is not None and np.array_equal(old.tokens, current):
            self.saved.move_to_end(key)
            return
        size = llama_cpp.llama_state_seq_get_size(llm.ctx, 0)
        data = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(llm.ctx, data, size, 0)
        if written <= 0:
            return
        self.saved[key] = Snapshot(tokens=current.copy(), data=data)
        self.saved.move_to_end(key)
        while len(self.saved) > self.capacity:
            self.saved.popitem(last=False)

    def _restore(self, llm: Any, snapshot: Snapshot) -> bool:
        import llama_cpp

        llm._ctx.kv_cache_seq_rm(0, -1, -1)
        read = llama_cpp.llama_state_seq_set_data(
            llm.ctx, snapshot.data, ctypes.sizeof(snapshot.data), 0
        )
        if read <= 0:
            llm.n_tokens = 0
            return False
        n = len(snapshot.tokens)
        llm.input_ids[:n] = snapshot.tokens
        llm.n_tokens = n
        self.restores += 1
        return True
