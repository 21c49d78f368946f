"""One agent-like tool loop runs unchanged on llamacpp:default, a local openai: server and
litellm: pointed at it; only the model reference changes."""

from __future__ import annotations

from interlace.protocols import (
    Message,
    ModelRequest,
    ModelResponse,
    NamedToolChoice,
    SamplingSettings,
    ToolChoice,
)
from interlace.runtimes import Backend, resolve_backend

from .wire import WEATHER

REFERENCES = {
    "llamacpp": "llamacpp:default",
    "openai": "openai:{url}?model=gemma",
    "litellm": "litellm:openai/gemma?api_base={url}&server=llama-cpp-python",
}


def get_weather(city: str) -> str:
    return f"It is 21 degrees and sunny in {city}."


async def ask(
    backend: Backend, messages: list[Message], choice: ToolChoice, max_tokens: int
) -> ModelResponse:
    request = ModelRequest(
        messages=tuple(messages),
        tools=(WEATHER,),
        tool_choice=choice,
        settings=SamplingSettings(temperature=0, max_tokens=max_tokens),
    )
    return await backend.complete(request)


async def weather_agent(backend: Backend) -> tuple[ModelResponse, ModelResponse]:
    """Call the tool, feed its result back, and answer."""
    messages = [Message.system("You answer weather questions."), Message.user("Weather in Paris?")]
    first = await ask(backend, messages, NamedToolChoice(name="get_weather"), 32)
    messages.append(first.message)
    for call in first.tool_calls:
        messages.append(Message.tool(call.id, get_weather(**call.arguments), name=call.name))
    final = await ask(backend, messages, "none", 12)
    return first, final


async def check_loop_on(backend_kind: str, url: str) -> None:
    backend = resolve_backend(REFERENCES[backend_kind].format(url=url))
    first, final = await weather_agent(backend)
    await backend.aclose()
    (call,) = first.tool_calls
    assert call.name == "get_weather"
    assert "Paris" in call.arguments["city"]
    assert first.finish_reason == "tool_calls"
    assert not final.tool_calls
    assert final.message.text.strip()


async def test_same_loop_on_llamacpp_default(llama_server: str) -> None:
    await check_loop_on("llamacpp", llama_server)


async def test_same_loop_on_local_openai_server(llama_server: str) -> None:
    await check_loop_on("openai", llama_server)


async def test_same_loop_on_litellm_pointed_at_the_server(llama_server: str) -> None:
    await check_loop_on("litellm", llama_server)


async def test_an_answer_without_text_in_the_history_reaches_the_server(llama_server: str) -> None:
    """llama.cpp's server refuses ``"content": null`` (a 500 naming 7 validation errors):
    a history holding an answer without text still gets an answer."""
    backend = resolve_backend(REFERENCES["openai"].format(url=llama_server))
    messages = (Message.user("Say hi."), Message(role="assistant"), Message.user("Again."))
    settings = SamplingSettings(temperature=0, max_tokens=4)
    response = await backend.complete(ModelRequest(messages=messages, settings=settings))
    await backend.aclose()
    assert response.finish_reason in ("stop", "length")
