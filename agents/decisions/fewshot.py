"""The ``fewshot`` decision format: a base model completes a few-shot transcript.

The prompt is one completion-style text, the same on every backend::

    <the agent's instructions>
    Tools:
    - calculator: Evaluate an arithmetic expression and return the result.

    Task: Evaluate an arithmetic expression and return the result: 6 * 7
    Action: {"tool":"calculator","arguments":{"expression":"6 * 7"}}
    Result: 42
    Action: {"done":true}

    Task: What is 17 * 23?
    Action:

and a JSON Schema (the backend's grammar or guided decoding) makes the completion one
decision: ``{"tool": NAME, "arguments": {...}}`` with arguments valid for that tool,
``{"answer": ...}`` (text, or a value of the request's response format), or, after a tool
result, ``{"done": true}``: that result is the answer.

A base model cannot judge whether a task needs a tool, so while the current task has no
tool result yet, an agent with tools must call one (``tool_choice`` ``none`` and named
tools are honoured). A call that repeats one already made for the task, whose values
come from neither the task nor the results (a copied example), or that (after a result)
takes nothing from the results, is no decision: a first step then tries the other tools
once, and otherwise the model is asked for the answer only.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from interlace.protocols import (
    JsonObjectFormat,
    JsonSchemaFormat,
    Message,
    ModelRequest,
    ModelResponse,
    NamedToolChoice,
    ToolCall,
    ToolSpec,
    Usage,
)

from . import Complete
from .examples import (
    copied_values,
    example_arguments,
    example_task,
    example_value,
    nearest,
    nearest_first,
)

MAX_RESULT_CHARS = 2000
_ANSWER_EXAMPLE = ("Say hello.", "Hello!")
_NOTES_EXAMPLE = (
    "How do plants make food?",
    "Plants take in sunlight with their leaves. They turn water and carbon dioxide into "
    "sugar. This process is called photosynthesis.",
    "Plants use sunlight to turn water and carbon dioxide into sugar.",
)
_ANSWER_OPEN = '{"answer":"'
_WORD = re.compile(r"[a-z0-9_.]+")
TEXT = {"type": "string"}
ONE_SENTENCE = {"type": "string", "pattern": r"^[^.!?\n]{1,300}[.!?]$"}
"""A rewrite of notes is one sentence (a base model otherwise copies the notes)."""
_RESULTS = ("42", "7", "128", "15", "3", "64")
DONE = {"done": True}
"""The decision that the latest tool result is the answer: a base model copying a result
into an answer drifts into the examples' values ("4" becomes "42"), choosing this cannot."""


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class FewShotFormat:
    """Decisions as JSON completions of a few-shot transcript (for base models)."""

    name = "fewshot"

    def visible_text(self) -> Callable[[str], str]:
        """Streams the text of an ``{"answer": "..."}`` decision as it is written."""
        return AnswerStream().feed

    def __init__(self) -> None:
        self._headers: dict[str, str] = {}

    async def decide(self, request: ModelRequest, complete: Complete) -> ModelResponse:
        tools = offered_tools(request)
        answer = answer_schema(request)
        if answer == TEXT and notes_of(request.messages):
            answer = ONE_SENTENCE
        work = _Work.of(request.messages, tools)
        forced = request.tool_choice != "auto"
        done = bool(work.results) and answer == TEXT
        examples = nearest_first(tools, work.task)
        prompt = self.header(request, examples, answer) + transcript(request.messages)
        usage = Usage()
        candidates, tried = list(tools), _Tried()
        while candidates:
            must_call = forced or not work.results
            # after a result a base model answers best by handing that result on
            text = None if must_call or done else answer
            schema = decision_schema(candidates, text, done and not must_call)
            response = await complete(_ask(request, prompt, schema))
            usage += response.usage
            decided = _own_task(read_decision(response, candidates, work.last_result), work)
            decided = work.trimmed(decided, candidates)
            unsound = [c for c in decided.tool_calls if not work.sound(c, candidates)]
            if forced or not unsound:
                return decided.model_copy(update={"usage": usage})
            candidates = tried.next_candidates(unsound[0], tools, work)
        schema = decision_schema((), None if done else answer, done)
        response = await complete(_ask(request, prompt, schema))
        final = _own_task(read_decision(response, (), work.last_result), work)
        return final.model_copy(update={"usage": usage + response.usage})

    def header(
        self, request: ModelRequest, tools: Sequence[ToolSpec], answer: dict[str, Any]
    ) -> str:
        """Instructions, the tool list and an example per tool in the order of ``tools``
        (built once per tool order)."""
        system = "\n\n".join(m.text for m in request.messages if m.role == "system" and m.text)
        notes = bool(notes_of(request.messages))
        key = _compact([system, [spec.name for spec in tools], answer, notes])
        header = self._headers.get(key)
        if header is None:
            header = self._headers[key] = _header(system, tools, answer, notes)
        return header


def _ask(request: ModelRequest, prompt: str, schema: dict[str, Any]) -> ModelRequest:
    """The request that asks for one decision of ``schema`` after ``prompt`` (within the
    request's ``max_tokens``: a cut decision keeps what it wrote and says ``length``)."""
    return request.model_copy(
        update={
            "messages": (Message.user(prompt),),
            "tools": (),
            "tool_choice": "auto",
            "parallel_tool_calls": None,
            "response_format": JsonSchemaFormat(name="decision", json_schema=schema),
        }
    )


def offered_tools(request: ModelRequest) -> tuple[ToolSpec, ...]:
    """The tools a decision may call under the request's ``tool_choice``."""
    choice = request.tool_choice
    if choice == "none":
        return ()
    if isinstance(choice, NamedToolChoice):
        return tuple(spec for spec in request.tools if spec.name == choice.name)
    return request.tools


def answer_schema(request: ModelRequest) -> dict[str, Any]:
    """The schema of an answer: the response format's, else text."""
    fmt = request.response_format
    if isinstance(fmt, JsonSchemaFormat):
        return fmt.json_schema
    if isinstance(fmt, JsonObjectFormat):
        return {"type": "object"}
    return TEXT


def decision_schema(
    tools: Sequence[ToolSpec], answer: dict[str, Any] | None, done: bool = False
) -> dict[str, Any]:
    """One decision: a call of one of ``tools``, or (when ``answer`` is given) the answer,
    or (``done``) the latest result as the answer."""
    options: list[dict[str, Any]] = [
        _object({"tool": {"const": spec.name}, "arguments": spec.parameters}) for spec in tools
    ]
    if answer is not None:
        options.append(_object({"answer": answer}))
    if done:
        options.append(_object({"done": {"const": True}}))
    return options[0] if len(options) == 1 else {"anyOf": options}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _header(system: str, tools: Sequence[ToolSpec], answer: dict[str, Any], notes: bool) -> str:
    lines = [system, ""] if system else []
    if tools:
        lines.append("Tools:")
        lines += [f"- {spec.name}: {spec.description or spec.name}" for spec in tools]
        lines.append("")
    for spec, result in zip(tools, itertools.cycle(_RESULTS), strict=False):
        arguments = example_arguments(spec.parameters)
        lines += [
            f"Task: {example_task(spec, arguments)}",
            f"Action: {_compact({'tool': spec.name, 'arguments': arguments})}",
            f"Result: {result}",
            f"Action: {_compact(DONE if answer == TEXT else {'answer': example_value(answer)})}",
            "",
        ]
    if notes:
        task, text, rewrite = _NOTES_EXAMPLE
        lines += [f"Task: {task}", f"Notes: {text}", f"Action: {_compact({'answer': rewrite})}", ""]
    elif not tools:
        task, text = _ANSWER_EXAMPLE
        value = text if answer.get("type") == "string" else example_value(answer, "answer", task)
        lines += [f"Task: {task}", f"Action: {_compact({'answer': value})}", ""]
    return "\n".join(lines) + "\n"


def notes_of(messages: Sequence[Message]) -> list[str]:
    """Answers of other agents that end the conversation (a sequence graph hands them on):
    the notes this agent works from."""
    notes: list[str] = []
    for message in reversed(messages):
        if message.role != "assistant" or message.tool_calls or not message.text:
            break
        notes.insert(0, message.text)
    return notes if any(m.role == "user" for m in messages) else []


def transcript(messages: Sequence[Message]) -> str:
    """The conversation as transcript lines, ending where the model decides (other
    agents' answers at the end are the notes it works from)."""
    notes = notes_of(messages)
    messages = messages[: len(messages) - len(notes)]
    lines: list[str] = []
    for message in messages:
        if message.role == "user":
            lines.append(f"Task: {message.text}")
        elif message.role == "tool":
            lines.append(f"Result: {_clip(message.text)}")
        elif message.role == "assistant":
            if message.text or not message.tool_calls:
                lines.append(f"Action: {_compact({'answer': message.text})}")
            for call in message.tool_calls:
                lines.append(
                    f"Action: {_compact({'tool': call.name, 'arguments': call.arguments})}"
                )
    lines += [f"Notes: {_clip(note)}" for note in notes]
    lines.append("Action:")
    return "\n".join(lines)


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_RESULT_CHARS else flat[: MAX_RESULT_CHARS - 3] + "..."


def _current_task(messages: Sequence[Message]) -> Sequence[Message]:
    """The messages since the last user message (the work done on the current task)."""
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].role == "user":
            return messages[index + 1 :]
    return messages


@dataclass(frozen=True)
class _Work:
    """What the current task has so far: its text, the calls made and their results."""

    task: str
    calls: tuple[ToolCall, ...]
    results: tuple[str, ...]
    near: frozenset[str]
    """The tools whose documentation has most in common with the task."""

    @classmethod
    def of(cls, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> _Work:
        history = _current_task(messages)
        task = next((m.text for m in reversed(messages) if m.role == "user"), "")
        calls = tuple(call for message in history for call in message.tool_calls)
        results = tuple(m.text for m in history if m.role == "tool")
        return cls(task, calls, results, frozenset(nearest(tools, task)))

    @property
    def last_result(self) -> str | None:
        return self.results[-1] if self.results else None

    def sound(self, call: ToolCall, tools: Sequence[ToolSpec]) -> bool:
        """Whether ``call`` is a decision and not a base model's drift: it repeats no call
        of the task, its values come from the task or the results (or are the tool's
        defaults), a first call that takes nothing from the task is to a tool nearest to
        it, and a follow-up call takes something from the results."""
        if self.repeats(call):
            return False
        properties = _properties(call, tools)
        given = [
            value
            for name, value in call.arguments.items()
            if value != (properties.get(name) or {}).get("default", _NO_DEFAULT)
        ]
        if not all(self.sourced(value) for value in given):
            return False
        if not self.results:  # a first call that takes nothing from the task must fit it
            return bool(given) or call.name in self.near
        arguments = _compact(call.arguments).lower()
        words = {w for text in self.results for w in _WORD.findall(text.lower())}
        return any(word in arguments for word in words if len(word) >= 3 or word.isdigit())

    def repeats(self, call: ToolCall) -> bool:
        """Whether the task made this call already."""
        return any(call.name == old.name and call.arguments == old.arguments for old in self.calls)

    def sourced(self, value: Any) -> bool:
        """Whether ``value`` comes from the task or the results: copied whole, or (once
        there are results) made of their words and numbers ("12 * 3")."""
        leaves = _leaves(value)
        sources = " ".join((self.task, *self.results))
        if all(_squash(leaf) in _squash(sources) for leaf in leaves):
            return True
        words = _words(sources)
        return bool(self.results) and all(_words(leaf) <= words for leaf in leaves)

    def trimmed(self, response: ModelResponse, tools: Sequence[ToolSpec]) -> ModelResponse:
        """``response`` without the optional arguments whose values come from nowhere: a
        base model fills them with copies of the examples, the tool's defaults are meant."""
        calls = []
        for call in response.message.tool_calls:
            required = set(_spec(call, tools).get("required") or ())
            kept = {k: v for k, v in call.arguments.items() if k in required or self.sourced(v)}
            calls.append(call.model_copy(update={"arguments": kept}))
        if [call.arguments for call in calls] == [c.arguments for c in response.message.tool_calls]:
            return response
        message = response.message.model_copy(update={"tool_calls": tuple(calls)})
        return response.model_copy(update={"message": message})


def _spec(call: ToolCall, tools: Sequence[ToolSpec]) -> dict[str, Any]:
    """The parameters schema of the tool ``call`` names (empty when not offered)."""
    return next((spec.parameters for spec in tools if spec.name == call.name), {})


def _properties(call: ToolCall, tools: Sequence[ToolSpec]) -> dict[str, Any]:
    properties = _spec(call, tools).get("properties")
    return properties if isinstance(properties, dict) else {}


def _words(text: str) -> set[str]:
    return {word.strip(".") for word in _WORD.findall(text.lower())} - {""}


_NO_DEFAULT = object()


class _Tried:
    """What to offer after a call that is no decision: that tool once more with its
    text values copied from the task or the results when it is a tool nearest the task
    (a base model that copies an example's value then mostly chose the right tool),
    then, on a first step, the other tools once (those nearest the task, if any); then
    nothing (the model answers)."""

    def __init__(self) -> None:
        self.copied = False
        self.others = False

    def next_candidates(
        self, call: ToolCall, tools: Sequence[ToolSpec], work: _Work
    ) -> list[ToolSpec]:
        spec = next(spec for spec in tools if spec.name == call.name)
        if not self.copied and call.name in work.near and not work.repeats(call):
            self.copied = True
            copying = copied_values(spec, (work.task, *work.results))
            if copying is not spec:
                return [copying]
        if self.others or work.results:
            return []
        self.others = True
        others = [other for other in tools if other.name != call.name]
        return [other for other in others if other.name in work.near] or others


def _leaves(value: Any) -> list[str]:
    """The strings and numbers inside an argument value."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    if isinstance(value, bool) or value is None:
        return []
    return [str(value)]


def _squash(text: str) -> str:
    return "".join(text.lower().split())


def read_decision(
    response: ModelResponse, tools: Sequence[ToolSpec], result: str | None = None
) -> ModelResponse:
    """The decision in ``response`` as an ordinary answer: tool calls, or text (a
    response format's value as JSON text). A decision cut off by ``max_tokens`` keeps
    what was written of the answer and says ``length``."""
    raw = response.message.text
    decision = _parse(raw)
    names = {spec.name for spec in tools}
    if isinstance(decision.get("tool"), str) and decision["tool"] in names:
        call = ToolCall(
            id=f"call_{uuid.uuid4().hex[:24]}",
            name=decision["tool"],
            arguments=decision.get("arguments") or {},
        )
        message = Message.assistant("", tool_calls=(call,))
        return response.model_copy(update={"message": message, "finish_reason": "tool_calls"})
    value = decision.get("answer", _partial_answer(raw))
    if decision.get("done") is True and result is not None:
        value = result
    text = value if isinstance(value, str) else _compact(value)
    return response.model_copy(update={"message": Message.assistant(text.strip())})


def _own_task(response: ModelResponse, work: _Work) -> ModelResponse:
    """A structured answer (a plan, ...) that copies the example's task gets the real
    task in its place: copying the task is what the example taught."""
    example = _ANSWER_EXAMPLE[0]
    text = response.message.text
    if not text.startswith(("{", "[")) or example not in text or example in work.task:
        return response
    fixed = text.replace(_compact(example)[1:-1], _compact(work.task)[1:-1])
    return response.model_copy(update={"message": Message.assistant(fixed)})


class AnswerStream:
    """Picks the answer text out of a streaming ``{"answer":"...`` decision."""

    def __init__(self) -> None:
        self.raw = ""
        self.sent = 0

    def feed(self, delta: str) -> str:
        """The answer text that ``delta`` completes (empty for any other decision)."""
        self.raw += delta
        if not self.raw.startswith(_ANSWER_OPEN):
            return ""
        text = _partial_answer(self.raw)
        new, self.sent = text[self.sent :], max(self.sent, len(text))
        return new


def _parse(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _partial_answer(raw: str) -> str:
    """The text of an answer so far (or cut off): ``{"answer":"The sky is`` gives
    ``The sky is`` (an escape still being written is left out)."""
    if not raw.startswith(_ANSWER_OPEN):
        return ""
    body, escaped = raw[len(_ANSWER_OPEN) :], False
    for index, char in enumerate(body):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            body = body[:index]
            break
    for cut in range(7):  # an escape cut mid-way ("\\u00") is left out
        try:
            return str(json.loads(f'"{body[: len(body) - cut]}"'))
        except json.JSONDecodeError:
            continue
    return ""


__all__ = ["FewShotFormat", "answer_schema", "decision_schema", "read_decision"]
