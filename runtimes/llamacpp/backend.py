"""The ``llamacpp`` backend: a GGUF run in process by llama-cpp-python."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from interlace.protocols import (
    Done,
    JsonObjectFormat,
    JsonSchemaFormat,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    Usage,
)
from interlace.protocols.errors import ContextOverflowError, ModelReferenceError

from ..base import Capabilities, StreamingBackend
from ..refs import ModelRef
from ..worker import held_work
from .calls import OutputParser
from .chat import (
    TURN_MARKERS,
    Segment,
    Turn,
    render_chatml,
    render_gemma,
    render_template,
    resolve_format,
    to_turns,
    tool_prompt,
)
from .files import check_gguf, resolve_model_path
from .grammar import Constraint, active_tools, call_mode, constraint_for
from .options import LlamaCppOptions

if TYPE_CHECKING:
    from .generate import Decoder, Sampling
    from .loader import LoadedModel


@dataclass(frozen=True)
class CallStats:
    """Token counts of one call: the prompt, how much of it was evaluated, the answer."""

    prompt_tokens: int
    evaluated_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class _Plan:
    prompt: list[int]
    constraint: Constraint
    sampling: Sampling
    cache_key: str | None
    stop_tokens: tuple[int, ...]


def _answer_prompt(request: ModelRequest) -> str:
    fmt = request.response_format
    if isinstance(fmt, JsonSchemaFormat):
        schema = json.dumps(fmt.json_schema, separators=(",", ":"))
        return f"Answer with only a JSON value that matches this JSON Schema: {schema}"
    if isinstance(fmt, JsonObjectFormat):
        return "Answer with only a JSON object."
    return ""


class LlamaCppBackend(StreamingBackend):
    """A GGUF model run in process; ``model`` is ``"default"`` or a path to a ``.gguf``.

    Backends naming the same file and load options share one loaded model. Calls to it
    wait in its admission line (``max_queue`` option) and generate on a thread of their
    own, so the event loop stays free; a cancelled call stops before its next token.
    """

    def __init__(
        self,
        model: str | Path = "default",
        options: LlamaCppOptions | None = None,
        *,
        name: str | None = None,
    ) -> None:
        self._target = str(model)
        if self._target not in ("", "default"):
            check_gguf(Path(self._target).expanduser())
        self.options = options or LlamaCppOptions()
        self._name = name or f"llamacpp:{self._target or 'default'}"
        self._loaded: LoadedModel | None = None
        self._load_lock = threading.Lock()
        self._warming: threading.Thread | None = None
        packaged = self._target in ("", "default")
        base = self.options.base_model
        self._base_model = packaged if base is None else base
        self.last_call: CallStats | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            native_tools=True,
            constrained_decoding=True,
            json_schema_output=True,
            streaming=True,
            context_window=self.options.n_ctx,
            parallel_tool_calls=True,
            base_model=self._base_model,
        )

    def load(self) -> LoadedModel:
        """The shared loaded model (loads it on first use; blocking, call from a thread)."""
        with self._load_lock:
            if self._loaded is None or self._loaded.closed:
                from .loader import get_model

                self._loaded = get_model(resolve_model_path(self._target), self.options)
            return self._loaded

    def warm_up(self, *, tokenizer: bool = True) -> None:
        """Load the model (and with ``tokenizer``, build its constrained-decoding
        tokenizer) on a background thread, so that the first call finds them ready;
        ``interlace run``, ``chat`` and ``serve`` call this before they build the rest of
        the system. The tokenizer's build holds the GIL for about a second: without it,
        the first constrained call builds it while llama.cpp evaluates its prompt, which
        suits a one-shot run that has no idle time. A failure is left for the first call
        to report."""
        if self._warming is not None:
            return

        def warm() -> None:
            with contextlib.suppress(Exception):  # the first call loads again and reports it
                model = self.load()
                model.lltokenizer() if tokenizer else model.vocab_table()

        self._warming = threading.Thread(target=warm, name=f"warm-up {self.name}", daemon=True)
        self._warming.start()

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        model = await anyio.to_thread.run_sync(self.load)
        plan = await anyio.to_thread.run_sync(self._plan, model, request)
        parser = OutputParser(plan.constraint.calls)
        async with held_work(model.admission, self._generation(model, plan)) as job:
            async for text in job:
                for event in parser.feed(text):
                    yield event
        for event in parser.finish():
            yield event
        yield Done(response=self._response(parser, job.result))

    def _response(self, parser: OutputParser, decoder: Decoder) -> ModelResponse:
        message = parser.message()
        reason = decoder.finish_reason
        finish = "length" if reason == "length" else "tool_calls" if message.tool_calls else "stop"
        usage = Usage(input_tokens=decoder.prompt_tokens, output_tokens=len(decoder.output))
        self.last_call = CallStats(
            decoder.prompt_tokens, decoder.evaluated_prompt, len(decoder.output)
        )
        return ModelResponse(message=message, finish_reason=finish, usage=usage, model=self.name)

    def count_prompt_tokens(self, request: ModelRequest) -> int:
        """Tokens of the prompt this backend builds for ``request`` (its turns, tool
        instructions and chat markup), without generating; blocking (loads the model on
        first use), call from a thread."""
        return len(self._prompt(self.load(), request)[0])

    # --- worker-thread helpers ----------------------------------------------------------

    def _prompt(self, model: LoadedModel, request: ModelRequest) -> tuple[list[int], str]:
        """The prompt's tokens and the chat format they were rendered in."""
        tools = active_tools(request)
        instructions = [_answer_prompt(request)]
        if tools:
            instructions.append(tool_prompt(tools, required=call_mode(request) == "always"))
        turns = to_turns(request.messages, "\n\n".join(text for text in instructions if text))
        chat_format = resolve_format(self.options.chat_format, model.metadata)
        segments, add_bos = self._render(model, chat_format, turns)
        return model.tokenize(segments, add_bos), chat_format

    def _plan(self, model: LoadedModel, request: ModelRequest) -> _Plan:
        from .generate import Sampling

        constraint = constraint_for(request)
        prompt, chat_format = self._prompt(model, request)
        markers = TURN_MARKERS.get(chat_format, ())
        if len(prompt) >= model.n_ctx:
            raise ContextOverflowError(len(prompt), model.n_ctx, f"model {self.name}")
        settings = request.settings
        sampling = Sampling(
            temperature=0.8 if settings.temperature is None else settings.temperature,
            top_p=settings.top_p or 0.95,
            seed=settings.seed,
            max_tokens=settings.max_tokens or self.options.max_tokens,
            stop=(*settings.stop, *markers),
        )
        stops = model.stop_tokens() + tuple(t for m in markers for t in model.special_token(m))
        return _Plan(prompt, constraint, sampling, request.cache_key, stops)

    def _render(
        self, model: LoadedModel, chat_format: str, turns: list[Turn]
    ) -> tuple[list[Segment], bool]:
        import llama_cpp

        add_bos = bool(llama_cpp.llama_vocab_get_add_bos(model.vocab))
        if chat_format == "gemma":
            return render_gemma(turns), add_bos
        if chat_format == "chatml":
            return render_chatml(turns), add_bos
        template = model.metadata.get("tokenizer.chat_template", "")
        if not template:
            raise ModelReferenceError(
                f"chat_format=template but {model.path} has no chat template in its metadata; "
                "use chat_format=gemma or chat_format=chatml"
            )
        bos, eos = model.token_text(model.llm.token_bos()), model.token_text(model.llm.token_eos())
        return render_template(turns, template, bos, eos), False

    def _generation(
        self, model: LoadedModel, plan: _Plan
    ) -> Callable[[threading.Event, Callable[[str], None]], Decoder]:
        """The work of one call, run on its own thread holding the model's admission:
        decode until done or cancelled, sending text as it comes."""

        def generate(cancel: threading.Event, send: Callable[[str], None]) -> Decoder:
            decoder = self._decoder(model, plan, cancel)
            try:
                while decoder.finish_reason is None and not cancel.is_set():
                    text = decoder.run()
                    if text:
                        send(text)
            finally:
                decoder.close()
            return decoder

        return generate

    def _decoder(self, model: LoadedModel, plan: _Plan, cancel: threading.Event) -> Decoder:
        """Prepare decoding (call holding the model's admission)."""
        from interlace.protocols.errors import BackendError

        from .generate import Decoder

        if model.closed:
            raise BackendError(f"{self.name}: the model was released while this call waited")
        return Decoder(
            model,
            plan.prompt,
            plan.sampling,
            grammar=plan.constraint.grammar,
            cache_key=plan.cache_key,
            stop_tokens=plan.stop_tokens,
            reuse_prefix=self.options.prefix_reuse,
            cancel=cancel,
        )


def from_ref(ref: ModelRef) -> LlamaCppBackend:
    """``llamacpp:default`` or ``llamacpp:/path/model.gguf?n_ctx=4096&n_gpu_layers=99``."""
    from ..registry import backend_options

    options: LlamaCppOptions = backend_options(ref)
    return LlamaCppBackend(ref.target or "default", options, name=f"llamacpp:{ref.target}")
