"""The one sync shim: interlace is async first (anyio); sync callers use :func:`run_sync`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import anyio

P = ParamSpec("P")
R = TypeVar("R")


def run_sync(function: Callable[P, Awaitable[R]], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run an async function to completion from synchronous code.

    Raises ``RuntimeError`` when called from inside a running event loop; there, ``await``
    the function instead.
    """

    async def call() -> R:
        return await function(*args, **kwargs)

    return anyio.run(call)
