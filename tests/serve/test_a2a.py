"""The A2A server driven by the a2a-sdk's own client, and the A2A toolset against it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from a2a.client import ClientConfig, create_client
from a2a.helpers import get_artifact_text, get_message_text
from a2a.types.a2a_pb2 import (
    CancelTaskRequest,
    GetTaskRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    TaskState,
)

from interlace.protocols import ToolCall
from interlace.tools.a2a import A2AOptions, A2AToolset


def message(text: str, agent: str | None = None, **ids: str) -> SendMessageRequest:
    metadata = {"agent": agent} if agent else None
    msg = Message(
        role=Role.ROLE_USER,
        parts=[Part(text=text)],
        message_id=uuid.uuid4().hex,
        metadata=metadata,
        **ids,
    )
    return SendMessageRequest(message=msg)


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[Any]:
    async with await create_client(base_url, ClientConfig(streaming=False)) as client:
        yield client


@pytest.fixture
async def streaming_client(base_url: str) -> AsyncIterator[Any]:
    async with await create_client(base_url, ClientConfig(streaming=True)) as client:
        yield client


async def last(client: Any, request: SendMessageRequest) -> Any:
    result = None
    async for response in client.send_message(request):
        result = response
    return result


async def test_agent_card_lists_agents_as_skills(base_url: str) -> None:
    import httpx

    async with httpx.AsyncClient() as http:
        card = (await http.get(f"{base_url}/.well-known/agent-card.json")).json()
    assert [skill["id"] for skill in card["skills"]] == [
        "echo",
        "adder",
        "broken",
        "slow",
        "careful",
    ]
    assert card["capabilities"]["streaming"] is True
    assert card["supportedInterfaces"][0]["url"] == f"{base_url}/a2a"


async def test_send_message_completes_with_answer(client: Any) -> None:
    response = await last(client, message("What is 2 + 3?", agent="adder"))
    task = response.task
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    assert get_message_text(task.status.message) == "The sum is 5."
    assert get_artifact_text(task.artifacts[0], "") == "The sum is 5."
    fetched = await client.get_task(GetTaskRequest(id=task.id))
    assert fetched.status.state == TaskState.TASK_STATE_COMPLETED
    assert get_artifact_text(fetched.artifacts[0], "") == "The sum is 5."


async def test_default_agent_is_the_first(client: Any) -> None:
    response = await last(client, message("hi"))
    assert get_message_text(response.task.status.message) == "hello from echo"


async def test_streaming_reports_working_tool_calls_and_chunks(streaming_client: Any) -> None:
    states, chunks, notes = [], [], []
    async for response in streaming_client.send_message(message("2 + 3?", agent="adder")):
        if response.HasField("status_update"):
            status = response.status_update.status
            states.append(TaskState.Name(status.state))
            if status.HasField("message"):
                notes.append(get_message_text(status.message))
        elif response.HasField("artifact_update"):
            chunks.append(get_artifact_text(response.artifact_update.artifact, ""))
    assert states[0] == "TASK_STATE_WORKING"
    assert states[-1] == "TASK_STATE_COMPLETED"
    assert "adder calls tool add" in notes
    # one growing part: every update holds the answer so far, the last one all of it
    assert chunks[-1] == "The sum is 5."
    assert all("The sum is 5.".startswith(chunk) for chunk in chunks)


async def test_agent_failure_is_a_failed_task_without_traceback(client: Any) -> None:
    response = await last(client, message("hi", agent="broken"))
    task = response.task
    assert task.status.state == TaskState.TASK_STATE_FAILED
    text = get_message_text(task.status.message)
    assert "broken" in text or "internal error" in text
    assert "Traceback" not in text
    assert "secret internal detail" not in text


async def test_unknown_agent_is_a_failed_task_naming_the_agents(client: Any) -> None:
    response = await last(client, message("hi", agent="nobody"))
    assert response.task.status.state == TaskState.TASK_STATE_FAILED
    assert "echo" in get_message_text(response.task.status.message)


async def test_cancel_task_stops_the_run(streaming_client: Any, client: Any, host: Any) -> None:
    backend = host.units["slow"].model  # one event every 0.5 s, about 3.5 s in all
    task_id = None
    async for response in streaming_client.send_message(message("hi", agent="slow")):
        if response.HasField("task"):
            task_id = response.task.id
        if (
            response.HasField("status_update")
            and response.status_update.status.state == TaskState.TASK_STATE_WORKING
        ):
            break
    assert task_id is not None
    canceled = await client.cancel_task(CancelTaskRequest(id=task_id))
    assert canceled.status.state == TaskState.TASK_STATE_CANCELED
    for _ in range(100):  # up to 2 s for the model stream itself to see the cancellation
        if backend.stats.cancelled:
            break
        await anyio.sleep(0.02)
    assert backend.stats.cancelled == 1, "the run was not cancelled within 2 s"
    emitted = backend.stats.events_emitted
    await anyio.sleep(3 * backend.chunk_delay)
    assert backend.stats.events_emitted == emitted, "the cancelled run kept generating"
    fetched = await client.get_task(GetTaskRequest(id=task_id))
    assert fetched.status.state == TaskState.TASK_STATE_CANCELED


async def pause_then_reply(client: Any, reply: str) -> Any:
    first = (await last(client, message("delete a.txt", agent="careful"))).task
    assert first.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
    assert "delete_file" in get_message_text(first.status.message)
    follow = message(reply, agent="careful", task_id=first.id, context_id=first.context_id)
    task = (await last(client, follow)).task
    assert task.id == first.id
    return task


async def test_approval_is_input_required_then_approved(client: Any) -> None:
    task = await pause_then_reply(client, "approve")
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    assert get_message_text(task.status.message) == "Done: a.txt deleted."


async def test_approval_rejected_tells_the_model(host: Any, client: Any) -> None:
    task = await pause_then_reply(client, "reject: keep it")
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    backend = host.units["careful"].model
    tool_messages = [m for m in backend.requests[-1].messages if m.role == "tool"]
    assert tool_messages
    assert "keep it" in tool_messages[-1].text


async def test_a2a_toolset_calls_the_remote_agents(base_url: str) -> None:
    toolset = A2AToolset(A2AOptions(url=base_url, skills=["adder", "broken"], prefix="remote_"))
    try:
        names = [spec.name for spec in await toolset.list_tools()]
        assert names == ["remote_adder", "remote_broken"]
        ok = await toolset.call(ToolCall(id="1", name="remote_adder", arguments={"task": "2+3"}))
        assert (ok.is_error, ok.text) == (False, "The sum is 5.")
        bad = await toolset.call(ToolCall(id="2", name="remote_broken", arguments={"task": "x"}))
        assert bad.is_error
        assert "ended failed" in bad.text
        empty = await toolset.call(ToolCall(id="3", name="remote_adder", arguments={}))
        assert empty.is_error
        assert "'task'" in empty.text
    finally:
        await toolset.aclose()


async def test_a2a_toolset_reports_unreachable_server() -> None:
    from tests.serve.conftest import free_port

    toolset = A2AToolset(A2AOptions(url=f"http://127.0.0.1:{free_port()}", timeout_s=2))
    result = await toolset.call(ToolCall(id="1", name="x", arguments={"task": "t"}))
    assert result.is_error
    assert "cannot reach the A2A agent" in result.text
    await toolset.aclose()


async def test_remote_a2a_agent_as_a_graph_node(base_url: str) -> None:
    """A graph whose second node is a remote A2A agent (the SDK client under the hood)."""
    from interlace.agents import Agent, run
    from interlace.agents.graph import END, START, GraphBuilder
    from interlace.agents.remote import remote_node
    from interlace.runtimes import ScriptedBackend

    asker = Agent(name="asker", instructions="Rephrase.", model=ScriptedBackend(["2+3"]))
    remote = A2AToolset(A2AOptions(url=base_url, skills=["adder"]))
    builder = GraphBuilder("team")
    builder.add(asker)
    builder.add_node("adder", remote_node(remote, "adder"))
    builder.edge(START, "asker").edge("asker", "adder").edge("adder", END)
    try:
        result = await run(builder.build(), "please add two and three")
    finally:
        await remote.aclose()
    assert result.output == "The sum is 5."
    assert [m.name for m in result.messages if m.role == "assistant"][-1] == "adder"
