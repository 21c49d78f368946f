"""An a2a-sdk 0.3 client session against a running interlace server (run by test_a2a_clients
in a subprocess whose ``PYTHONPATH`` puts the 0.3 SDK first).

``python a2a03_client.py BASE_URL SLASH`` discovers the card, sends a message, streams one
(recording every artifact update), and cancels a slow task, posting to the card's URL with
a trailing slash when SLASH is ``1``; it prints one JSON object with what it saw.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from typing import Any

import httpx
from a2a.client import A2ACardResolver, ClientConfig, ClientFactory
from a2a.types import Message, Part, Role, TaskIdParams, TaskQueryParams, TextPart
from a2a.utils import get_artifact_text


def message(text: str, agent: str) -> Message:
    return Message(
        role=Role.user,
        parts=[Part(root=TextPart(text=text))],
        message_id=uuid.uuid4().hex,
        metadata={"agent": agent},
    )


async def session(base_url: str, slash: bool) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=30) as http:
        card = await A2ACardResolver(http, base_url).get_agent_card()
        seen["card_url"] = card.url
        seen["protocol_version"] = card.protocol_version
        if slash:
            card = card.model_copy(update={"url": card.url + "/"})
        plain = ClientFactory(ClientConfig(httpx_client=http, streaming=False)).create(card)
        async for task, _ in plain.send_message(message("2 + 3?", "adder")):
            seen["sent"] = [task.status.state.value, get_artifact_text(task.artifacts[0], "")]
        streaming = ClientFactory(ClientConfig(httpx_client=http, streaming=True)).create(card)
        updates = []
        async for task, update in streaming.send_message(message("2 + 3?", "adder")):
            if update is not None and getattr(update, "kind", "") == "artifact-update":
                parts = [get_artifact_text(update.artifact, "")]
                updates.append(
                    [len(update.artifact.parts), parts[0], update.last_chunk, update.append]
                )
            final = task
        seen["stream_updates"] = updates
        seen["stream_final"] = [
            len(final.artifacts[0].parts),
            get_artifact_text(final.artifacts[0]),
        ]
        async for task, _ in streaming.send_message(message("hi", "slow")):
            if task.status.state.value == "working":
                break
        canceled = await streaming.cancel_task(TaskIdParams(id=task.id))
        fetched = await streaming.get_task(TaskQueryParams(id=task.id))
        seen["canceled"] = [canceled.status.state.value, fetched.status.state.value]
    return seen


if __name__ == "__main__":
    print(json.dumps(asyncio.run(session(sys.argv[1], sys.argv[2] == "1"))))
