"""A real local Ray cluster for the tests: ``ray start --head --block`` on 127.0.0.1.

Everything binds the loopback address (Ray's switch for single-machine clusters), ports
are free ones, the session folder is a fresh temporary one, and stopping the blocking
``ray start`` process (with SIGTERM) takes the cluster's processes down with it, so no
``ray stop`` (which stops every cluster on the machine) is needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import free_port, stop_process

REPO = Path(__file__).resolve().parents[2]
LOOPBACK_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # use 127.0.0.1 as the node address
    "RAY_AUTH_MODE": "disabled",  # a loopback-only test cluster needs no token
    "RAY_USAGE_STATS_ENABLED": "0",
}


class RayUnavailable(RuntimeError):
    """``ray start`` failed or did not come up (the message has its log tail)."""


@contextmanager
def ray_head(cpus: int = 2) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield the cluster address and the environment a driver needs to join it."""
    env = {**os.environ, **LOOPBACK_ENV, "PYTHONPATH": str(REPO)}
    folder = Path(tempfile.mkdtemp(prefix="ray-"))  # short: Ray's socket paths are limited
    log = folder / "head.log"
    port = free_port()
    workers = free_port()
    command = [
        str(Path(sys.executable).with_name("ray")), "start", "--head", "--block",
        "--port", str(port), "--node-ip-address", "127.0.0.1", "--num-cpus", str(cpus),
        "--include-dashboard", "false", "--disable-usage-stats", "--temp-dir", str(folder),
        "--ray-client-server-port", str(free_port()),
        "--dashboard-agent-listen-port", str(free_port()),
        "--min-worker-port", str(workers), "--max-worker-port", str(workers + 200),
    ]  # fmt: skip
    with log.open("wb") as output:
        head = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(head, log)
        yield (
            f"127.0.0.1:{port}",
            {k: v for k, v in env.items() if k in {*LOOPBACK_ENV, "PYTHONPATH"}},
        )
    finally:
        stop_process(head, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_up(head: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "block forever" in text:
            return
        if head.poll() is not None:
            raise RayUnavailable(f"ray start exited with {head.returncode}:\n{text[-3000:]}")
        time.sleep(0.2)
    raise RayUnavailable(f"ray start did not come up:\n{log.read_text(errors='replace')[-3000:]}")
