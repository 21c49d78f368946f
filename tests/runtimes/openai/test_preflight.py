"""Preflight probes, settings errors, capability checks and lazy litellm.

The preflight of a real server runs against llama-cpp-python's server; the ``test_fixture_``
tests answer with hand-written ``/v1/models`` lists in vLLM's and Ollama's documented shapes.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import respx

from interlace.protocols.errors import CapabilityError, ConfigError, ModelReferenceError
from interlace.runtimes import Capabilities, ScriptedBackend, resolve_backend
from interlace.runtimes.capability_check import require_tool_path
from interlace.runtimes.openai import OpenAIBackend

from .wire import BASE


async def test_preflight_of_the_real_server_detects_kind_and_model(llama_server: str) -> None:
    backend = resolve_backend(f"openai:{llama_server}")
    assert isinstance(backend, OpenAIBackend)
    info = await backend.preflight()
    await backend.aclose()
    assert info.models == ("gemma",)
    assert backend.profile.kind == "llama-cpp-python"
    assert backend.model == "gemma"
    assert backend.capabilities.constrained_decoding
    assert not backend.capabilities.native_tools


@respx.mock
async def test_fixture_vllm_models_list_gives_kind_and_context_length() -> None:
    entry = {"id": "qwen", "object": "model", "owned_by": "vllm", "max_model_len": 32768}
    respx.get(f"{BASE}/models").respond(json={"object": "list", "data": [entry]})
    backend = resolve_backend(f"openai:{BASE}?model=qwen")
    assert isinstance(backend, OpenAIBackend)
    await backend.preflight()
    assert backend.profile.kind == "vllm"
    assert backend.capabilities.context_window == 32768


@respx.mock
async def test_fixture_strict_server_rejects_a_model_it_does_not_serve() -> None:
    entry = {"id": "llama3:latest", "object": "model", "owned_by": "library"}
    respx.get(f"{BASE}/models").respond(json={"object": "list", "data": [entry]})
    backend = resolve_backend(f"openai:{BASE}?model=qwen")
    assert isinstance(backend, OpenAIBackend)
    with pytest.raises(ModelReferenceError, match="serves: llama3:latest"):
        await backend.preflight()


def test_block_reference_with_headers_and_api_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_KEY", "sk-test")
    block = {
        "backend": "openai",
        "base_url": "http://gpu:8000/v1/",
        "model": "qwen",
        "api_key_env": "MY_KEY",
        "headers": {"X-Team": "a"},
        "server": "vllm",
        "timeout": "30",
    }
    backend = resolve_backend(block)
    assert isinstance(backend, OpenAIBackend)
    assert backend.settings.base_url == "http://gpu:8000/v1"
    assert backend.settings.timeout == 30.0
    assert backend.settings.auth_headers() == {"X-Team": "a", "Authorization": "Bearer sk-test"}


def test_unknown_option_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"modle.*known options: base_url, model"):
        resolve_backend("openai:http://h:1/v1?modle=x")
    with pytest.raises(ConfigError, match="must start with http"):
        resolve_backend("openai:localhost:8000?model=x")


def test_missing_api_key_variable_is_a_config_error_when_resolved() -> None:
    with pytest.raises(ConfigError, match=r"INTERLACE_NO_SUCH_VAR.*is not set"):
        resolve_backend("openai:http://h:1/v1?api_key_env=INTERLACE_NO_SUCH_VAR")
    with pytest.raises(ConfigError, match=r"INTERLACE_NO_SUCH_VAR.*is not set"):
        resolve_backend("litellm:openai/x?api_key_env=INTERLACE_NO_SUCH_VAR")


def test_require_tool_path_says_what_to_change() -> None:
    no_tools = resolve_backend("openai:http://h:1/v1?model=m&server=vllm&tool_strategy=none")
    with pytest.raises(CapabilityError, match=r"agent 'researcher'.*tool_strategy: parse"):
        require_tool_path(no_tools, "researcher")
    require_tool_path(resolve_backend("openai:http://h:1/v1?model=m&server=vllm"), "a")
    prompted = resolve_backend("openai:http://h:1/v1?model=m&json_schema=false&native_tools=false")
    with pytest.raises(CapabilityError):
        require_tool_path(prompted, "b")
    opted_in = resolve_backend(
        "openai:http://h:1/v1?model=m&json_schema=false&native_tools=false&tool_strategy=parse"
    )
    require_tool_path(opted_in, "c")
    with pytest.raises(CapabilityError, match="'plain'"):
        require_tool_path(ScriptedBackend(["x"], name="plain", capabilities=Capabilities()), "d")


def test_litellm_is_imported_only_when_a_call_is_made() -> None:
    code = (
        "import sys, os\n"
        "from interlace.runtimes import resolve_backend\n"
        "b = resolve_backend('litellm:anthropic/claude-x')\n"
        "assert 'litellm' not in sys.modules, 'imported too early'\n"
        "from interlace.runtimes.litellm_backend import load_litellm\n"
        "m = load_litellm()\n"
        "assert os.environ['LITELLM_LOCAL_MODEL_COST_MAP'] == 'True'\n"
        "assert m.telemetry is False\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "cost map fetch" not in result.stderr
