"""Values derived once per live object, for immutable protocol objects (messages, tool
specs) whose derived values cannot change while they live."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ObjectMemo(Generic[K, V]):
    """``compute(obj)``, computed once per object and forgotten when the object goes
    (keyed by identity: messages are equal by value but each is its own object)."""

    def __init__(self, compute: Callable[[K], V]) -> None:
        self._compute = compute
        self._values: dict[int, tuple[weakref.ref[K], V]] = {}

    def __call__(self, obj: K) -> V:
        key = id(obj)
        hit = self._values.get(key)
        if hit is not None and hit[0]() is obj:
            return hit[1]
        value = self._compute(obj)
        self._values[key] = (weakref.ref(obj, lambda gone: self._forget(key, gone)), value)
        return value

    def __contains__(self, obj: object) -> bool:
        hit = self._values.get(id(obj))
        return hit is not None and hit[0]() is obj

    def __len__(self) -> int:
        return len(self._values)

    def _forget(self, key: int, ref: weakref.ref[K]) -> None:
        hit = self._values.get(key)
        if hit is not None and hit[0] is ref:
            del self._values[key]
