"""The openai: and litellm: backends pass the backend conformance suite against a real
llama_cpp.server (temperature 0)."""

from __future__ import annotations

from typing import Literal

import pytest

from interlace.runtimes import Backend, Capabilities, resolve_backend
from interlace.testing import ToolCallConformance

# What a backend learns from llama-cpp-python's server on its first request: no native tool
# calls, a JSON-Schema constraint instead; the server does not report its context window.
SCHEMA_PATH = Capabilities(constrained_decoding=True, json_schema_output=True)


class TestOpenAIConformance(ToolCallConformance):
    max_tokens = 8
    expected_capabilities = SCHEMA_PATH

    @property
    def expected_name(self) -> str:  # type: ignore[override]
        return f"openai:{self.base_url}?model=gemma"

    @pytest.fixture(autouse=True)
    def _server(self, llama_server: str) -> None:
        self.base_url = llama_server

    def make_backend(self, purpose: Literal["text", "tools"]) -> Backend:
        return resolve_backend(f"openai:{self.base_url}?model=gemma")


class TestLiteLLMConformance(ToolCallConformance):
    max_tokens = 8
    expected_name = "litellm:openai/gemma"
    expected_capabilities = SCHEMA_PATH

    @pytest.fixture(autouse=True)
    def _server(self, llama_server: str) -> None:
        self.base_url = llama_server

    def make_backend(self, purpose: Literal["text", "tools"]) -> Backend:
        return resolve_backend(
            f"litellm:openai/gemma?api_base={self.base_url}&server=llama-cpp-python"
        )
