"""Options of the llama.cpp backend, from a reference (``?n_ctx=4096``) or a config block."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..admission import DEFAULT_MAX_QUEUE

CHAT_FORMATS = ("auto", "template", "gemma", "chatml")


class LlamaCppOptions(BaseModel):
    """How to load and run a GGUF.

    ``n_ctx``: context window in tokens. ``n_threads``: CPU threads (llama.cpp's default
    when unset). ``n_gpu_layers``: layers offloaded to the GPU (only with a CUDA/Metal
    build of llama-cpp-python; ``-1`` or ``99`` offloads all). ``chat_format``: ``auto``
    (the GGUF's template when it has one, else ``gemma`` for Gemma models, else
    ``chatml``), ``template``, ``gemma`` or ``chatml``. ``max_tokens``: the answer budget
    when a request sets none. ``state_cache``: how many per-``cache_key`` prompt states
    to keep. ``prefix_reuse``: reuse the evaluated prompt prefix across calls.
    ``max_queue``: how many requests may wait for the model while it generates for
    another; one more is refused at once (``OverloadedError``, HTTP 429 when served).
    ``base_model``: whether the GGUF is a base (not instruction-tuned) model, so agents
    use the ``fewshot`` decision format (default: true for the packaged base Gemma,
    false for other files).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_ctx: int = Field(default=4096, ge=16)
    n_threads: int | None = Field(default=None, ge=1)
    n_gpu_layers: int = Field(default=0, ge=-1)
    n_batch: int = Field(default=512, ge=1)
    chat_format: str = "auto"
    max_tokens: int = Field(default=1024, ge=1)
    state_cache: int = Field(default=8, ge=0)
    prefix_reuse: bool = True
    swa_full: bool = True
    max_queue: int = Field(default=DEFAULT_MAX_QUEUE, ge=0)
    base_model: bool | None = None

    @field_validator("chat_format")
    @classmethod
    def _known_chat_format(cls, value: str) -> str:
        if value not in CHAT_FORMATS:
            raise ValueError(f"unknown chat_format {value!r}; use one of {', '.join(CHAT_FORMATS)}")
        return value

    def load_key(self) -> tuple[object, ...]:
        """The options that change the loaded model (the rest are per backend)."""
        return (self.n_ctx, self.n_threads, self.n_gpu_layers, self.n_batch, self.swa_full)
