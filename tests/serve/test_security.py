"""Safe by default: loopback bind, bearer token for other addresses, auth on every route."""

from __future__ import annotations

import httpx
import pytest

from interlace.agents.serve import serve
from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.local import LocalHost
from interlace.agents.serve.settings import ServeSettings, is_loopback, token_matches
from interlace.protocols.errors import UsageError

from .conftest import echo_agent, free_port

TOKEN = "s3cret-s3cret-s3cret"


def test_loopback_detection() -> None:
    assert all(is_loopback(a) for a in ("127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"))
    assert not any(is_loopback(a) for a in ("0.0.0.0", "192.168.1.5", "::", "example.com"))


def test_non_loopback_bind_without_token_is_refused() -> None:
    with pytest.raises(UsageError, match="without a bearer token"):
        ServeSettings(bind="0.0.0.0")
    with pytest.raises(UsageError, match="token is empty"):
        ServeSettings(bind="0.0.0.0", token="  ")
    assert ServeSettings(bind="0.0.0.0", token=TOKEN).token == TOKEN
    for short in ("x", "s3cret", "a" * 15):
        with pytest.raises(UsageError, match="use at least 16"):
            ServeSettings(token=short)


async def test_serve_refuses_before_listening() -> None:
    with pytest.raises(UsageError, match="--token"):
        await serve(LocalHost([echo_agent()]), bind="0.0.0.0", port=free_port())


def test_token_matching() -> None:
    assert token_matches("Bearer abc", "abc")
    assert token_matches("bearer abc", "abc")
    assert not any(token_matches(h, "abc") for h in (None, "", "Bearer abd", "Basic abc", "abc"))


async def test_token_guards_every_protocol_but_the_card() -> None:
    host = LocalHost([echo_agent()])
    settings = ServeSettings(port=free_port(), token=TOKEN)
    async with running_server(build_app(host, settings), port=settings.port) as url:
        await _check_guarded(url)


async def _check_guarded(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        for path in ("/v1/models", "/mcp", "/a2a"):
            response = await client.post(path, json={})
            assert response.status_code == 401, path
            assert "bearer token" in response.json()["error"]["message"]
        card = await client.get("/.well-known/agent-card.json")
        assert card.status_code == 200
        assert "bearer" in card.json()["securitySchemes"]
        auth = {"Authorization": f"Bearer {TOKEN}"}
        models = await client.get("/v1/models", headers=auth)
        assert models.status_code == 200
        assert models.json()["data"][0]["id"] == "echo"


def test_nothing_to_serve_is_an_error() -> None:
    with pytest.raises(UsageError, match="nothing to serve"):
        build_app(LocalHost([echo_agent()]), protocols=[])


async def test_tokenless_loopback_server_answers_only_its_own_host_names() -> None:
    """DNS rebinding and cross-site requests: a foreign Host or Origin gets 403, naming why."""
    settings = ServeSettings(port=free_port())
    async with (
        running_server(build_app(LocalHost([echo_agent()]), settings), port=settings.port) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        for host in (f"127.0.0.1:{settings.port}", "localhost", f"[::1]:{settings.port}"):
            assert (await client.get("/v1/models", headers={"Host": host})).status_code == 200
        own = {"Origin": f"http://localhost:{settings.port}"}
        assert (await client.get("/v1/models", headers=own)).status_code == 200
        foreign = [{"Host": "evil.example"}, {"Host": "127.0.0.1.evil.example:80"},
                   {"Origin": "http://evil.example"}, {"Origin": "null"}]  # fmt: skip
        for headers in foreign:
            for path in ("/v1/models", "/mcp", "/a2a", "/.well-known/agent-card.json"):
                response = await client.post(path, headers=headers, content=b"{}")
                assert response.status_code == 403, (headers, path)
                message = response.json()["error"]["message"]
                assert "not this machine" in message
                assert "--token" in message


async def test_a_token_lets_other_host_names_through() -> None:
    settings = ServeSettings(port=free_port(), token=TOKEN)
    async with (
        running_server(build_app(LocalHost([echo_agent()]), settings), port=settings.port) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        auth = {"Authorization": f"Bearer {TOKEN}", "Host": "agents.example"}
        assert (await client.get("/v1/models", headers=auth)).status_code == 200
