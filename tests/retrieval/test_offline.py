"""Offline mode: the socket guard, and the example assistant with no network at all."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

EXAMPLE = Path(__file__).parents[2] / "examples" / "rag_assistant"

GUARD = textwrap.dedent(
    """
    import http.server, ipaddress, os, socket, threading, urllib.request
    from interlace.runtimes.offline import OfflineViolation, enforce_offline, release_offline

    class Hub(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()

    hub = http.server.HTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    real_lookup = socket.getaddrinfo

    def every_name_is_the_hub(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)  # an address literal stays itself: no DNS involved
        except ValueError:
            host = "127.0.0.1"
        return real_lookup(host, port, *args, **kwargs)

    # Every name now resolves to the local hub: a hole in the guard would reach it, with or
    # without a network. The guard must refuse remote names before any lookup, and remote
    # addresses before connecting.
    socket.getaddrinfo = every_name_is_the_hub
    enforce_offline(strict=True, allow_hosts=["models.lan"])
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    try:
        urllib.request.urlopen(f"http://huggingface.co:{hub.server_port}/", timeout=2)
    except OSError as error:
        assert "offline: strict refused" in str(error), error
    else:
        raise SystemExit("urllib reached huggingface.co")
    for target in [("93.184.216.34", 80), ("2606:4700::1111", 443), ("example.com", 80)]:
        try:
            socket.create_connection(target, timeout=2)
        except OfflineViolation as error:
            assert "offline: strict refused" in str(error) and target[0] in str(error)
        else:
            raise SystemExit(f"connected to {target}")
    server = socket.create_server(("127.0.0.1", 0))
    for host in ("127.0.0.1", "localhost"):
        socket.create_connection((host, server.getsockname()[1])).close()
    try:
        socket.getaddrinfo("models.lan", 80)  # allowed: the lookup itself may still fail
    except OfflineViolation:
        raise SystemExit("allowed host refused")
    except OSError:
        pass
    server.close()
    hub.shutdown()
    release_offline()
    print("guard ok")
    """
)

ASSISTANT = textwrap.dedent(
    """
    import sys
    from interlace.agents.config import load_config
    from interlace.agents.system import build_system
    from interlace.protocols.aio import run_sync
    from interlace.runtimes.offline import offline_enforced
    from interlace.tools.retrieval import ingest_paths

    config = load_config(sys.argv[1], [f"retrieval.docs.path={sys.argv[2]}"])
    system = build_system(config)
    assert offline_enforced(), "offline: strict did not install the guard"
    ingest_paths(system.stores["docs"], [sys.argv[3]], progress=False)
    result = run_sync(system.run, "What does offline strict refuse?")
    print("ANSWER", result.output)
    run_sync(system.aclose)
    """
)


def _python(*args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=500,
        env={**os.environ, "PYTHONWARNINGS": "error"},
        check=False,
    )


def test_strict_guard_refuses_remote_and_allows_loopback() -> None:
    done = _python("-c", GUARD)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "guard ok"


def test_example_assistant_works_with_no_network_at_all(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    assert unshare, "this test needs util-linux unshare (network namespaces)"
    probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, text=True, check=False)
    assert probe.returncode == 0, f"unshare -rn is not permitted here: {probe.stderr}"
    done = _python(
        "-c",
        ASSISTANT,
        str(EXAMPLE / "config.yaml"),
        str(tmp_path / "store"),
        str(EXAMPLE / "docs"),
        prefix=(unshare, "-rn"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer = done.stdout.split("ANSWER", 1)[1]
    assert "refuses every network connection" in answer
    assert "offline.md § Offline mode > What offline strict does]" in answer
