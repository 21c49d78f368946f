"""Fixtures of the web page tests: agents on scripted backends and a grounded agent over a
real store (Chroma + the packaged MiniLM), a live server per module, headless Chromium."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from interlace.agents import Agent
from interlace.agents.checkpoints import serializer
from interlace.agents.graph import END, START, Graph, GraphBuilder
from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.local import LocalHost
from interlace.agents.serve.settings import ServeSettings
from interlace.runtimes.scripted import ScriptedBackend
from interlace.tools.retrieval import StoreSettings, VectorStore, open_store
from interlace.tools.retrieval.toolset import RetrievalToolset, search_tool
from tests.serve.conftest import adder_agent, careful_agent, echo_agent

MARKDOWN_ANSWER = """Here is **bold** text, `inline code` and a list:

- first point
- second point

| tool | speed |
|------|------:|
| saw  | fast  |

```python
print("hi")
```

[docs](https://example.org/docs) and [trap](javascript:window.__pwned=5)

<b>not bold</b><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">"""


def grounded_agent(store: VectorStore) -> Agent:
    """Answers from ``store`` with citations; the scripted model picks the first passage."""
    choice = json.dumps({"passages": ["P1"], "answer": ""})
    return Agent(
        name="librarian",
        description="Answers from the documents, with citations.",
        model=ScriptedBackend([choice], repeat=True),
        toolsets=[RetrievalToolset(store, search_tool(store))],
        planner="grounded",
    )


def team_graph() -> Graph:
    """A sequence graph: a greeter, then the adder with its tool."""
    builder = GraphBuilder("team")
    builder.add(echo_agent("Hello from the greeter."))
    builder.add(adder_agent())
    builder.edge(START, "echo").edge("echo", "adder").edge("adder", END)
    return builder.build()


def slow_writer(delay: float, words: int) -> Agent:
    """Streams ``words`` words, one chunk every ``delay`` seconds."""
    text = " ".join(f"word{n}" for n in range(words))
    backend = ScriptedBackend([text], repeat=True, chunk_delay=delay, chunk_size=6)
    return Agent(name="slow", description="Answers slowly.", model=backend)


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VectorStore]:
    """A store that takes files of at most 300 bytes."""
    path = tmp_path_factory.mktemp("tiny") / "store"
    settings = StoreSettings(path=path, device="cpu", chunking={"max_file_bytes": 300})
    with open_store(settings) as opened:
        yield opened


@pytest.fixture(scope="module")
def portal() -> Iterator[BlockingPortal]:
    """An event loop in a thread, so synchronous tests can run servers in it."""
    with start_blocking_portal() as found:
        yield found


@pytest.fixture(scope="module")
def web_host(store: VectorStore, tiny_store: VectorStore) -> LocalHost:
    from langgraph.checkpoint.memory import InMemorySaver

    agents = [
        echo_agent(MARKDOWN_ANSWER),
        adder_agent(),
        careful_agent(),
        slow_writer(0.1, 16),
        grounded_agent(store),
        team_graph(),
    ]
    stores = {"docs": store, "tiny": tiny_store}
    return LocalHost(agents, checkpointer=InMemorySaver(serde=serializer()), stores=stores)


@pytest.fixture(scope="module")
def serve_page(portal: BlockingPortal, web_host: LocalHost) -> Iterator[Callable[..., str]]:
    """Start servers of ``web_host`` with these settings, stopped at the end of the
    module; each call returns a base URL."""
    with ExitStack() as stack:

        def start(**settings: Any) -> str:
            app = build_app(web_host, ServeSettings(timeout_s=30.0, **settings))
            url: str = stack.enter_context(portal.wrap_async_context_manager(running_server(app)))
            return url

        yield start
