"""A2A clients of both SDK generations against the server: an a2a-sdk 1.x client in
process and an a2a-sdk 0.3 client in a subprocess (the 0.3 SDK that ``make test``
installs under tests/.a2a-0.3). Each discovers the card, sends, streams one growing
artifact and cancels, posting to the card URL with and without a trailing slash."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Iterator
from email.utils import formatdate
from itertools import pairwise
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from a2a.client import ClientConfig, create_client
from a2a.helpers import get_artifact_text
from a2a.types.a2a_pb2 import (
    CancelTaskRequest,
    GetTaskRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    TaskState,
)

from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.settings import ServeSettings

from .conftest import adder_agent, slow_agent
from .test_a2a import last

A2A_03 = Path(__file__).parents[1] / ".a2a-0.3"
CLIENT_03 = Path(__file__).with_name("a2a03_client.py")


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """One server for the module (in a thread's event loop): the adder and a slow agent."""
    from anyio.from_thread import start_blocking_portal

    from interlace.agents.serve.local import LocalHost
    from tests.processes import free_port

    host = LocalHost([adder_agent(), slow_agent(0.3)])
    settings = ServeSettings(port=free_port(), timeout_s=20)
    server = running_server(build_app(host, settings), port=settings.port)
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(server) as base:
        yield base


def message(text: str, agent: str) -> SendMessageRequest:
    msg = Message(
        role=Role.ROLE_USER,
        parts=[Part(text=text)],
        message_id=uuid.uuid4().hex,
        metadata={"agent": agent},
    )
    return SendMessageRequest(message=msg)


async def test_card_serves_both_generations_with_caching_headers(url: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{url}/.well-known/agent-card.json")
        card = response.json()
        assert response.headers["cache-control"] == "public, max-age=300"
        assert response.headers["etag"].startswith('W/"')
        modified = response.headers["last-modified"]
        again = await http.get(
            f"{url}/.well-known/agent-card.json", headers={"If-Modified-Since": modified}
        )
        assert again.status_code == 304
        old = formatdate(0, usegmt=True)
        stale = await http.get(
            f"{url}/.well-known/agent-card.json", headers={"If-Modified-Since": old}
        )
        assert stale.status_code == 200
    versions = [item["protocolVersion"] for item in card["supportedInterfaces"]]
    assert versions == ["1.0", "0.3"]
    # the 0.3 shape: a top-level url, transport and version
    assert (card["url"], card["preferredTransport"]) == (f"{url}/a2a", "JSONRPC")
    assert card["protocolVersion"] == "0.3"


@pytest.mark.parametrize("slash", ["", "/"])
async def test_sdk_1x_client_sends_streams_and_cancels(url: str, slash: str) -> None:
    async with httpx.AsyncClient() as http:
        from a2a.client import A2ACardResolver

        card = await A2ACardResolver(http, url).get_agent_card()
    for interface in card.supported_interfaces:
        interface.url += slash
    config = ClientConfig(streaming=False)
    async with await create_client(card, config) as client:
        task = (await last(client, message("2 + 3?", "adder"))).task
        assert task.status.state == TaskState.TASK_STATE_COMPLETED
        assert get_artifact_text(task.artifacts[0]) == "The sum is 5."
    async with await create_client(card, ClientConfig(streaming=True)) as client:
        updates = []
        async for response in client.send_message(message("2 + 3?", "adder")):
            if response.HasField("artifact_update"):
                updates.append(response.artifact_update)
        assert_one_growing_part(
            [(len(u.artifact.parts), get_artifact_text(u.artifact), u.last_chunk) for u in updates]
        )
        task_id = ""
        async for response in client.send_message(message("hi", "slow")):
            task_id = task_id or response.task.id
            if response.HasField("status_update"):
                break
        canceled = await client.cancel_task(CancelTaskRequest(id=task_id))
        assert canceled.status.state == TaskState.TASK_STATE_CANCELED
        fetched = await client.get_task(GetTaskRequest(id=task_id))
        assert fetched.status.state == TaskState.TASK_STATE_CANCELED
        assert get_artifact_text(fetched.artifacts[0]) if fetched.artifacts else True


def assert_one_growing_part(updates: list[tuple[int, str, bool]]) -> None:
    """Every update holds the answer so far in one part; the last holds all of it."""
    assert updates, "no artifact updates"
    assert all(parts == 1 for parts, _, _ in updates)
    texts = [text for _, text, _ in updates]
    assert all(later.startswith(earlier) for earlier, later in pairwise(texts))
    assert texts[-1] == "The sum is 5."
    assert [last for _, _, last in updates] == [False] * (len(updates) - 1) + [True]


@pytest.mark.parametrize("slash", ["0", "1"])
async def test_sdk_03_client_discovers_sends_streams_and_cancels(url: str, slash: str) -> None:
    if not (A2A_03 / "a2a").is_dir():
        pytest.fail(f"{A2A_03} is missing: run `make a2a-0.3` (`make test` does it)")
    env = {**os.environ, "PYTHONPATH": str(A2A_03)}
    with anyio.fail_after(120):
        done = await anyio.run_process(
            [sys.executable, str(CLIENT_03), url, slash], env=env, check=False
        )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    seen: dict[str, Any] = json.loads(done.stdout)
    assert (seen["card_url"], seen["protocol_version"]) == (f"{url}/a2a", "0.3")
    assert seen["sent"] == ["completed", "The sum is 5."]
    assert_one_growing_part([(n, text, last) for n, text, last, _ in seen["stream_updates"]])
    assert seen["stream_final"] == [1, "The sum is 5."]
    assert seen["canceled"] == ["canceled", "canceled"]
