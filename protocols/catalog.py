"""Resources and prompts: what a server offers besides tools, as plain data.

A *resource* is a document a client can read by URI (a retrieval store's documents are
resources); a *resource template* describes a family of URIs (``{name}`` variables, RFC
6570). A *prompt* is a named message template with arguments (an agent's instructions
are prompts). The MCP server serves these; toolsets may offer more through the provider
protocols in :mod:`interlace.tools.providers`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .messages import Message, ResourcePart


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


ResourceContents = ResourcePart
"""The contents of a resource read by URI: ``text``, or ``data`` (base64) for a binary
resource; the same shape as a document embedded in a message."""


class Resource(_Frozen):
    """A resource a client can list and read."""

    uri: str
    name: str
    title: str | None = None
    description: str = ""
    mime_type: str | None = None
    size: int | None = None


class ResourceTemplate(_Frozen):
    """A family of resources: ``uri_template`` with ``{variable}`` parts."""

    uri_template: str
    name: str
    title: str | None = None
    description: str = ""
    mime_type: str | None = None


class PromptArgument(_Frozen):
    """One argument of a prompt."""

    name: str
    description: str = ""
    required: bool = False


class PromptSpec(_Frozen):
    """A prompt a client can list: its name, description and arguments."""

    name: str
    title: str | None = None
    description: str = ""
    arguments: tuple[PromptArgument, ...] = ()


class PromptResult(_Frozen):
    """A prompt filled in: user and assistant messages (text, images, resources)."""

    messages: tuple[Message, ...]
    description: str = ""
