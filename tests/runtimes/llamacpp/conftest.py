"""Shared fixtures: one llama.cpp backend on the packaged default model."""

from __future__ import annotations

import pytest

from interlace.runtimes.llamacpp import LlamaCppBackend, LlamaCppOptions

OPTIONS = LlamaCppOptions(n_ctx=2048)


@pytest.fixture(scope="session")
def backend() -> LlamaCppBackend:
    """The default model with a 2048-token context (loaded once, shared by the tests)."""
    return LlamaCppBackend("default", OPTIONS)
