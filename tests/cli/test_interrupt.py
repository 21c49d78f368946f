"""Ctrl-C in ``interlace chat`` on a terminal (a pty), mid-answer on the packaged model:
the answer stops, the chat stays open, and the next question is answered. No crash."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli.helpers import REPO, SCRIPT

pytestmark = pytest.mark.slow

CONFIG = """\
models:
  default: llamacpp:default?n_ctx=1024
agents:
  counter:
    sampling: {max_tokens: 600, temperature: 0}
    decision_format: native   # a long free-running answer to interrupt
"""
ROUNDS = 20


class Terminal:
    """A command on a pseudo-terminal; everything it writes is collected in :attr:`seen`."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
        self.process = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env
        )
        os.close(slave)
        self.seen = ""

    def type(self, line: str) -> int:
        """Type a line; returns where its output starts in :attr:`seen`."""
        start = len(self.seen)
        os.write(self.master, line.encode() + b"\n")
        return start

    def wait_for(self, predicate: object, timeout: float = 60) -> None:
        """Read until ``predicate(seen)`` holds (fails the test after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while not predicate(self.seen):  # type: ignore[operator]
            if time.monotonic() > deadline or self.process.poll() is not None:
                pytest.fail(f"no such output (exit {self.process.poll()}): {self.seen[-2000:]}")
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:  # the other end closed
                    continue

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def _answering(start: int) -> object:
    """Answer text has appeared after the echoed question that starts at ``start``."""
    return lambda seen: len(seen[start:].split("\n", 1)[-1].strip()) >= 6


def test_ctrl_c_stops_answers_and_the_chat_goes_on(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    terminal = Terminal([str(SCRIPT), "chat", str(config)], tmp_path)
    try:
        terminal.wait_for(lambda seen: seen.rstrip().endswith(">"), timeout=120)
        for round_ in range(ROUNDS):
            start = terminal.type("Count: 1, 2, 3, 4, 5,")
            terminal.wait_for(_answering(start), timeout=120)
            terminal.process.send_signal(signal.SIGINT)
            terminal.wait_for(
                lambda seen, at=start: "interrupted" in seen[at:] and seen.rstrip().endswith(">")
            )
            assert terminal.process.poll() is None, f"the chat died in round {round_}"
        start = terminal.type("What comes after 10, 20, 30?")
        terminal.wait_for(_answering(start))  # answered on the same thread
        terminal.process.send_signal(signal.SIGINT)
        terminal.wait_for(lambda seen: seen.rstrip().endswith(">"))
        terminal.type("/exit")
        assert terminal.process.wait(timeout=60) == 0
    finally:
        terminal.close()
