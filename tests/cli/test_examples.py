"""The examples, run the way their READMEs say, on the real on-device model."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.processes import free_port, stop_process

from .helpers import REPO, interlace

EXAMPLES = REPO / "examples"
CODES = {"final": 0, "error": 1}


def _run_json(*args: str) -> dict[str, object]:
    result = interlace("run", *args, "--json", timeout=600)
    assert result.stdout, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    assert result.returncode == CODES.get(str(data["stop_reason"]), 4), result.stderr
    return data


@pytest.mark.slow
def test_single_agent_example() -> None:
    config = str(EXAMPLES / "single_agent" / "config.yaml")
    assert interlace("validate", config).returncode == 0
    data = _run_json(config, "What is 17 * 23?")
    assert data["agent"] == "assistant"
    usage = data["usage_by_agent"]
    assert isinstance(usage, dict)
    assert "assistant" in usage, data
    assert usage["assistant"]["output_tokens"] > 0


@pytest.mark.slow
def test_multi_agent_example() -> None:
    config = str(EXAMPLES / "multi_agent" / "config.yaml")
    data = _run_json(config, "Why is the sky blue?")
    usage = data["usage_by_agent"]
    assert isinstance(usage, dict)
    assert set(usage) == {"researcher", "writer"}


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """A real llama.cpp OpenAI-compatible server with the packaged model, in its default
    chat format (the openai backend tests pin ``--chat_format gemma`` instead)."""
    from interlace.runtimes.llamacpp import default_model_path

    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(default_model_path()),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--model_alias", "gemma",
    ]  # fmt: skip
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
def test_swap_models_example(llama_server: str) -> None:
    config = str(EXAMPLES / "swap_models" / "config.yaml")
    swap = [
        "--set",
        f"models.default=openai:{llama_server}?model=gemma",
        "--set",
        "agents.assistant.planner=plan_execute",
    ]
    checked = interlace("validate", config, *swap, "--json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["config"]["agents"]["assistant"]["planner"] == "plan_execute"
    models = interlace("models", config, *swap[:2], "--json")
    assert models.returncode == 0, models.stdout
    row = json.loads(models.stdout)["models"][0]
    assert row["model"].startswith("openai:http://127.0.0.1")
    assert row["reachable"] is True
    data = _run_json(config, "Say hello.", *swap)
    usage = data["usage_by_agent"]
    assert isinstance(usage, dict)
    assert "assistant" in usage, data
    assert usage["assistant"]["output_tokens"] > 0
