"""The llama.cpp backend passes the backend conformance suite with the packaged model."""

from __future__ import annotations

from typing import Literal

from interlace.runtimes.llamacpp import LlamaCppBackend
from tests.conformance.backend_suite import BackendConformance
from tests.runtimes.llamacpp.conftest import OPTIONS


class TestLlamaCppConformance(BackendConformance):
    cancel_grace = 30.0

    def make_backend(self, purpose: Literal["text", "tools"]) -> LlamaCppBackend:
        return LlamaCppBackend("default", OPTIONS)
