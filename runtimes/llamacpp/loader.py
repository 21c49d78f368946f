"""Loading GGUFs once per process: one shared :class:`LoadedModel` per path and load options.

This module imports llama-cpp-python; the package imports it only when a model is used.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import llama_cpp

from interlace.protocols.errors import ModelFileError

from ..admission import Admission
from .cpu import safe_model_params
from .options import LlamaCppOptions
from .states import PrefixStates
from .vocab import VocabTable, token_piece, vocab_table

_GRAMMAR_CACHE = 32
# llguidance's token-mask "slices": only its string slice of up to 30 bytes. Its default
# four (whitespace, strings of 1-10, 1-30, any length) take ~1.8 s to build for Gemma's
# 262k-token vocabulary, holding the GIL; this one ~1.1 s, with masks as fast on JSON
# answers and tool calls (~0.1 ms a token; none at all: 4 ms).
_MASK_SLICES = [r'[^"\\\x00-\x1F\x7F]{1,30}']
_GGML_LOG_ERROR = 3
_log = logging.getLogger("interlace.llamacpp")
_log.addHandler(logging.NullHandler())  # a library logs; the application decides what shows


@llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
def _forward_errors(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
    """llama.cpp's log: errors go to Python logging, the chatter (cache sizes, ...) nowhere."""
    if level == _GGML_LOG_ERROR:
        _log.error(text.decode("utf-8", errors="replace").rstrip())


def quiet_llama_log() -> None:
    """Route llama.cpp's log through :func:`_forward_errors` (llama-cpp-python installs
    its own printer when its ``Llama`` class is first imported, so call this after)."""
    llama_cpp.llama_log_set(_forward_errors, ctypes.c_void_p(0))


@dataclass
class LoadedModel:
    """A loaded GGUF and the line in front of it; every use of ``llm``'s context holds
    ``admission`` (one generation at a time, a bounded queue of waiting requests).

    Several backends naming the same path and load options share one instance.
    """

    path: Path
    llm: Any  # llama_cpp.Llama
    states: PrefixStates
    admission: Admission
    closed: bool = False
    _pieces: dict[int, bytes] = field(default_factory=dict)
    _lltokenizer: Any = None
    _tokenizer_lock: threading.Lock = field(default_factory=threading.Lock)
    _matchers: OrderedDict[str, Any] = field(default_factory=OrderedDict)
    _table: VocabTable | None = None
    _table_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def vocab(self) -> Any:
        """The llama.cpp vocab pointer."""
        return llama_cpp.llama_model_get_vocab(self.llm.model)

    @property
    def n_ctx(self) -> int:
        """The context window in tokens (llama.cpp may pad its own; the token buffer may not)."""
        return min(int(self.llm.n_ctx()), len(self.llm.input_ids))

    @property
    def metadata(self) -> dict[str, str]:
        """The GGUF metadata (architecture, chat template, ...)."""
        return dict(self.llm.metadata)

    def stop_tokens(self) -> tuple[int, ...]:
        """End-of-generation tokens (end of sequence, end of turn)."""
        vocab = self.vocab
        tokens = {llama_cpp.llama_vocab_eos(vocab), llama_cpp.llama_vocab_eot(vocab)}
        return tuple(sorted(token for token in tokens if token >= 0))

    def special_token(self, text: str) -> tuple[int, ...]:
        """The id of the special token ``text`` (empty when the vocabulary has none)."""
        tokens = self.llm.tokenize(text.encode(), add_bos=False, special=True)
        return tuple(tokens) if len(tokens) == 1 else ()

    def token_text(self, token: int) -> str:
        """The text of a special token such as BOS (empty when the model has none)."""
        return self.piece(token, special=True).decode("utf-8", "replace") if token >= 0 else ""

    def piece(self, token: int, special: bool = False) -> bytes:
        """The bytes a token stands for (special tokens render empty unless ``special``)."""
        cached = None if special else self._pieces.get(token)
        if cached is None:
            cached = token_piece(self.vocab, token, special)
            if not special:
                self._pieces[token] = cached
        return cached

    def tokenize(self, segments: Sequence[tuple[str, bool]], add_bos: bool) -> list[int]:
        """Tokenize ``(text, is_markup)`` segments; only markup may contain special tokens."""
        tokens: list[int] = [self.llm.token_bos()] if add_bos and self.llm.token_bos() >= 0 else []
        for text, markup in segments:
            if text:
                tokens.extend(self.llm.tokenize(text.encode(), add_bos=False, special=markup))
        return tokens

    def digit_tokens(self) -> Any:
        """A boolean array over the vocabulary: tokens whose text starts with a digit."""
        return self.vocab_table().digits

    def vocab_table(self) -> VocabTable:
        """The vocabulary as constrained decoding needs it (cached on disk per model file)."""
        with self._table_lock:
            if self._table is None:
                self._table = vocab_table(self.path, self.vocab)
            return self._table

    def lltokenizer(self) -> Any:
        """The llguidance tokenizer for this vocab (built once, about a second, holding
        the GIL: other Python threads wait meanwhile)."""
        with self._tokenizer_lock:
            if self._lltokenizer is None:
                table = self.vocab_table()
                self._lltokenizer = _lltokenizer(table, self.vocab, list(self.stop_tokens()))
            return self._lltokenizer

    def matcher_soon(self, grammar: str, begin: threading.Event) -> Future[Any]:
        """:meth:`matcher` for ``grammar``: at once when the tokenizer is built, else on
        a thread of its own once ``begin`` is set. Its caller sets ``begin`` as llama.cpp
        starts evaluating the prompt, which releases the GIL that the tokenizer's build
        then holds for about a second: the two overlap instead of adding up."""
        soon: Future[Any] = Future()
        if self._lltokenizer is not None:
            soon.set_result(self.matcher(grammar))
            return soon

        def build() -> None:
            begin.wait()
            try:
                soon.set_result(self.matcher(grammar))
            except BaseException as exc:  # handed to the caller, which raises it
                soon.set_exception(exc)

        threading.Thread(target=build, name="llguidance tokenizer", daemon=True).start()
        return soon

    def matcher(self, grammar: str) -> Any:
        """A reset llguidance matcher for ``grammar``, compiled once and reused.

        Call holding ``admission``: matchers are reused across the serialized calls.
        """
        from llguidance import LLMatcher

        matcher = self._matchers.pop(grammar, None)
        if matcher is not None:
            matcher.reset()
        if matcher is None or matcher.is_error():  # reset() keeps a parse error: start anew
            matcher = LLMatcher(self.lltokenizer(), grammar, log_level=0)
        self._matchers[grammar] = matcher
        while len(self._matchers) > _GRAMMAR_CACHE:
            self._matchers.popitem(last=False)
        return matcher


def _lltokenizer(table: VocabTable, vocab: Any, eos: list[int]) -> Any:
    """llguidance's tokenizer for a llama.cpp vocab (its pieces from ``table``)."""
    from llguidance import LLTokenizer

    tokenize = ctypes.cast(llama_cpp.llama_cpp._lib.llama_tokenize, ctypes.c_void_p).value
    return LLTokenizer.from_llamacpp(  # type: ignore[attr-defined]
        tokens=table.pieces,
        vocab_ptr=vocab,
        tokenize_fptr=tokenize,
        eos_token=eos,
        slices=_MASK_SLICES,
    )


_models: dict[tuple[object, ...], LoadedModel] = {}
_models_lock = threading.Lock()


def get_model(path: Path, options: LlamaCppOptions) -> LoadedModel:
    """The shared loaded model for ``path`` and the load options (loads it the first time)."""
    key = (str(path), *options.load_key())
    with _models_lock:
        model = _models.get(key)
        if model is None:
            admission = Admission(f"the model {path.name}", options.max_queue)
            model = LoadedModel(path, _load(path, options), PrefixStates(), admission)
            _models[key] = model
        model.states.capacity = max(model.states.capacity, options.state_cache)
        model.admission.max_queue = max(model.admission.max_queue, options.max_queue)
        return model


def default_threads() -> int:
    """Half the logical CPUs (about the physical cores): oversubscribed threads stall."""
    return max((os.cpu_count() or 2) // 2, 1)


def _load(path: Path, options: LlamaCppOptions) -> Any:
    threads = options.n_threads or default_threads()
    quiet_llama_log()
    try:
        with safe_model_params():
            return _llama(path, options, threads)
    except ValueError as exc:
        raise ModelFileError(
            f"llama.cpp could not load {path}: {exc}; the file may be truncated or corrupt "
            "(download it again) or need a newer llama-cpp-python"
        ) from exc


def _llama(path: Path, options: LlamaCppOptions, threads: int) -> Any:
    return llama_cpp.Llama(
        str(path),
        n_ctx=options.n_ctx,
        n_batch=options.n_batch,
        n_ubatch=options.n_batch,
        n_threads=threads,
        n_threads_batch=threads,
        n_gpu_layers=options.n_gpu_layers,
        swa_full=options.swa_full,
        verbose=False,
    )


def release_models(wait: float = -1) -> None:
    """Free every loaded model (tests and long-running hosts that switch models).

    ``wait`` bounds how long to wait for a model busy with a generation (-1: forever); a
    model still busy then is left alone. Backends load a fresh copy on their next call.
    """
    with _models_lock:
        models = list(_models.values())
        _models.clear()
    for model in models:
        if model.admission.acquire_blocking(wait):
            try:
                _close(model, wait)
            finally:
                model.admission.release()


def _close(model: LoadedModel, wait: float) -> None:
    """Close ``model`` unless its tokenizer is still being built (a warm-up) after ``wait``."""
    if model._tokenizer_lock.acquire(timeout=wait):
        try:
            model.closed = True
            model.llm.close()
        finally:
            model._tokenizer_lock.release()


# Free models while llama.cpp is still loaded: ``Llama.__del__`` during interpreter
# teardown otherwise fails noisily.
atexit.register(release_models, wait=1.0)
