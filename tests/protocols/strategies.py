"""Hypothesis strategies for protocol objects."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from interlace.protocols import (
    ImagePart,
    JsonObjectFormat,
    JsonSchemaFormat,
    Message,
    ModelRequest,
    ModelResponse,
    NamedToolChoice,
    SamplingSettings,
    TextPart,
    ToolCall,
    ToolSpec,
    Usage,
)


def over_the_wire(data: Any) -> Any:
    """What the peer receives: the JSON text, parsed again."""
    return json.loads(json.dumps(data))


names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_-]{0,20}", fullmatch=True)
ids = st.from_regex(r"[a-zA-Z0-9_-]{1,24}", fullmatch=True)
texts = st.text(max_size=40)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
json_objects = st.dictionaries(texts, json_values, max_size=5)

parts = st.one_of(
    st.builds(TextPart, text=texts),
    st.builds(
        ImagePart,
        url=st.sampled_from(["https://example.com/a.png", "data:image/png;base64,iVBORw0KGgo="]),
        detail=st.sampled_from([None, "auto", "low", "high"]),
    ),
)
contents = st.one_of(texts, st.lists(parts, max_size=3).map(tuple))
tool_calls = st.builds(ToolCall, id=ids, name=names, arguments=json_objects)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    role = draw(st.sampled_from(["system", "user", "assistant", "tool"]))
    name = draw(st.none() | names)
    if role == "assistant":
        calls = tuple(draw(st.lists(tool_calls, max_size=3)))
        content = draw(st.none() | contents)
        return Message(role="assistant", content=content, tool_calls=calls, name=name)
    if role == "tool":
        return Message(role="tool", content=draw(contents), tool_call_id=draw(ids), name=name)
    return Message(role=role, content=draw(contents), name=name)


tool_specs = st.builds(
    ToolSpec,
    name=names,
    description=texts,
    parameters=st.fixed_dictionaries(
        {
            "type": st.just("object"),
            "properties": st.dictionaries(names, st.just({"type": "string"}), max_size=3),
        }
    ),
)
settings = st.builds(
    SamplingSettings,
    temperature=st.none() | st.floats(min_value=0, max_value=2),
    top_p=st.none() | st.floats(min_value=0.01, max_value=1),
    max_tokens=st.none() | st.integers(min_value=1, max_value=4096),
    stop=st.lists(texts.filter(bool), max_size=2).map(tuple),
    seed=st.none() | st.integers(min_value=0, max_value=2**31),
)
requests = st.builds(
    ModelRequest,
    messages=st.lists(messages(), min_size=1, max_size=4).map(tuple),
    tools=st.lists(tool_specs, max_size=3).map(tuple),
    tool_choice=st.sampled_from(["auto", "none", "required"])
    | st.builds(NamedToolChoice, name=names),
    response_format=st.none()
    | st.just(JsonObjectFormat())
    | st.builds(JsonSchemaFormat, name=names, json_schema=json_objects, strict=st.booleans()),
    settings=settings,
    parallel_tool_calls=st.none() | st.booleans(),
    cache_key=st.none() | ids,
)


@st.composite
def responses(draw: st.DrawFn) -> ModelResponse:
    calls = tuple(draw(st.lists(tool_calls, max_size=3)))
    content = draw(st.none() | contents) if calls else draw(contents)
    return ModelResponse(
        message=Message(role="assistant", content=content, tool_calls=calls),
        finish_reason=draw(st.sampled_from(["stop", "length", "tool_calls", "content_filter"])),
        usage=draw(
            st.builds(
                Usage, input_tokens=st.integers(0, 10**6), output_tokens=st.integers(0, 10**6)
            )
        ),
        model=draw(st.none() | names),
        id=draw(st.none() | ids),
    )
