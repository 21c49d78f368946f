"""A real OpenAI-compatible server for the tests: llama-cpp-python's server on a free port,
serving the packaged Gemma model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import ServerFailed, llama_cpp_server, packaged_model


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:PORT/v1``) of a running ``llama_cpp.server``."""
    model = packaged_model(tmp_path_factory.mktemp("model"))
    log = tmp_path_factory.mktemp("server") / "server.log"
    try:
        with llama_cpp_server(model, log) as url:
            yield url
    except ServerFailed as exc:
        pytest.fail(str(exc))
