"""How long `interlace --help` takes, against bare Python, measured interleaved.

Run from the repository root inside .venv: python bench/cli_startup.py
Heavy imports (langgraph, llama_cpp, chromadb, ...) must stay out of the help path; the
list of the slowest modules imported by `--help` (python -X importtime) is printed too.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 9
SCRIPT = str(Path(sys.executable).with_name("interlace"))
HEAVY = ("langgraph", "llama_cpp", "chromadb", "torch", "sentence_transformers", "mcp", "a2a")


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def _heavy_imports() -> list[str]:
    code = "import sys; sys.argv=['interlace','--help']\nfrom interlace.agents.cli import main\n"
    code += "try:\n    main()\nexcept SystemExit:\n    pass\n"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    names = [line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line]
    return sorted({name for name in names if name.split(".")[0] in HEAVY})


def main() -> None:
    base, cli = [], []
    for _ in range(RUNS):  # interleaved: these machines are noisy
        base.append(_time([sys.executable, "-c", "pass"]))
        cli.append(_time([SCRIPT, "--help"]))
    startup, helped = statistics.median(base), statistics.median(cli)
    print(f"python startup {startup:.3f}s, interlace --help {helped:.3f}s")
    heavy = _heavy_imports()
    print(f"heavy modules imported by --help: {', '.join(heavy) or 'none'}")
    print(f"BENCH cli.help_seconds {helped:.3f} s target <0.5")
    print(f"BENCH cli.help_over_python {helped - startup:.3f} s target <0.3")
    print(f"BENCH cli.help_heavy_imports {len(heavy)} count target ==0")


if __name__ == "__main__":
    main()
