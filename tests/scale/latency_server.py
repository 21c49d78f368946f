"""A small OpenAI-compatible server that answers after a fixed delay (tests and bench).

It measures the framework, not a model: ``/v1/chat/completions`` waits ``--delay``
seconds, then echoes the last user message (``echo: TEXT``). When the request offers
tools and the conversation has no tool result yet, it calls the first tool with
``{"text": TEXT}``; after a tool result it answers ``done: RESULT``. ``--fail-status 500``
makes every completion fail with that status (a broken replica), ``--fail-first N`` only
the first N (a replica that recovers). Run it with
``python -m tests.scale.latency_server --port P --delay 0.1``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from typing import Any

import httpx

from tests.processes import free_port, stop_process

_ids = count(1)


def reply(body: dict[str, Any]) -> dict[str, Any]:
    """The assistant message this server answers ``body`` with."""
    messages = body.get("messages") or []
    users = [m for m in messages if m.get("role") == "user"]
    text = str(users[-1].get("content") if users else "")
    tools = body.get("tools") or []
    results = [m for m in messages if m.get("role") == "tool"]
    if results:
        return {"role": "assistant", "content": f"done: {results[-1].get('content')}"}
    if tools and body.get("tool_choice") != "none":
        name = tools[0]["function"]["name"]
        call = {
            "id": f"call_{next(_ids)}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps({"text": text})},
        }
        return {"role": "assistant", "content": None, "tool_calls": [call]}
    return {"role": "assistant", "content": f"echo: {text}"}


def completion(body: dict[str, Any]) -> dict[str, Any]:
    """A full Chat Completions answer."""
    message = reply(body)
    return {
        "id": f"cmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model") or "echo",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
        "usage": {"prompt_tokens": 8, "completion_tokens": 4, "total_tokens": 12},
    }


def chunks(answer: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The streamed form of ``answer``: one delta chunk, then the finish."""
    choice = answer["choices"][0]
    message = dict(choice["message"])
    for call in message.get("tool_calls") or []:
        call["index"] = 0
    base = {key: answer[key] for key in ("id", "created", "model")}
    base["object"] = "chat.completion.chunk"
    yield {**base, "choices": [{"index": 0, "delta": message, "finish_reason": None}]}
    finish = {"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}
    yield {**base, "choices": [finish], "usage": answer["usage"]}


def app(delay: float, fail_status: int | None, fail_first: int = 0) -> Any:
    """The ASGI app."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    async def models(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": "echo", "owned_by": "vllm"}]})

    failures = count(1)

    async def chat(request: Request) -> Response:
        body = await request.json()
        await asyncio.sleep(delay)
        if fail_status is not None or next(failures) <= fail_first:
            return JSONResponse(
                {"error": {"message": "replica broken"}}, status_code=fail_status or 503
            )
        answer = completion(body)
        if not body.get("stream"):
            return JSONResponse(answer)

        async def events() -> Any:
            for chunk in chunks(answer):
                yield f"data: {json.dumps(chunk)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return Starlette(
        routes=[
            Route("/v1/models", models),
            Route("/v1/chat/completions", chat, methods=["POST"]),
        ]
    )


@contextmanager
def latency_server(
    delay: float = 0.0,
    *,
    fail_status: int | None = None,
    fail_first: int = 0,
    port: int | None = None,
) -> Iterator[str]:
    """Run the server in a subprocess on 127.0.0.1; yields its ``/v1`` base URL."""
    port = port or free_port()
    command = [
        sys.executable, "-m", "tests.scale.latency_server",
        "--port", str(port), "--delay", str(delay),
    ]  # fmt: skip
    if fail_status is not None:
        command += ["--fail-status", str(fail_status)]
    command += ["--fail-first", str(fail_first)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        stop_process(process)


def wait_until_up(url: str, process: subprocess.Popen[Any], timeout: float = 60) -> None:
    """Wait until ``GET {url}/models`` answers; fail when the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"the server for {url} did not answer within {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--fail-status", type=int, default=None)
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    import uvicorn

    uvicorn.run(
        app(args.delay, args.fail_status, args.fail_first),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
