"""The openai: and litellm: backends pass the backend conformance suite against a real
llama_cpp.server (temperature 0)."""

from __future__ import annotations

from typing import Literal

import pytest

from interlace.runtimes import Backend, resolve_backend
from tests.conformance.backend_suite import BackendConformance


class TestOpenAIConformance(BackendConformance):
    max_tokens = 8

    @pytest.fixture(autouse=True)
    def _server(self, llama_server: str) -> None:
        self.base_url = llama_server

    def make_backend(self, purpose: Literal["text", "tools"]) -> Backend:
        return resolve_backend(f"openai:{self.base_url}?model=gemma")


class TestLiteLLMConformance(BackendConformance):
    max_tokens = 8

    @pytest.fixture(autouse=True)
    def _server(self, llama_server: str) -> None:
        self.base_url = llama_server

    def make_backend(self, purpose: Literal["text", "tools"]) -> Backend:
        return resolve_backend(
            f"litellm:openai/gemma?api_base={self.base_url}&server=llama-cpp-python"
        )
