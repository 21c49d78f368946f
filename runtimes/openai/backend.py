"""The ``openai:`` backend: any server that speaks ``/v1/chat/completions`` over HTTP."""

from __future__ import annotations

from interlace.protocols.errors import BackendError, ModelReferenceError

from ..refs import ModelRef
from .chat import ChatCompletionsBackend
from .http import HttpTransport
from .kinds import ServerKind, ServerProfile, profile_for
from .preflight import ServerInfo, read_models
from .settings import OpenAISettings, settings_from_ref

# Kinds that reject a model name they do not serve (so a typo is worth failing early on).
_STRICT_MODEL_KINDS = frozenset({"vllm", "sglang", "llamacpp", "ollama", "lmstudio"})


class OpenAIBackend(ChatCompletionsBackend):
    """Chat Completions over pooled HTTP with retries, for vLLM, SGLang, TGI, llama.cpp,
    Ollama, LM Studio, OpenAI and compatible servers.

    With ``server: auto`` (the default) or no ``model``, the first request probes
    ``/v1/models`` once to learn the server kind, the model and its context window;
    :meth:`preflight` does the same on demand.
    """

    def __init__(self, settings: OpenAISettings) -> None:
        self.settings = settings
        self.transport: HttpTransport = HttpTransport(settings)
        name = f"openai:{settings.base_url}" + (
            f"?model={settings.model}" if settings.model else ""
        )
        super().__init__(
            name=name,
            transport=self.transport,
            profile=self._profile(settings.server),
            model=settings.model,
            tool_strategy=settings.tool_strategy,
            repair_attempts=settings.repair_attempts,
            extra_body=settings.extra_body,
            context_window=settings.context_window,
        )
        self.server_info: ServerInfo | None = None
        self._probe_pending = settings.server == "auto" or settings.model is None

    def _profile(self, kind: ServerKind) -> ServerProfile:
        return profile_for(kind).overridden(self.settings.native_tools, self.settings.json_schema)

    async def prepare(self) -> None:
        """Probe the server once when its kind or model is not configured."""
        if self._probe_pending:
            try:
                await self.preflight()
            except BackendError as exc:
                if "404" not in str(exc):
                    raise
            self._probe_pending = False

    async def preflight(self) -> ServerInfo:
        """Ask ``GET /models`` what the server is; adopt its kind, model and context.

        Raises :class:`BackendUnavailableError` when the server cannot be reached and
        :class:`ModelReferenceError` when a strict server does not serve ``model``.
        """
        info = read_models(self.settings.base_url, await self.transport.get("models"), self.model)
        kind = self.settings.server if self.settings.server != "auto" else info.kind
        if kind is not None:
            self.profile = self._profile(kind)
        strict = self.profile.kind in _STRICT_MODEL_KINDS
        if strict and self.model is not None and info.models and not info.serves(self.model):
            raise ModelReferenceError(
                f"{self.settings.base_url} does not serve model {self.model!r}; it serves: "
                f"{', '.join(info.models)}. Fix the model option of the reference"
            )
        self.model = self.model or info.model
        self.context_window = self.settings.context_window or info.context_window
        self.server_info = info
        self._probe_pending = False
        return info


def openai_from_ref(ref: ModelRef) -> OpenAIBackend:
    """Build the backend for ``openai:http://HOST:PORT/v1?model=NAME`` or a config block."""
    return OpenAIBackend(settings_from_ref(ref))


async def probe_server(backend: OpenAIBackend) -> None:
    """A pool's health check of a member: ``GET /v1/models`` (and adopt what it says)."""
    await backend.preflight()
