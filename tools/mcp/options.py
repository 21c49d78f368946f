"""Options of an MCP toolset: a stdio server (command) or a Streamable HTTP server (url)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from interlace.protocols.errors import ConfigError


class MCPOptions(BaseModel):
    """``kind: mcp``: either ``command`` (+ ``args``, ``env``, ``cwd``) or ``url`` (+ ``headers``).

    ``call_timeout_s`` bounds each call; ``requires_approval`` holds glob patterns of tool
    names that need a human decision; ``stderr`` of a stdio server is inherited or
    discarded; ``protocol="legacy"`` forces the initialize handshake of pre-2026 servers.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    name: str | None = None
    call_timeout_s: float = Field(default=60.0, gt=0)
    connect_timeout_s: float = Field(default=30.0, gt=0)
    requires_approval: list[str] = Field(default_factory=list)
    stderr: Literal["inherit", "discard"] = "inherit"
    protocol: Literal["auto", "legacy"] = "auto"

    @model_validator(mode="after")
    def _one_transport(self) -> MCPOptions:
        if (self.command is None) == (self.url is None):
            raise ConfigError(
                "an MCP toolset needs exactly one of 'command' (a stdio server) or 'url' "
                "(a Streamable HTTP server)"
            )
        if self.url is not None:
            stray = [key for key in ("args", "env", "cwd") if getattr(self, key)]
            if stray:
                raise ConfigError(f"{', '.join(stray)} only apply to stdio servers ('command')")
            if not self.url.startswith(("http://", "https://")):
                raise ConfigError(f"MCP url {self.url!r} must start with http:// or https://")
        elif self.headers:
            raise ConfigError("'headers' only apply to HTTP servers ('url')")
        return self

    @property
    def label(self) -> str:
        """A short name for messages: ``name``, else the command line or URL."""
        if self.name:
            return self.name
        if self.url is not None:
            return self.url
        return " ".join([self.command or "", *self.args])


def mcp_endpoints(options: MCPOptions) -> list[str]:
    """Where an HTTP MCP toolset connects (its registration's ``endpoints``)."""
    return [options.url] if options.url is not None else []


def mcp_problems(options: MCPOptions) -> list[tuple[str, str]]:
    """What would stop a stdio server from starting, found without starting it (its
    registration's ``checks``): a command that is not on PATH, a missing ``cwd``."""
    if options.command is None:
        return []
    problems = []
    cwd = Path(options.cwd) if options.cwd else None
    if cwd is not None and not cwd.is_dir():
        problems.append((f"cwd {options.cwd!r} is not a directory", "create it or fix the path"))
    search = options.env.get("PATH", os.environ.get("PATH", os.defpath))
    command = options.command
    found = (
        (cwd or Path.cwd()).joinpath(command).is_file()
        if os.sep in command
        else shutil.which(command, path=search) is not None
    )
    if not found:
        problems.append(
            (
                f"MCP server command {command!r} is not found",
                "install it, give its full path, or fix PATH",
            )
        )
    return problems
