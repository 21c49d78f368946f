"""A real PostgreSQL server for the tests: Debian's binaries (the Makefile installs the
``postgresql`` package when absent), a fresh cluster in a temporary folder, on 127.0.0.1.

PostgreSQL refuses to run as root; as root, the server runs in a user namespace of its own
where it is an ordinary user (``unshare --user --map-user``), which also works inside the
suite's network-less ``unshare -rn`` run, where no other user exists.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import free_port, stop_process


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries, or the server did not start (the message says why)."""


def binaries() -> Path:
    """The folder holding ``initdb`` and ``postgres``."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise PostgresUnavailable(
        "PostgreSQL is not installed; `make install` installs Debian's postgresql package"
    )


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["unshare", "--user", "--map-user=1000", "--map-group=1000", "--", *command]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throwaway cluster; yields ``postgresql://postgres@127.0.0.1:PORT/postgres``."""
    bin_dir = binaries()
    root = Path(tempfile.mkdtemp(prefix="interlace-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    log = root / "server.log"
    port = free_port()
    try:
        subprocess.run(
            _as_server_user(
                [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                 "--no-sync", "-E", "UTF8"]
            ),
            check=True, capture_output=True,
        )  # fmt: skip
        with log.open("wb") as output:
            server = subprocess.Popen(
                _as_server_user(
                    [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port),
                     "-c", "listen_addresses=127.0.0.1",
                     "-c", f"unix_socket_directories={sockets}",
                     "-c", "fsync=off", "-c", "max_connections=200"]
                ),
                stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
            _wait_until_ready(url, server, log)
            yield url
        finally:
            server.send_signal(signal.SIGINT)  # "fast" shutdown: no waiting for clients
            stop_process(server, timeout=30)
    except subprocess.CalledProcessError as error:
        raise PostgresUnavailable(f"initdb failed: {error.stderr.decode()[-2000:]}") from error
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_ready(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    import psycopg

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise PostgresUnavailable(f"postgres exited:\n{log.read_text()[-2000:]}")
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            time.sleep(0.1)
    raise PostgresUnavailable(f"postgres did not accept connections:\n{log.read_text()[-2000:]}")
