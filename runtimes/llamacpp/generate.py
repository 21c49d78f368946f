"""The decoding loop: prompt evaluation with prefix reuse, token masks, jump-forward.

A :class:`Decoder` runs on a generation thread that holds the model's admission. Each
:meth:`Decoder.run` call decodes for a short time slice and returns the new text, so the
event loop gets text promptly; ``cancel`` is checked before every token (and prompt
batch), so a cancelled call stops within one step.
Grammar-constrained decoding applies llguidance's token mask directly to llama.cpp's
logits buffer, and the tokens a grammar forces are appended without sampling them. The
grammar's matcher is taken once the prompt is evaluated: a first call builds the
tokenizer meanwhile (llama.cpp releases the GIL that the build holds).
"""

from __future__ import annotations

import codecs
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np

from interlace.protocols.errors import BackendError

from .loader import LoadedModel

SLICE_SECONDS = 0.02
# A double has at most 17 significant digits: longer digit runs in constrained output are a
# small model looping ("0.500000..."), so past this many digits the number must end.
MAX_DIGIT_RUN = 16
_RANDOM_SEED = 0xFFFFFFFF


@dataclass(frozen=True)
class Sampling:
    """Sampling settings resolved for one request."""

    temperature: float = 0.8
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    seed: int | None = None
    max_tokens: int = 1024
    stop: tuple[str, ...] = ()


def make_sampler(sampling: Sampling) -> Any:
    """A llama.cpp sampler chain: greedy at temperature 0, else top-k/top-p/min-p/temp."""
    from llama_cpp import _internals

    sampler_class: Any = _internals.LlamaSampler  # untyped in llama-cpp-python
    sampler = sampler_class()
    if sampling.temperature == 0:
        sampler.add_greedy()
        return sampler
    sampler.add_top_k(sampling.top_k)
    sampler.add_top_p(sampling.top_p, 1)
    sampler.add_min_p(sampling.min_p, 1)
    sampler.add_temp(sampling.temperature)
    sampler.add_dist(_RANDOM_SEED if sampling.seed is None else sampling.seed)
    return sampler


class StopText:
    """Cuts text at the first stop string, holding back what may start one."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [stop for stop in stops if stop]
        self.held = ""
        self.hit = False

    def push(self, text: str) -> str:
        """Add decoded text; returns the part that is safe to emit."""
        if not self.stops:
            return text
        buffer = self.held + text
        cuts = [index for index in (buffer.find(stop) for stop in self.stops) if index >= 0]
        if cuts:
            self.hit, self.held = True, ""
            return buffer[: min(cuts)]
        keep = max(
            (k for stop in self.stops for k in range(1, len(stop)) if buffer.endswith(stop[:k])),
            default=0,
        )
        self.held = buffer[len(buffer) - keep :] if keep else ""
        return buffer[: len(buffer) - keep]

    def flush(self) -> str:
        """The held-back text once decoding has ended without a stop string."""
        held, self.held = self.held, ""
        return held


class TokenMask:
    """Applies an llguidance matcher's allowed-token mask to the logits in place."""

    def __init__(self, matcher: Any, n_vocab: int, mask_vocab: int, digits: Any) -> None:
        self.matcher = matcher
        self.n_vocab = n_vocab
        self.bits = np.zeros((mask_vocab + 31) // 32, dtype=np.int32)
        self.digits = digits

    def apply(self, logits: np.ndarray[Any, np.dtype[np.float32]], digit_run: int = 0) -> None:
        """Set the logits of every token the grammar forbids to -inf.

        After a run of ``MAX_DIGIT_RUN`` digits, tokens starting with a digit are
        forbidden too, when the grammar allows anything else.
        """
        self.matcher.unsafe_compute_mask_ptr(self.bits.ctypes.data, self.bits.nbytes)
        if self.matcher.is_error():
            raise BackendError(f"constrained decoding failed: {self.matcher.get_error()}")
        allowed = np.unpackbits(self.bits.view(np.uint8), bitorder="little")[: self.n_vocab]
        logits[: len(allowed)][allowed == 0] = -np.inf
        logits[len(allowed) :] = -np.inf
        if digit_run >= MAX_DIGIT_RUN:
            other = np.isfinite(logits[: len(self.digits)]) & ~self.digits
            if other.any():
                logits[: len(self.digits)][self.digits] = -np.inf


class Decoder:
    """Decodes one request; create and run it holding the model's admission."""

    def __init__(
        self,
        model: LoadedModel,
        prompt: Sequence[int],
        sampling: Sampling,
        *,
        grammar: str | None = None,
        cache_key: str | None = None,
        stop_tokens: Sequence[int] = (),
        reuse_prefix: bool = True,
        cancel: threading.Event | None = None,
    ) -> None:
        self.model = model
        self.llm = model.llm
        self.sampling = sampling
        self.cancel = cancel or threading.Event()
        self.finish_reason: str | None = None
        self.output: list[int] = []
        self._digit_run = 0
        self.prompt_tokens = len(prompt)
        tokens = np.asarray(prompt, dtype=np.intc)
        cached = model.states.prepare(self.llm, cache_key, tokens)
        cached = min(cached, len(prompt) - 1) if reuse_prefix else 0
        self.llm.n_tokens = cached
        self.evaluated_prompt = len(prompt) - cached
        self._pending = list(prompt[cached:])
        self._mask: TokenMask | None = None
        self._evaluating = threading.Event()
        self._matcher: Future[Any] | None = None
        if grammar is not None:
            self._matcher = model.matcher_soon(grammar, begin=self._evaluating)
        self._stop_tokens = frozenset(stop_tokens or model.stop_tokens())
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._stop = StopText(sampling.stop if grammar is None else ())
        self._sampler = make_sampler(sampling)
        self._text: list[str] = []

    def _constrain(self) -> None:
        """Once the prompt is in: take the grammar's matcher (waiting for it) and evaluate
        the tokens it forces first (always in a batch of their own, so that an answer does
        not depend on whether the tokenizer was ready)."""
        assert self._matcher is not None
        matcher = self._matcher.result()
        self._matcher = None
        model = self.model
        vocab_size = model.lltokenizer().vocab_size
        self._mask = TokenMask(matcher, self.llm.n_vocab(), vocab_size, model.digit_tokens())
        forced = list(matcher.compute_ff_tokens())
        if forced and matcher.consume_tokens(forced):
            self.output += forced
            self._pending += forced
            self._text.append(self._decode(forced))

    def run(self, slice_seconds: float = SLICE_SECONDS) -> str:
        """Decode for about ``slice_seconds`` (at least one step); returns the new text."""
        deadline = time.monotonic() + slice_seconds
        while self.finish_reason is None and not self.cancel.is_set():
            if self._pending:
                self._eval_pending()
            elif self._matcher is not None:  # the prompt is in; the grammar's turn
                self._constrain()
            else:
                self._text.append(self._step())
            if time.monotonic() >= deadline:
                break
        if self.finish_reason is not None:
            self._text.append(self._stop.flush())
        text, self._text = "".join(self._text), []
        return text

    def close(self) -> None:
        """Free the sampler (a tokenizer build still waiting for the prompt goes ahead:
        the next call uses it)."""
        self._evaluating.set()
        self._sampler.close()

    def _eval_pending(self) -> None:
        batch = self._pending[: self.llm.n_batch]
        del self._pending[: len(batch)]
        self._evaluating.set()
        self.llm.eval(batch)

    def _step(self) -> str:
        if self._mask is not None:
            self._mask.apply(self._logits(), self._digit_run)
        token = int(self._sampler.sample(self.llm._ctx, -1))
        if token in self._stop_tokens:
            self.finish_reason = "stop"
            return ""
        new = [token]
        matcher = self._mask.matcher if self._mask is not None else None
        if matcher is not None:
            if not matcher.consume_token(token):
                raise BackendError(f"constrained decoding failed: {matcher.get_error()}")
            forced = list(matcher.compute_ff_tokens())
            if forced and matcher.consume_tokens(forced):
                new += forced
        self.output += new
        decoded = self._decode(new)
        digits = len(decoded) - len(decoded.rstrip("0123456789"))
        self._digit_run = self._digit_run + digits if digits == len(decoded) else digits
        text = self._stop.push(decoded)
        if self._stop.hit or (matcher is not None and matcher.is_stopped()):
            self.finish_reason = "stop"
        elif (
            len(self.output) >= self.sampling.max_tokens
            or self.llm.n_tokens + len(new) > self.model.n_ctx
        ):
            self.finish_reason = "length"
        else:
            self.llm.eval(new)
        return text

    def _decode(self, tokens: Sequence[int]) -> str:
        return self._utf8.decode(b"".join(self.model.piece(token) for token in tokens))

    def _logits(self) -> np.ndarray[Any, np.dtype[np.float32]]:
        import llama_cpp

        pointer = llama_cpp.llama_get_logits_ith(self.llm.ctx, -1)
        return np.ctypeslib.as_array(pointer, shape=(self.llm.n_vocab(),))
