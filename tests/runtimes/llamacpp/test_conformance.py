"""The llama.cpp backend passes the backend conformance suite with the packaged model."""

from __future__ import annotations

from typing import Literal

from interlace.runtimes import Capabilities
from interlace.runtimes.llamacpp import LlamaCppBackend
from interlace.testing import ToolCallConformance
from tests.runtimes.llamacpp.conftest import OPTIONS


class TestLlamaCppConformance(ToolCallConformance):
    expected_name = "llamacpp:default"
    expected_capabilities = Capabilities(
        native_tools=True,
        constrained_decoding=True,
        json_schema_output=True,
        context_window=OPTIONS.n_ctx,
        parallel_tool_calls=True,
        base_model=True,  # the packaged Gemma 3 270M is a base model
    )

    def make_backend(self, purpose: Literal["text", "tools"]) -> LlamaCppBackend:
        return LlamaCppBackend("default", OPTIONS)
