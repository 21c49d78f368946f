"""The ``openai:`` backend for OpenAI-compatible servers (vLLM, SGLang, TGI, llama.cpp,
Ollama, LM Studio, OpenAI): ``openai:http://127.0.0.1:8000/v1?model=NAME``."""

from .backend import OpenAIBackend, openai_from_ref
from .chat import ChatCompletionsBackend, ChatTransport, capabilities_of
from .kinds import PROFILES, ServerKind, ServerProfile, profile_for
from .preflight import ServerInfo
from .settings import OpenAISettings, ToolStrategy, settings_from_ref

__all__ = [
    "PROFILES",
    "ChatCompletionsBackend",
    "ChatTransport",
    "OpenAIBackend",
    "OpenAISettings",
    "ServerInfo",
    "ServerKind",
    "ServerProfile",
    "ToolStrategy",
    "capabilities_of",
    "openai_from_ref",
    "profile_for",
    "settings_from_ref",
]
