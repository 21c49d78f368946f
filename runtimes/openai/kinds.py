"""What each kind of OpenAI-compatible server supports, and how to ask it for JSON.

The servers speak the same wire format but differ in the details that matter for tool
calls: vLLM and SGLang need a tool-call parser flag, llama.cpp's ``llama-server`` needs
``--jinja`` on older builds, Ollama ignores ``tool_choice``, llama-cpp-python's server only
calls tools natively when a tool is named, and each spells "constrain to this JSON Schema"
its own way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

ServerKind = Literal[
    "auto",
    "openai",
    "vllm",
    "sglang",
    "tgi",
    "llamacpp",
    "llama-cpp-python",
    "ollama",
    "lmstudio",
    "generic",
]

SchemaStyle = Literal["response_format", "json_object_schema", "tgi_grammar", "guided_json"]
"""How a server takes a JSON Schema constraint.

``response_format``: OpenAI's ``{"type": "json_schema", "json_schema": {...}}``.
``json_object_schema``: ``{"type": "json_object", "schema": ...}`` (llama-cpp-python).
``tgi_grammar``: ``{"type": "json", "value": ...}`` (Text Generation Inference).
``guided_json``: vLLM's extra body field ``guided_json`` (older vLLM releases).
"""


@dataclass(frozen=True)
class ServerProfile:
    """Declared behaviour of one server kind.

    ``native_tools``: with ``tool_choice="auto"`` the server returns structured calls.
    ``named_tool_choice``: it honours a named or ``"required"`` tool choice.
    ``honours_tool_choice``: it respects ``tool_choice`` at all (Ollama does not).
    ``schema_style``: how to send a JSON Schema constraint (``None``: it cannot).
    ``stream_usage``: it reports usage in streams when asked with ``stream_options``.
    ``tool_history``: it accepts earlier tool calls and ``tool`` messages in the
    conversation (else they are sent as text).
    ``tool_setup``: what to change on the server when tool calls do not work.
    """

    kind: ServerKind
    native_tools: bool = True
    named_tool_choice: bool = True
    honours_tool_choice: bool = True
    schema_style: SchemaStyle | None = "response_format"
    stream_usage: bool = True
    parallel_tool_calls: bool = False
    tool_history: bool = True
    tool_setup: str = ""

    def overridden(self, native_tools: bool | None, json_schema: bool | None) -> ServerProfile:
        """This profile with the user's explicit ``native_tools`` / ``json_schema`` settings."""
        profile = self
        if native_tools is not None:
            profile = replace(profile, native_tools=native_tools, named_tool_choice=native_tools)
        if json_schema is False:
            profile = replace(profile, schema_style=None)
        elif json_schema and profile.schema_style is None:
            profile = replace(profile, schema_style="response_format")
        return profile


PROFILES: dict[ServerKind, ServerProfile] = {
    "openai": ServerProfile("openai", parallel_tool_calls=True),
    "vllm": ServerProfile(
        "vllm",
        parallel_tool_calls=True,
        tool_setup=(
            "start vLLM with --enable-auto-tool-choice --tool-call-parser PARSER (the parser "
            "for your model, e.g. hermes or llama3_json)"
        ),
    ),
    "sglang": ServerProfile(
        "sglang",
        parallel_tool_calls=True,
        tool_setup="start SGLang with --tool-call-parser PARSER (e.g. qwen25, llama3)",
    ),
    "tgi": ServerProfile(
        "tgi",
        schema_style="tgi_grammar",
        stream_usage=False,
        tool_setup="use TGI >= 2.0 with a model whose chat template supports tools",
    ),
    "llamacpp": ServerProfile(
        "llamacpp",
        parallel_tool_calls=True,
        tool_setup="start llama-server with --jinja (older builds only call tools with it)",
    ),
    "llama-cpp-python": ServerProfile(
        "llama-cpp-python",
        native_tools=False,
        schema_style="json_object_schema",
        stream_usage=False,
        tool_history=False,
        tool_setup=(
            "llama-cpp-python's server only calls tools for tool_choice=auto with "
            "--chat_format chatml-function-calling; interlace constrains auto calls with a "
            "JSON Schema instead"
        ),
    ),
    "ollama": ServerProfile(
        "ollama",
        named_tool_choice=False,
        honours_tool_choice=False,
        tool_setup="use a model with tool support (`ollama show MODEL` lists 'tools')",
    ),
    "lmstudio": ServerProfile("lmstudio", stream_usage=False),
    "generic": ServerProfile("generic", stream_usage=False),
}

# ``owned_by`` values of ``GET /v1/models`` entries that identify a server.
_OWNERS: dict[str, ServerKind] = {
    "vllm": "vllm",
    "sglang": "sglang",
    "llamacpp": "llamacpp",
    "me": "llama-cpp-python",
    "library": "ollama",
    "ollama": "ollama",
    "organization_owner": "lmstudio",
    "text-generation-inference": "tgi",
    "openai": "openai",
    "system": "openai",
    "openai-internal": "openai",
}


def profile_for(kind: ServerKind) -> ServerProfile:
    """The profile of a server kind (``auto`` uses the generic one until a probe)."""
    return PROFILES["generic" if kind == "auto" else kind]


def kind_from_owner(owned_by: object) -> ServerKind | None:
    """Guess the server kind from a ``/v1/models`` entry's ``owned_by`` field."""
    return _OWNERS.get(str(owned_by).lower()) if owned_by is not None else None
