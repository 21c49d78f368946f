from __future__ import annotations

import pytest

from interlace.protocols.errors import ModelReferenceError
from interlace.runtimes import parse_model_ref


def test_parses_scheme_target_and_query() -> None:
    ref = parse_model_ref("openai:http://127.0.0.1:8000/v1?model=qwen&timeout=30")
    assert ref.scheme == "openai"
    assert ref.target == "http://127.0.0.1:8000/v1"
    assert ref.options == {"model": "qwen", "timeout": "30"}
    assert str(ref) == "openai:http://127.0.0.1:8000/v1?model=qwen&timeout=30"


def test_parses_path_targets() -> None:
    assert parse_model_ref("llamacpp:/models/q.gguf").target == "/models/q.gguf"
    assert parse_model_ref("litellm:anthropic/claude-x").target == "anthropic/claude-x"


def test_parses_config_blocks() -> None:
    ref = parse_model_ref({"backend": "openai", "base_url": "http://h/v1", "model": "m"})
    assert (ref.scheme, ref.target, dict(ref.options)) == ("openai", "http://h/v1", {"model": "m"})
    ref = parse_model_ref({"backend": "llamacpp:default", "n_ctx": 4096})
    assert (ref.scheme, ref.target, ref.options["n_ctx"]) == ("llamacpp", "default", 4096)


def test_block_without_backend_is_explained() -> None:
    with pytest.raises(ModelReferenceError, match="needs a 'backend' key"):
        parse_model_ref({"model": "x"})
