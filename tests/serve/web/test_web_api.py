"""The page's JSON API and sign-in, driven over HTTP like a script would: the same token
rules as the other APIs, runs as event streams, threads, approvals, citations, uploads."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interlace.agents.serve.app import build_app
from interlace.agents.serve.local import LocalHost
from interlace.agents.serve.web.auth import COOKIE

TOKEN = "s3cret-token-for-the-page"  # servers refuse tokens under 16 characters
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BODY_LIMIT = 20_000


@pytest.fixture(scope="module")
def url(serve_page: Callable[..., str]) -> str:
    """A server with a token and a small body limit."""
    return serve_page(token=TOKEN, max_body_bytes=BODY_LIMIT)


@pytest.fixture
def client(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, headers=AUTH, timeout=60) as found:
        yield found


def run_events(client: httpx.Client, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    with client.stream("POST", path, json=body) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    return [json.loads(line[6:]) for line in lines]


def test_page_and_api_refuse_requests_without_the_token(url: str) -> None:
    with httpx.Client(base_url=url) as anonymous:
        page = anonymous.get("/")
        assert page.status_code == 401
        assert page.headers["www-authenticate"] == "Bearer"
        assert 'action="/login"' in page.text
        assert "app.js" not in page.text
        for path in ("/api/agents", "/api/threads", "/assets/app.js", "/v1/models"):
            assert anonymous.get(path).status_code == 401, path
        assert anonymous.post("/api/runs", json={}).status_code == 401
        assert anonymous.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    with httpx.Client(base_url=url, headers=AUTH) as signed:
        assert "app.js" in signed.get("/").text
        assert signed.get("/assets/app.js").status_code == 200
        assert signed.get("/api/agents").status_code == 200


def test_sign_in_sets_a_cookie_that_only_the_page_accepts(url: str) -> None:
    with httpx.Client(base_url=url) as browser:
        wrong = browser.post("/login", data={"token": "nope", "next": "/"})
        assert wrong.status_code == 401
        assert 'id="login-error"' in wrong.text
        assert COOKIE not in browser.cookies
        signed = browser.post("/login", data={"token": TOKEN, "next": "//evil.example/x"})
        assert signed.status_code == 303
        assert signed.headers["location"] == "/"  # never another site
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert TOKEN not in cookie
        assert browser.get("/").status_code == 200
        assert browser.get("/api/agents").status_code == 200
        assert browser.get("/v1/models").status_code == 401  # the APIs still want the header
        body = {"agent": "echo", "message": "hi"}
        refused = browser.post("/api/runs", json=body)
        assert refused.status_code == 403
        assert "X-Interlace-Page" in refused.json()["error"]["message"]
        page = browser.post("/api/runs", json=body, headers={"X-Interlace-Page": "1"})
        assert page.status_code == 200


def test_page_sends_a_strict_content_security_policy(client: httpx.Client) -> None:
    page = client.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/assets/nope.js").status_code == 404
    assert client.get("/assets/..%2Foptions.py").status_code == 404


def test_the_page_is_small_and_ships_in_the_package() -> None:
    from importlib import resources

    folder = resources.files("interlace.agents.serve.web").joinpath("static")
    sizes = {item.name: len(item.read_bytes()) for item in folder.iterdir()}
    assert {"index.html", "app.js", "markdown.js", "style.css"} <= set(sizes)
    assert sum(sizes.values()) < 300_000  # no framework, no build step


def test_a_run_streams_its_events_and_is_kept_as_a_thread(client: httpx.Client) -> None:
    events = run_events(client, "/api/runs", {"agent": "adder", "message": "add 2 and 3"})
    kinds = [event["type"] for event in events]
    assert kinds[0] == "run"
    assert kinds[-1] == "done"
    assert kinds.index("tool_call") < kinds.index("tool_result") < kinds.index("text")
    call = events[kinds.index("tool_call")]["call"]
    assert call["name"] == "add"
    assert call["arguments"] == {"a": 2, "b": 3}
    assert all(earlier["t"] <= later["t"] for earlier, later in itertools.pairwise(events))
    thread_id = events[0]["thread_id"]
    threads = client.get("/api/threads").json()["threads"]
    mine = next(thread for thread in threads if thread["id"] == thread_id)
    assert mine["agent"] == "adder"
    assert mine["title"] == "add 2 and 3"
    detail = client.get(f"/api/threads/{thread_id}").json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant", "tool", "assistant"]
    follow = run_events(
        client, "/api/runs", {"agent": "adder", "message": "again", "thread_id": thread_id}
    )
    assert follow[0]["thread_id"] == thread_id
    detail = client.get(f"/api/threads/{thread_id}").json()
    assert detail["message_count"] == 8


def test_an_approval_is_answered_and_the_run_resumes(client: httpx.Client) -> None:
    events = run_events(client, "/api/runs", {"agent": "careful", "message": "clean up"})
    interrupt = next(event for event in events if event["type"] == "interrupt")
    assert interrupt["pending"][0]["call"]["name"] == "delete_file"
    assert events[-1]["result"]["stop_reason"] == "interrupted"
    thread_id = events[0]["thread_id"]
    waiting = client.get(f"/api/threads/{thread_id}").json()
    assert waiting["waiting"] is True
    assert waiting["pending"][0]["call"]["arguments"] == {"path": "a.txt"}
    body = {"agent": "careful", "thread_id": thread_id, "decision": {"action": "approve"}}
    resumed = run_events(client, "/api/runs/resume", body)
    result = next(event for event in resumed if event["type"] == "tool_result")["result"]
    assert result["content"] == "deleted a.txt"
    assert not result["is_error"]
    assert resumed[-1]["result"]["stop_reason"] == "final"
    assert resumed[-1]["result"]["output"] == "Done: a.txt deleted."
    assert client.get(f"/api/threads/{thread_id}").json()["pending"] == []


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("/api/runs", {"agent": "nobody", "message": "hi"}, "echo, adder"),
        ("/api/runs", {"agent": "echo", "message": "  "}, "non-empty"),
        ("/api/runs", {"agent": "echo", "message": "hi", "thread_id": "a b"}, "thread_id"),
        ("/api/runs/resume", {"agent": "careful", "thread_id": "x", "decision": "ok"}, "reject"),
    ],
)
def test_bad_requests_say_what_is_wrong(
    client: httpx.Client, path: str, body: dict[str, Any], words: str
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert words in response.json()["error"]["message"]


def test_unknown_things_are_404_with_what_exists(client: httpx.Client) -> None:
    thread = client.get("/api/threads/never-was")
    assert thread.status_code == 404
    assert "GET /api/threads" in thread.json()["error"]["message"]
    store = client.get("/api/stores/nope/documents")
    assert store.status_code == 404
    assert "docs" in store.json()["error"]["message"]
    citation = client.get("/api/citation", params={"ref": "nowhere.md § Nothing", "claim": ""})
    assert citation.status_code == 404


def test_a_citation_opens_its_passage_and_document(client: httpx.Client, docs_folder: Path) -> None:
    events = run_events(client, "/api/runs", {"agent": "librarian", "message": "storm duty?"})
    output = events[-1]["result"]["output"]
    claim, _, rest = output.partition(" [")
    ref = rest.removesuffix("]")
    assert ref.endswith("lighthouse.md § Lighthouse guide > Storms")
    passage = client.get("/api/citation", params={"ref": ref, "claim": claim}).json()
    assert passage["source"] == str(docs_folder / "lighthouse.md")
    cited = [segment["text"] for segment in passage["segments"] if segment["cited"]]
    assert cited == ["During storms the keeper winds the clockwork every two hours."]
    document = client.get("/api/stores/docs/document", params={"source": passage["source"]}).json()
    assert [chunk["heading"] for chunk in document["chunks"]][-1] == "Lighthouse guide > Storms"
    assert passage["chunk_id"] in [chunk["id"] for chunk in document["chunks"]]
    listed = client.get("/api/stores/docs/documents").json()["documents"]
    assert passage["source"] in [entry["source"] for entry in listed]


def test_uploads_are_ingested_once_and_failures_say_why(client: httpx.Client) -> None:
    def upload(name: str, content: bytes) -> httpx.Response:
        return client.post("/api/stores/docs/files", params={"name": name}, content=content)

    text = b"# Tides\n\nThe tide tables hang beside the harbour door.\n"
    first = upload("tides.md", text)
    assert first.json()["status"] == "added"
    assert first.json()["chunks_added"] >= 1
    assert upload("tides.md", text).json()["status"] == "unchanged"
    changed = upload("tides.md", text + b"\nSpring tides are highest.\n").json()
    assert changed["status"] == "updated"
    binary = upload("blob.md", bytes(range(256)) * 4).json()
    assert binary["status"] == "skipped"
    assert "binary" in binary["reason"]
    for bad in ("../escape.md", ".hidden.md", "a/b.md"):
        response = upload(bad, text)
        assert response.status_code == 400, bad
        assert "file name" in response.json()["error"]["message"] or "'.'" in response.text


def test_uploads_have_the_store_file_limit_not_the_api_body_limit(
    client: httpx.Client,
) -> None:
    assert BODY_LIMIT < 22_000
    body = b"The harbour bell rings at noon. " * 700  # over the API body limit
    big = client.post("/api/stores/docs/files", params={"name": "bell.txt"}, content=body)
    assert big.status_code == 200
    assert big.json()["status"] == "added"
    small = client.post("/api/stores/tiny/files", params={"name": "bell.txt"}, content=body)
    assert small.status_code == 413
    assert "chunking.max_file_bytes" in small.json()["error"]["message"]
    assert client.post("/v1/chat/completions", content=body).status_code == 413


def test_no_web_serves_no_page(web_host: LocalHost) -> None:
    import anyio

    from interlace.agents.serve.app import running_server

    async def fetch() -> tuple[int, int]:
        app = build_app(web_host, protocols=["openai"])
        async with running_server(app) as base, httpx.AsyncClient(base_url=base) as http:
            return (await http.get("/")).status_code, (await http.get("/api/agents")).status_code

    assert anyio.run(fetch) == (404, 404)
