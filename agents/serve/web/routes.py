"""The page's routes: the page itself, its files, and the small JSON API it runs on.

Everything the page does goes through these documented endpoints (docs/web.md), so a
script can do the same: list agents, stream a run, answer an approval, list and reopen
threads, open a citation, list documents, upload files into a store.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interlace.protocols.errors import UsageError

from ..host import AgentHost
from ..protocols import ServerParts
from ..settings import ServeSettings
from .assets import asset_response, html_page
from .citations import document, documents, find_passage
from .runs import resume_request, resume_stream, run_request, run_stream
from .threads import list_threads, thread_detail
from .uploads import TooLarge, ingest_file, safe_name, save_upload

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

UPLOAD_PREFIX = "/api/stores/"
"""Paths whose handler limits the request body itself (uploads: the store's file limit)."""
UPLOADS = Path(".interlace") / "uploads"


class NotFound(UsageError):
    """A thread, store, document or passage the request names does not exist."""


def error_response(exc: Exception) -> JSONResponse:
    """The JSON error for a failed page request (OpenAI's error shape, like the APIs)."""
    from ..running import public_error

    status = 404 if isinstance(exc, NotFound) else 413 if isinstance(exc, TooLarge) else 400
    if not isinstance(exc, UsageError):
        status = 500
    kind = "invalid_request_error" if status < 500 else "server_error"
    return JSONResponse({"error": {"message": public_error(exc), "type": kind}}, status)


def _guarded(handler: Callable[[Request], Awaitable[Response]]) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except Exception as exc:
            return error_response(exc)

    return endpoint


class WebApi:
    """The handlers, over one host."""

    def __init__(self, host: AgentHost, settings: ServeSettings) -> None:
        self.host = host
        self.settings = settings
        self.opening = anyio.Lock()
        self.ingesting: defaultdict[str, anyio.Lock] = defaultdict(anyio.Lock)

    def routes(self) -> list[BaseRoute]:
        """The routes, each answering errors as JSON."""
        table: list[tuple[str, Callable[[Request], Awaitable[Response]], str]] = [
            ("/", self.index, "GET"),
            ("/assets/{name}", self.asset, "GET"),
            ("/api/agents", self.agents, "GET"),
            ("/api/runs", self.run, "POST"),
            ("/api/runs/resume", self.resume, "POST"),
            ("/api/threads", self.threads, "GET"),
            ("/api/threads/{thread_id}", self.thread, "GET"),
            ("/api/citation", self.citation, "GET"),
            ("/api/stores", self.stores, "GET"),
            ("/api/stores/{store}/documents", self.documents, "GET"),
            ("/api/stores/{store}/document", self.document, "GET"),
            ("/api/stores/{store}/files", self.upload, "POST"),
        ]
        return [Route(path, _guarded(handler), methods=[verb]) for path, handler, verb in table]

    async def index(self, request: Request) -> Response:
        return html_page("index.html")

    async def asset(self, request: Request) -> Response:
        return asset_response(request.path_params["name"])

    async def agents(self, request: Request) -> Response:
        cards = [{"name": name, "description": about} for name, about in self.host.agent_cards()]
        return JSONResponse({"agents": cards})

    async def run(self, request: Request) -> Response:
        agent, message, thread_id = run_request(self.host, await _json(request))
        return run_stream(self.host, agent, message, thread_id, self.settings.timeout_s)

    async def resume(self, request: Request) -> Response:
        agent, thread_id, decision = resume_request(self.host, await _json(request))
        return resume_stream(self.host, agent, thread_id, decision, self.settings.timeout_s)

    async def threads(self, request: Request) -> Response:
        return JSONResponse({"threads": await list_threads(self.host.checkpointer)})

    async def thread(self, request: Request) -> Response:
        thread_id = request.path_params["thread_id"]
        found = await thread_detail(self.host.checkpointer, thread_id)
        if found is None:
            raise NotFound(f"no thread {thread_id!r}; GET /api/threads lists the threads")
        return JSONResponse(found)

    async def citation(self, request: Request) -> Response:
        ref = request.query_params.get("ref", "")
        claim = request.query_params.get("claim", "")
        stores = {name: await self._store(name) for name in self.host.stores}
        found = await anyio.to_thread.run_sync(find_passage, stores, ref, claim)
        if found is None:
            names = ", ".join(stores) or "none configured"
            raise NotFound(f"no passage in the stores ({names}) matches the citation {ref!r}")
        return JSONResponse(found)

    async def stores(self, request: Request) -> Response:
        return JSONResponse({"stores": [{"name": name} for name in self.host.stores]})

    async def documents(self, request: Request) -> Response:
        store = await self._store(request.path_params["store"])
        found = await anyio.to_thread.run_sync(documents, store)
        return JSONResponse({"documents": found})

    async def document(self, request: Request) -> Response:
        source = request.query_params.get("source", "")
        found = await anyio.to_thread.run_sync(
            document, await self._store(request.path_params["store"]), source
        )
        if found is None:
            raise NotFound(f"the store holds no document {source!r}")
        return JSONResponse(found)

    async def upload(self, request: Request) -> Response:
        name = request.path_params["store"]
        store = await self._store(name)
        filename = safe_name(request.query_params.get("name"))
        limit = store.settings.chunking.max_file_bytes
        folder = upload_folder(store, name)
        async with self.ingesting[name]:
            path = await save_upload(request.stream(), folder, filename, limit)
            outcome = await anyio.to_thread.run_sync(ingest_file, store, path)
        return JSONResponse({"store": name, **outcome})

    async def _store(self, name: str) -> Any:
        if name not in self.host.stores:
            names = ", ".join(self.host.stores) or "none: the config has no retrieval section"
            raise NotFound(f"no retrieval store named {name!r}; stores: {names}")
        async with self.opening:
            return await anyio.to_thread.run_sync(self.host.stores.__getitem__, name)


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"the request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise UsageError("the request body must be a JSON object")
    return body


def upload_folder(store: Any, name: str) -> Path:
    """Where uploads into store ``name`` are kept: ``uploads/NAME`` beside the store's
    folder (``.interlace/uploads/NAME`` for a store on a Chroma server)."""
    settings = store.settings
    base = settings.path.parent / "uploads" if settings.mode == "persistent" else UPLOADS
    return Path(base) / name


def web_parts(host: AgentHost, settings: ServeSettings, base_url: str) -> ServerParts:
    """The server protocol ``web``: the page at ``/``, its files under ``/assets/`` and
    its API under ``/api/``; with a token, the sign-in in front of the bearer check."""
    token = settings.token
    sign_in = None
    if token is not None:
        from .auth import WebSession

        def sign_in(app: Any) -> Any:
            return WebSession(app, token)

    routes = WebApi(host, settings).routes()
    return ServerParts(routes, own_body_limit=(UPLOAD_PREFIX,), middleware=sign_in)
