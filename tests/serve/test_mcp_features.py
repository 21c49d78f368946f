"""MCP beyond tools, driven by the official SDK client in both eras (the handshake of
2025-11-25 and the stateless 2026-07-28): progress and log notifications from an agent
run, approvals answered through elicitation, the client's model through sampling
(``mcp-sampling:``), store documents as resources, agents as prompts, completion, and the
MCP Inspector CLI reading them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from interlace.agents import Agent
from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.local import LocalHost
from interlace.agents.serve.settings import ServeSettings
from interlace.runtimes.scripted import ScriptedBackend
from interlace.tools import FunctionToolset
from interlace.tools.retrieval import VectorStore
from tests.node_tools import node_tool

from .conftest import adder_agent, careful_agent, delete_file
from .test_mcp import text_of

ERAS = ["legacy", "2026-07-28"]


def writer() -> Agent:
    """An agent without a model of its own: the MCP client's model writes."""
    return Agent(name="writer", description="Writes with your model.", model="mcp-sampling:any")


def briefer() -> Agent:
    return Agent(
        name="briefer",
        description="Briefs an audience.",
        instructions="Brief {audience} in plain words.",
        model=ScriptedBackend(["Briefed."], repeat=True),
    )


@pytest.fixture(scope="module")
def served(store: VectorStore) -> LocalHost:
    """Agents (one writing with the client's model), a tool needing approval, a store."""
    units = [adder_agent(), careful_agent(), writer(), briefer()]
    return LocalHost(units, {"danger": FunctionToolset([delete_file])}, stores={"docs": store})


@pytest.fixture(scope="module")
def url(served: LocalHost) -> Iterator[str]:
    """One server for the module (in a thread's event loop)."""
    from anyio.from_thread import start_blocking_portal

    from tests.processes import free_port

    host = served
    settings = ServeSettings(port=free_port(), timeout_s=20)
    server = running_server(build_app(host, settings), port=settings.port)
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(server) as base:
        yield base


@asynccontextmanager
async def connect(url: str, era: str, **callbacks: Any) -> AsyncIterator[Client]:
    async with httpx2.AsyncClient(timeout=30) as http:
        transport = streamable_http_client(f"{url}/mcp", http_client=http)
        async with Client(transport, mode=era, **callbacks) as client:  # type: ignore[arg-type]
            yield client


@pytest.mark.parametrize("era", ERAS)
async def test_an_agent_call_reports_progress_and_logs(url: str, era: str) -> None:
    logs: list[Any] = []
    progress: list[tuple[float, str | None]] = []

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        logs.append(params.data)

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, message))

    async with connect(url, era, logging_callback=on_log, log_level="debug") as client:
        result = await client.call_tool("adder", {"task": "2 + 3?"}, progress_callback=on_progress)
    assert (result.is_error, text_of(result)) == (False, "The sum is 5.")
    steps = [message for _, message in progress]
    assert "adder calls tool add" in steps
    assert "tool add answered" in steps
    assert [done for done, _ in progress] == list(range(1, len(progress) + 1))
    called = [entry for entry in logs if entry.get("message") == "adder calls tool add"]
    assert called
    assert called[0]["data"] == {"tool": "add", "arguments": {"a": 2, "b": 3}}
    answered = [entry["data"]["text"] for entry in logs if entry.get("message") == "adder answered"]
    assert answered == ["The sum is 5."]


def answering(action: str, **content: Any) -> Any:
    asked: list[types.ElicitRequestParams] = []

    async def on_elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params)
        return types.ElicitResult(action=action, content=content or None)  # type: ignore[arg-type]

    on_elicit.asked = asked  # type: ignore[attr-defined]
    return on_elicit


@pytest.mark.parametrize("era", ERAS)
async def test_elicitation_answers_the_approval_and_the_run_resumes(url: str, era: str) -> None:
    accept = answering("accept")
    async with connect(url, era, elicitation_callback=accept) as client:
        result = await client.call_tool("careful", {"task": "delete a.txt"})
    assert (result.is_error, text_of(result)) == (False, "Done: a.txt deleted.")
    (asked,) = accept.asked
    assert "'delete_file'" in asked.message
    assert '"a.txt"' in asked.message
    assert asked.requested_schema["properties"]["path"]["default"] == "a.txt"


async def test_a_declined_approval_tells_the_model(url: str, served: LocalHost) -> None:
    decline = answering("decline")
    async with connect(url, "2026-07-28", elicitation_callback=decline) as client:
        result = await client.call_tool("careful", {"task": "delete a.txt"})
    assert len(decline.asked) == 1
    assert not result.is_error
    backend = served.units["careful"].model
    told = [m.text for m in backend.requests[-1].messages if m.role == "tool"]
    assert told[-1] == "the user rejected this call to delete_file: the user declined this call"


async def test_an_edited_approval_runs_with_the_new_arguments(url: str) -> None:
    edit = answering("accept", path="b.txt")
    async with connect(url, "legacy", elicitation_callback=edit) as client:
        result = await client.call_tool("delete_file", {"path": "a.txt"})
    assert (result.is_error, text_of(result)) == (False, "deleted b.txt")


async def test_without_elicitation_an_approval_is_a_clear_error(url: str) -> None:
    async with connect(url, "2026-07-28") as client:
        result = await client.call_tool("careful", {"task": "delete a.txt"})
    assert result.is_error
    assert "elicitation" in text_of(result)


@pytest.mark.parametrize("era", ERAS)
async def test_mcp_sampling_agent_writes_with_the_client_model(url: str, era: str) -> None:
    asked: list[types.CreateMessageRequestParams] = []

    async def on_sample(context: Any, params: types.CreateMessageRequestParams) -> Any:
        asked.append(params)
        reply = types.TextContent(text="Written by the host.")
        return types.CreateMessageResult(role="assistant", content=reply, model="host-model")

    async with connect(url, era, sampling_callback=on_sample) as client:
        result = await client.call_tool("writer", {"task": "Write a haiku."})
    assert (result.is_error, text_of(result)) == (False, "Written by the host.")
    assert asked[0].messages[-1].content.text == "Write a haiku."  # type: ignore[union-attr]


async def test_store_documents_are_resources(url: str, docs_folder: Any) -> None:
    from urllib.parse import quote

    source = str(docs_folder / "lighthouse.md")
    uri = f"interlace://stores/docs/{quote(source, safe='')}"
    async with connect(url, "2026-07-28") as client:
        listed = (await client.list_resources()).resources
        assert [(r.uri, r.title, r.mime_type) for r in listed] == [
            (uri, "Lighthouse guide", "text/markdown")
        ]
        templates = (await client.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["interlace://stores/docs/{source}"]
        read = (await client.read_resource(uri)).contents
        assert "Never use a wrench on the lens frame." in read[0].text  # type: ignore[union-attr]
        meta = json.loads(read[1].text)  # type: ignore[union-attr]
        assert meta["title"] == "Lighthouse guide"
        assert meta["text_from"] == "file"
        assert {chunk["heading"] for chunk in meta["chunks"]} >= {"Lighthouse guide > Storms"}
        ref = types.ResourceTemplateReference(uri=templates[0].uri_template)
        done = await client.complete(ref, {"name": "source", "value": "lighthouse"})
        assert done.completion.values == [quote(source, safe="")]


async def test_agents_are_prompts_with_completion(url: str) -> None:
    async with connect(url, "legacy") as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert list(prompts) == ["adder", "careful", "writer", "briefer"]
        arguments = [(a.name, a.required) for a in prompts["briefer"].arguments or []]
        assert arguments == [("audience", True), ("task", False)]
        got = await client.get_prompt("briefer", {"audience": "new staff", "task": "the lamp"})
        texts = [m.content.text for m in got.messages]  # type: ignore[union-attr]
        assert texts == ["Brief new staff in plain words.", "the lamp"]
        ref = types.PromptReference(name="briefer")
        done = await client.complete(ref, {"name": "audience", "value": "new"})
        assert done.completion.values == ["new staff"]


async def test_mcp_inspector_lists_resources_and_prompts_and_reads_one(url: str) -> None:
    inspector, env = node_tool("mcp-inspector")

    async def inspect(method: str, *extra: str) -> Any:
        command = [inspector, "--cli", f"{url}/mcp", "--method", method, *extra]
        with anyio.fail_after(240):
            done = await anyio.run_process(command, check=False, env=env)
        output = done.stdout.decode()
        assert done.returncode == 0, f"{command}\n{output}\n{done.stderr.decode()[-2000:]}"
        return json.loads(output[output.index("{") :])

    resources = (await inspect("resources/list"))["resources"]
    prompts = (await inspect("prompts/list"))["prompts"]
    assert [p["name"] for p in prompts] == ["adder", "careful", "writer", "briefer"]
    read = await inspect("resources/read", "--uri", resources[0]["uri"])
    assert "lighthouse keeper" in read["contents"][0]["text"]


async def test_subscribers_hear_of_ingests(tmp_path: Any) -> None:
    """An ingest that changes a subscribed document tells both eras' subscribers (a
    handshake session's ``resources/subscribe``, a 2026-07-28 ``subscriptions/listen``
    stream); one that adds a document says the list changed. The server polls every 2 s."""
    from urllib.parse import quote

    from mcp.shared.exceptions import MCPDeprecationWarning

    from interlace.tools.retrieval import StoreSettings, ingest_paths, open_store
    from tests.processes import free_port

    folder = tmp_path / "notes"
    folder.mkdir()
    note = folder / "tides.md"
    note.write_text("# Tides\n\nHigh tide is at noon.\n")
    store = open_store(StoreSettings(path=tmp_path / "store", device="cpu"))
    ingest_paths(store, [folder], progress=False)
    host = LocalHost([briefer()], stores={"notes": store})
    settings = ServeSettings(port=free_port(), timeout_s=20)
    uri = f"interlace://stores/notes/{quote(str(note), safe='')}"
    heard: list[Any] = []  # the handshake session's notifications
    streamed: list[Any] = []  # the 2026-07-28 stream's events

    async def on_message(message: Any) -> None:
        heard.append(type(getattr(message, "root", message)).__name__)

    async def ingest() -> None:
        await anyio.to_thread.run_sync(lambda: ingest_paths(store, [folder], progress=False))

    async def until(seen: list[Any], count: int) -> None:
        with anyio.fail_after(20):
            while len(seen) < count:  # noqa: ASYNC110 (filled by callbacks and a stream)
                await anyio.sleep(0.1)

    try:
        async with (
            running_server(build_app(host, settings), port=settings.port) as url,
            connect(url, "legacy", message_handler=on_message) as legacy,
            connect(url, "2026-07-28") as modern,
            modern.listen(resources_list_changed=True, resource_subscriptions=[uri]) as stream,
            anyio.create_task_group() as tasks,
        ):

            async def follow() -> None:
                async for event in stream:
                    streamed.append(type(event).__name__)

            tasks.start_soon(follow)
            with pytest.warns(MCPDeprecationWarning):  # the SDK warns of the older way
                await legacy.subscribe_resource(uri)
            await anyio.sleep(2.5)  # the watch has seen the store as it was
            note.write_text("# Tides\n\nHigh tide is at one o'clock.\n")
            await ingest()
            await until(heard, 1)
            await until(streamed, 1)
            (folder / "winds.md").write_text("# Winds\n\nThe wind turns at dusk.\n")
            await ingest()
            await until(heard, 2)
            await until(streamed, 2)
            read = (await legacy.read_resource(uri)).contents
            assert "one o'clock" in read[0].text  # type: ignore[union-attr]
            assert len((await modern.list_resources()).resources) == 2
            tasks.cancel_scope.cancel()
    finally:
        store.close()
    assert heard == ["ResourceUpdatedNotification", "ResourceListChangedNotification"]
    assert streamed[:2] == ["ResourceUpdated", "ResourcesListChanged"], streamed
