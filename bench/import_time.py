"""How long `import interlace.protocols` and the CLI's `--help` take, against bare Python.

Run from the repository root inside .venv: python bench/import_time.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 7


def _time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    base, protocol = [], []
    for _ in range(RUNS):  # interleaved: these machines are noisy
        base.append(_time("pass"))
        protocol.append(_time("import interlace.protocols, interlace.protocols.openai_wire"))
    import_cost = statistics.median(protocol) - statistics.median(base)
    startup, with_import = statistics.median(base), statistics.median(protocol)
    print(f"python startup {startup:.3f}s, with protocol import {with_import:.3f}s")
    print(f"BENCH import.protocol_seconds {import_cost:.3f} s target <0.3")


if __name__ == "__main__":
    main()
