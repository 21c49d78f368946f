"""The plugin's server protocol: ``POST /plain/AGENT`` with a text body answers in text.

``interlace serve CONFIG --protocol plain`` mounts it beside MCP, A2A and the OpenAI API,
behind the same bearer token and body limit.
"""

from __future__ import annotations

from typing import Any

from interlace.agents.serve import AgentHost, ServerParts, ServeSettings
from interlace.protocols import Message


def plain_parts(host: AgentHost, settings: ServeSettings, base_url: str) -> ServerParts:
    """One route: the request body is the task, the response body the answer."""
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def ask(request: Request) -> Any:
        agent = request.path_params["agent"]
        if agent not in dict(host.agent_cards()):
            return PlainTextResponse(f"no agent named {agent!r}", status_code=404)
        task = (await request.body()).decode("utf-8")
        result = await host.run(agent, [Message.user(task)])
        return PlainTextResponse(result.output)

    return ServerParts([Route("/plain/{agent}", ask, methods=["POST"])])
