"""Keep llama.cpp off CPU code paths known to crash the process.

llama.cpp's AMX kernels (compiled in when llama-cpp-python is built with ``-march=native``
on a CPU with AMX) run tile instructions on worker threads that Linux has not granted AMX
state, and the process dies with SIGILL (ggml-org/llama.cpp PR 26954, open). AMX is reached
through llama.cpp's "extra buffer types", so while a build has AMX compiled in, models load
without them (weight repacking is skipped too: a small speed cost, no crash). The Makefile
builds llama-cpp-python without AMX; ``INTERLACE_LLAMA_EXTRA_BUFFERS=1`` (or ``0``) overrides
the choice.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import Any

import llama_cpp

OVERRIDE_ENV = "INTERLACE_LLAMA_EXTRA_BUFFERS"


@functools.cache
def amx_compiled() -> bool:
    """Whether this llama.cpp build has the AMX kernels in it."""
    info = llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")
    return "AMX_INT8 = 1" in info


def extra_buffers_allowed() -> bool:
    """Whether models may load with llama.cpp's extra buffer types (AMX, repacking)."""
    forced = os.environ.get(OVERRIDE_ENV)
    if forced in ("0", "1"):
        return forced == "1"
    return not amx_compiled()


@contextlib.contextmanager
def safe_model_params() -> Iterator[None]:
    """While a model loads, llama.cpp's default model params skip extra buffer types when
    they are unsafe (call it under the loader's lock: it swaps a module attribute)."""
    if extra_buffers_allowed():
        yield
        return
    module: Any = llama_cpp.llama_cpp
    original = module.llama_model_default_params

    def without_extra_buffers() -> Any:
        params = original()
        params.use_extra_bufts = False
        return params

    module.llama_model_default_params = without_extra_buffers
    try:
        yield
    finally:
        module.llama_model_default_params = original
