"""Runs inside the network namespace that tests/agents/test_offline_strict.py makes.

``listen LOG``: a TCP listener on 192.0.2.2:8081 and a DNS server on 192.0.2.53:53 (the
namespace's only name server) append one line to LOG per connection or query.
``probe LOG``: tries every way out under ``offline: strict`` and prints, as JSON, what
each attempt said and how many connections / DNS queries reached the listeners.
"""

from __future__ import annotations

import _socket
import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REMOTE = ("192.0.2.2", 8081)
NAME = "gpu-box.test"
DNS = ("192.0.2.53", 53)


# --- listen -------------------------------------------------------------------------------


def listen(log: Path) -> None:
    def record(line: str) -> None:
        with log.open("a") as out:
            out.write(line + "\n")

    def accept() -> None:
        with socket.create_server(REMOTE) as server:
            while True:
                connection, _ = server.accept()
                record("tcp")
                connection.close()

    def answer() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
            server.bind(DNS)
            while True:
                query, client = server.recvfrom(512)
                record("dns")
                end = query.index(b"\x00", 12) + 5  # the question: name, type, class
                header = query[:2] + b"\x81\x83\x00\x01\x00\x00\x00\x00\x00\x00"
                server.sendto(header + query[12:end], client)  # NXDOMAIN

    threading.Thread(target=accept, daemon=True).start()
    threading.Thread(target=answer, daemon=True).start()
    time.sleep(0.2)
    record("ready")
    time.sleep(600)


# --- probe --------------------------------------------------------------------------------


def counts(log: Path) -> dict[str, int]:
    lines = log.read_text().split()
    return {"tcp": lines.count("tcp"), "dns": lines.count("dns")}


def attempt(log: Path, action: Callable[[], Any]) -> dict[str, Any]:
    before, start = counts(log), time.monotonic()
    try:
        outcome = f"ok: {str(action())[:400]}"
    except Exception as error:  # what the user would see
        outcome = f"{type(error).__name__}: {error}"
    time.sleep(0.05)
    after = counts(log)
    took = round(time.monotonic() - start, 2)
    return {"said": outcome, "s": took, **{key: after[key] - before[key] for key in after}}


def raw_name_connect() -> None:
    with socket.socket() as sock:
        sock.settimeout(2)
        sock.connect((NAME, 8081))


def udp_query() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6 + b"\x01x\x00\x00\x01\x00\x01", DNS)


def open_asyncio(host: str) -> None:
    async def go() -> None:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, 8081), 2)
        writer.close()

    asyncio.run(go())


def run_config(model: str, offline: str = "off") -> str:
    """Run an agent on ``model``: with ``offline=off`` only the process guard (already on)
    stands in the way; with ``strict`` the config check refuses it before anything runs."""
    from interlace.agents.config import load_config
    from interlace.agents.system import build_system
    from interlace.protocols.aio import run_sync

    config_file = Path(sys.argv[3])
    overrides = [f"models.default={model}", f"offline={offline}"]
    system = build_system(load_config(config_file, overrides))
    try:
        result = run_sync(system.run, "hi")
        return f"stop_reason={result.stop_reason} {result.detail}"
    finally:
        run_sync(system.aclose)


def list_tools(kind: str, options: dict[str, Any]) -> Any:
    from interlace.protocols.aio import run_sync
    from interlace.tools.registry import build_toolset

    toolset = build_toolset(kind, options)

    async def go() -> Any:
        try:
            return await toolset.list_tools()
        finally:
            await toolset.aclose()

    return run_sync(go)


def chroma_http() -> None:
    from interlace.tools.retrieval import StoreSettings, open_store

    settings = StoreSettings(mode="http", host=REMOTE[0], port=REMOTE[1])
    open_store(settings, embedder=object())  # type: ignore[arg-type]


def otlp() -> None:
    from interlace.agents.config.runtime import configure_tracing
    from interlace.agents.config.schema import Config, TracingSpec

    spec = TracingSpec(enabled=True, exporter="otlp", endpoint="http://192.0.2.2:4317")
    configure_tracing(spec, Config())


def probe(log: Path) -> None:
    from interlace.runtimes.offline import enforce_offline, release_offline

    url = f"http://{REMOTE[0]}:{REMOTE[1]}"
    checks: dict[str, Callable[[], Any]] = {
        "connect ip": lambda: socket.create_connection(REMOTE, timeout=2).close(),
        "connect name": raw_name_connect,
        "getaddrinfo": lambda: socket.getaddrinfo(NAME, 8081),
        "_socket.getaddrinfo": lambda: _socket.getaddrinfo(NAME, 8081),
        "gethostbyname": lambda: socket.gethostbyname(NAME),
        "gethostbyaddr": lambda: socket.gethostbyaddr(REMOTE[0]),
        "udp sendto": udp_query,
        "asyncio ip": lambda: open_asyncio(REMOTE[0]),
        "asyncio name": lambda: open_asyncio(NAME),
        "openai ip": lambda: run_config(f"openai:{url}/v1?model=x"),
        "openai name": lambda: run_config(f"openai:http://{NAME}:8081/v1?model=x"),
        "config check": lambda: run_config(f"openai:{url}/v1?model=x", "strict"),
        "mcp": lambda: list_tools("mcp", {"url": f"{url}/mcp", "connect_timeout_s": 5}),
        "a2a": lambda: list_tools("a2a", {"url": f"http://{NAME}:8081"}),
        "chroma http": chroma_http,
        "otlp": otlp,
    }
    results = {}
    enforce_offline(strict=True)
    for label, action in checks.items():
        results[label] = attempt(log, action)
    release_offline()
    enforce_offline(strict=True, allow_hosts=[f"{REMOTE[0]}:{REMOTE[1]}", f"{NAME}:8081"])
    results["allowed ip"] = attempt(log, checks["connect ip"])
    results["allowed name"] = attempt(log, checks["getaddrinfo"])
    results["other port"] = attempt(log, lambda: socket.create_connection(("192.0.2.2", 8082)))
    release_offline()
    print(json.dumps(results))


if __name__ == "__main__":
    mode, log_file = sys.argv[1], Path(sys.argv[2])
    if mode == "listen":
        listen(log_file)
    else:
        log_file.write_text("")
        listener = subprocess.Popen([sys.executable, __file__, "listen", str(log_file)])
        while "ready" not in log_file.read_text():
            time.sleep(0.05)
        try:
            probe(log_file)
        finally:
            listener.kill()
            listener.wait()
