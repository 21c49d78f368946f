"""The examples, run the way their READMEs say, on the real on-device model: each must
reach a final answer (exit 0) that is right."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interlace.tools.builtins import evaluate
from tests.processes import free_port, stop_process

from .helpers import REPO, interlace

EXAMPLES = REPO / "examples"
CHAT_FORMATS = {"gemma-default": None, "gemma-chat": "gemma"}
"""The swap example's server aliases: llama-cpp-python's default chat format for a GGUF
without a template (llama-2) and its gemma format."""


def _run_json(*args: str) -> dict[str, Any]:
    """``interlace run ARGS --json``: it must end with a final answer and exit 0."""
    result = interlace("run", *args, "--json", timeout=600)
    assert result.stdout, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    assert (data["stop_reason"], result.returncode) == ("final", 0), (data["detail"], data)
    return data


def _answers(data: dict[str, Any]) -> list[str]:
    return [m["content"] for m in data["messages"] if m["role"] == "assistant" and m["content"]]


@pytest.mark.slow
def test_single_agent_example_computes_through_the_calculator() -> None:
    config = str(EXAMPLES / "single_agent" / "config.yaml")
    assert interlace("validate", config).returncode == 0
    data = _run_json(config, "What is 17 * 23?")
    assert data["agent"] == "assistant"
    calls = [call for message in data["messages"] for call in message["tool_calls"]]
    assert [call["name"] for call in calls] == ["calculator"], data["messages"]
    assert evaluate(calls[0]["arguments"]["expression"]) == 391
    assert [m["content"] for m in data["messages"] if m["role"] == "tool"] == ["391"]
    assert "391" in data["output"]


@pytest.mark.slow
def test_multi_agent_writer_rewrites_the_researchers_notes() -> None:
    config = str(EXAMPLES / "multi_agent" / "config.yaml")
    data = _run_json(config, "Why is the sky blue?")
    assert set(data["usage_by_agent"]) == {"researcher", "writer"}
    notes, sentence = _answers(data)
    assert data["output"] == sentence
    assert sentence != notes
    assert "sky" in sentence.lower()
    assert re.fullmatch(r"[^.!?\n]+[.!?]", sentence), sentence  # one sentence


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real llama.cpp OpenAI-compatible server with the packaged model under two
    aliases, one per chat format (``CHAT_FORMATS``)."""
    from interlace.runtimes.llamacpp import default_model_path

    port = free_port()
    models = [
        {"model": str(default_model_path()), "model_alias": alias, "n_ctx": 2048}
        | ({"chat_format": chat_format} if chat_format else {})
        for alias, chat_format in CHAT_FORMATS.items()
    ]
    settings = Path(tmp_path_factory.mktemp("llama-server")) / "config.json"
    settings.write_text(json.dumps({"host": "127.0.0.1", "port": port, "models": models}))
    command = [sys.executable, "-m", "llama_cpp.server", "--config_file", str(settings)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail("the llama.cpp server did not start within 120 s")
        yield url
    finally:
        stop_process(process, timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("alias", list(CHAT_FORMATS))
def test_swap_models_example_plans_on_a_llama_cpp_server(llama_server: str, alias: str) -> None:
    config = str(EXAMPLES / "swap_models" / "config.yaml")
    swap = [
        "--set",
        f"models.default=openai:{llama_server}?model={alias}",
        "--set",
        "agents.assistant.planner=plan_execute",
    ]
    checked = interlace("validate", config, *swap, "--json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["config"]["agents"]["assistant"]["planner"] == "plan_execute"
    # the server loads the alias's model on its first request: slow on a loaded machine
    models = interlace("models", config, *swap[:2], "--json", "--timeout", "180")
    assert models.returncode == 0, models.stdout
    row = json.loads(models.stdout)["models"][0]
    assert row["model"].startswith("openai:http://127.0.0.1")
    assert row["reachable"] is True
    data = _run_json(config, "Say hello.", *swap)
    plan, *_ = _answers(data)
    assert plan.startswith("Plan:\n1. "), data["messages"]
    steps = [m["content"] for m in data["messages"] if m["role"] == "user"][1:]
    assert steps
    assert all(step.startswith("Carry out step") for step in steps)
    assert data["output"].strip(), data  # a final answer: not JSON, not cut off
    assert not data["output"].startswith("{"), data["output"]
    assert data["usage_by_agent"]["assistant"]["output_tokens"] > 0
