"""A one-turn answer from the on-device default model (`make demo`)."""

from __future__ import annotations

from interlace.protocols import Message, ModelRequest, SamplingSettings
from interlace.protocols.aio import run_sync
from interlace.runtimes import resolve_backend


def main() -> None:
    backend = resolve_backend("llamacpp:default?n_ctx=1024")
    request = ModelRequest(
        messages=(Message.user("Question: What colour is the sky on a clear day?\nAnswer:"),),
        settings=SamplingSettings(temperature=0.0, max_tokens=24),
    )
    response = run_sync(backend.complete, request)
    print(response.message.text.strip())


if __name__ == "__main__":
    main()
