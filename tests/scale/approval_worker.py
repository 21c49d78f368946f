"""One worker process of the shared-checkpoints test.

``python -m tests.scale.approval_worker start CONFIG THREAD TASK`` runs the task until it
pauses for approval (``resume`` instead of ``start`` approves and finishes it); it prints
the run's result as JSON.
"""

from __future__ import annotations

import json
import sys

import anyio

from interlace.agents import Decision
from interlace.agents.config import load_config
from interlace.agents.system import build_system


async def main(mode: str, config_path: str, thread: str, task: str = "") -> None:
    async with build_system(load_config(config_path)) as system:
        if mode == "start":
            result = await system.run(task, agent="editor", thread_id=thread)
        else:
            result = await system.resume(thread, Decision.approve(), agent="editor")
    sys.stdout.write(json.dumps(result.model_dump(mode="json")) + "\n")


if __name__ == "__main__":
    anyio.run(main, *sys.argv[1:])
