"""Run the ``interlace`` command as a user would: a subprocess of the installed script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("interlace")
REPO = Path(__file__).resolve().parents[2]


def interlace(
    *args: str,
    stdin: str | None = None,
    timeout: float = 300,
    cwd: Path = REPO,
    env: dict[str, str | None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``interlace ARGS`` and capture its output; ``env`` sets (or, with ``None``,
    removes) environment variables."""
    merged = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "PYTHONPATH": str(REPO),
    }
    for name, value in (env or {}).items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return subprocess.run(
        [str(SCRIPT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=merged,
        cwd=cwd,
        check=False,
    )
