"""The shipped test kit: the doubles, and the conformance suites as a plugin author runs
them (one command), capability-aware (a text-only backend, a read-only toolset pass)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Literal

from interlace.protocols import Message, ModelRequest
from interlace.runtimes import Capabilities, call
from interlace.testing import FunctionBackend, TextOnlyConformance

HERE = Path(__file__).parent


def _kit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interlace.testing", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=HERE,
        check=False,
    )


def test_one_command_runs_the_backend_suite_on_a_plugin_backend() -> None:
    result = _kit("backend", "reverse:demo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout  # with the tool-call test: reverse declares tools


def test_one_command_runs_the_toolset_suite_on_a_read_only_plugin_kind() -> None:
    call_args = ("--call", "define", '{"term": "gguf"}', "--expect", "file format")
    result = _kit("toolset", "glossary", "--options", '{"file": "glossary.txt"}', *call_args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 passed" in result.stdout  # no failing-tool tests: it is not an echo/fail toolset


async def test_function_backend_answers_each_request_from_the_request() -> None:
    async def answer(request: ModelRequest) -> object:
        last = request.messages[-1].text
        return call("lookup", term=last) if request.tools else last.upper()

    backend = FunctionBackend(answer)
    response = await backend.complete(ModelRequest(messages=(Message.user("hi there"),)))
    assert response.message.text == "HI THERE"
    assert response.usage.input_tokens == 2
    assert len(backend.requests) == 1


class TestTextOnlyBackend(TextOnlyConformance):
    expected_name = "function"
    expected_capabilities = Capabilities()

    def make_backend(self, purpose: Literal["text", "tools"]) -> FunctionBackend:
        words = "Red, orange and yellow are three colours of the rainbow. " * 4
        return FunctionBackend(
            lambda request: words, capabilities=Capabilities(), chunk_size=4, chunk_delay=0.001
        )
