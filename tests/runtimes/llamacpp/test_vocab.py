"""The vocabulary table is read once per model file and cached on disk; warm-up loads the
model and its constrained-decoding tokenizer in the background; a first call without one
builds it while its prompt is evaluated."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import anyio
import llama_cpp
import pytest

from interlace.protocols import JsonSchemaFormat, Message, ModelRequest, SamplingSettings
from interlace.runtimes.llamacpp import LlamaCppBackend, vocab
from interlace.runtimes.llamacpp.vocab import token_piece, vocab_table


def test_the_table_is_built_once_and_read_back(
    backend: LlamaCppBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = backend.load()  # from the usual cache
    monkeypatch.setenv("INTERLACE_CACHE_DIR", str(tmp_path))
    built = vocab_table(model.path, model.vocab)
    [cached] = (tmp_path / "vocab").iterdir()
    again = vocab_table(model.path, model.vocab)
    assert again.pieces == built.pieces
    assert again.digits.tolist() == built.digits.tolist()
    assert len(built.pieces) == llama_cpp.llama_vocab_n_tokens(model.vocab)
    seven = model.llm.tokenize(b"7", add_bos=False, special=False)[-1]
    bos = model.llm.token_bos()
    assert built.digits[seven]
    assert not built.digits[bos]
    assert built.pieces[seven] == token_piece(model.vocab, seven, True) == b"7"
    assert built.pieces[bos] == b"\xff" + token_piece(model.vocab, bos, True)  # control token

    cached.write_bytes(b"not a table")  # damaged: built again and rewritten
    builds: list[object] = []
    monkeypatch.setattr(vocab, "build_table", lambda v: builds.append(v) or built)
    assert vocab_table(model.path, model.vocab) is built
    assert vocab_table(model.path, model.vocab).pieces == built.pieces
    assert len(builds) == 1


async def test_warm_up_loads_in_the_background_and_calls_still_work(
    backend: LlamaCppBackend,
) -> None:
    fresh = LlamaCppBackend("default", backend.options)  # shares the loaded model
    fresh.warm_up()
    fresh.warm_up()  # once is enough
    assert fresh._warming is not None
    fresh._warming.join(timeout=120)
    model = fresh.load()
    assert model is backend.load()
    assert model._lltokenizer is not None
    response = await fresh.complete(_YES_NO)
    assert json.loads(response.message.text)["answer"] in ("yes", "no")


async def test_a_call_without_a_tokenizer_builds_it_once_its_prompt_is_in(
    backend: LlamaCppBackend,
) -> None:
    model = backend.load()
    warm = await backend.complete(_YES_NO)
    model._lltokenizer = None  # as after warm_up(tokenizer=False)
    begin = threading.Event()
    grammar = next(iter(model._matchers))
    soon = model.matcher_soon(grammar, begin)
    await anyio.sleep(0.3)  # the build waits for the prompt's evaluation to begin
    waited = model._lltokenizer is None and not soon.done()
    begin.set()
    assert waited
    assert not soon.result(timeout=120).is_error()
    model._lltokenizer = None
    cold = await backend.complete(_YES_NO)
    assert model._lltokenizer is not None
    assert cold.message.text == warm.message.text
    assert cold.usage == warm.usage


_ANSWER = {"enum": ["yes", "no"]}
_YES_NO = ModelRequest(
    messages=(Message.user("Has a cat four legs?"),),
    settings=SamplingSettings(temperature=0, max_tokens=16),
    response_format=JsonSchemaFormat(
        name="reply",
        json_schema={"type": "object", "properties": {"answer": _ANSWER}, "required": ["answer"]},
    ),
)
