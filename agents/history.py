"""The history policy: what of a long conversation each model call sees.

Applied before every model call (:func:`complete_within_history`). The prompt budget is
the agent's ``history.max_tokens``, else the model's context window less room for the
answer. When the conversation does not fit, whole earlier turns (a user message and
everything up to the next one, so a tool call never loses its result) are dropped from
the oldest; the current turn and the instructions always stay. ``summarize`` puts a
model-written summary of the dropped turns in their place (computed once per prefix and
extended as more turns drop); ``trim`` just drops them; ``keep`` sends everything.

Token counts are estimated from the text; when the backend still reports an overflow
(with the real count), the budget is scaled by the error and the call retried once.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

from interlace.protocols import Message, ModelRequest, ModelResponse, SamplingSettings, ToolSpec
from interlace.protocols.errors import ContextOverflowError
from interlace.protocols.memo import ObjectMemo

from .agent import HistoryPolicy
from .context import AgentContext

CHARS_PER_TOKEN = 3.0  # conservative for English and code with common tokenizers
MESSAGE_OVERHEAD = 6  # role markers and separators per message
DEFAULT_ANSWER_TOKENS = 512
_SUMMARIES: OrderedDict[str, str] = OrderedDict()
_SUMMARY_CACHE = 256
SUMMARY_PROMPT = (
    "Summarize the conversation below in a few sentences for whoever continues it. Keep "
    "names, facts, numbers, decisions and open questions; leave out pleasantries."
)

Complete = Callable[[ModelRequest], Awaitable[ModelResponse]]
Turns = list[list[Message]]


def _message_chars(message: Message) -> int:
    calls = sum(len(json.dumps(call.arguments)) + len(call.name) for call in message.tool_calls)
    return len(message.text) + calls


def _spec_chars(spec: ToolSpec) -> int:
    return len(json.dumps(spec.parameters)) + len(spec.description)


# every model call estimates the whole prompt: each message and spec is measured once
_MESSAGE_CHARS = ObjectMemo(_message_chars)
_SPEC_CHARS = ObjectMemo(_spec_chars)


def estimate_tokens(messages: Sequence[Message], tools: Sequence[ToolSpec] = ()) -> int:
    """A conservative token estimate of a prompt (messages and tool specs)."""
    chars = sum(map(_MESSAGE_CHARS, messages)) + sum(map(_SPEC_CHARS, tools))
    return int(chars / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD * len(messages)


def prompt_budget(
    policy: HistoryPolicy, window: int | None, sampling: SamplingSettings
) -> int | None:
    """Tokens the prompt may take: ``max_tokens``, else the window less the answer's room."""
    if policy.max_tokens is not None:
        return policy.max_tokens
    return None if window is None else _room(window, sampling)


def _room(window: int, sampling: SamplingSettings) -> int:
    """The context window less room for the answer."""
    return window - min(sampling.max_tokens or DEFAULT_ANSWER_TOKENS, window // 4)


def split_turns(messages: Sequence[Message]) -> tuple[list[Message], Turns, list[Message]]:
    """``(instructions, earlier turns, current turn)``: leading system messages, complete
    turns before the last user message, and the last user message with what follows."""
    head = 0
    while head < len(messages) and messages[head].role == "system":
        head += 1
    rest = list(messages[head:])
    last_user = max((i for i, m in enumerate(rest) if m.role == "user"), default=0)
    return list(messages[:head]), group_turns(rest[:last_user]), rest[last_user:]


def group_turns(messages: Sequence[Message]) -> Turns:
    """Messages grouped into turns, each starting at a user message."""
    turns: Turns = []
    for message in messages:
        if message.role == "user" or not turns:
            turns.append([])
        turns[-1].append(message)
    return turns


def trim(
    messages: Sequence[Message], budget: int, tools: Sequence[ToolSpec] = ()
) -> tuple[list[Message], list[Message]]:
    """``(kept, dropped)``: the oldest whole turns dropped until the prompt fits ``budget``
    (as far as dropping earlier turns can make it fit)."""
    head, turns, current = split_turns(messages)
    fixed = estimate_tokens([*head, *current], tools)
    sizes = [estimate_tokens(turn) for turn in turns]
    dropped = 0
    while dropped < len(turns) and fixed + sum(sizes[dropped:]) > budget:
        dropped += 1
    kept = [message for turn in turns[dropped:] for message in turn]
    gone = [message for turn in turns[:dropped] for message in turn]
    return [*head, *kept, *current], gone


async def complete_within_history(
    ctx: AgentContext, request: ModelRequest, complete: Complete
) -> ModelResponse:
    """``complete(request)`` with the agent's history policy applied to its messages."""
    policy = ctx.agent.history
    window = ctx.backend.capabilities.context_window
    budget = prompt_budget(policy, window, request.settings)
    if policy.strategy == "keep" or budget is None:
        return await complete(request)
    fitted, dropped = await _fit(ctx, request, budget)
    try:
        return await complete(fitted)
    except ContextOverflowError as exc:
        if not split_turns(fitted.messages)[1]:  # no earlier turn left to drop
            if dropped:
                raise _too_long(exc) from exc
            raise
        # the estimate was low: rescale the budget by the real count, and try once more
        target = min(budget, _room(exc.context_window, request.settings))
        estimated = estimate_tokens(fitted.messages, fitted.tools)
        scaled = int(target * estimated / max(exc.prompt_tokens, 1) * 0.9)
        refitted, _ = await _fit(ctx, request, min(scaled, estimated - 1))
        try:
            return await complete(refitted)
        except ContextOverflowError as again:
            raise _too_long(again) from again


def _too_long(exc: ContextOverflowError) -> ContextOverflowError:
    return ContextOverflowError(
        exc.prompt_tokens,
        exc.context_window,
        "Earlier turns of the conversation were already left out (the agent's history "
        "policy): the instructions, tools and the latest message alone are too long",
    )


async def _fit(
    ctx: AgentContext, request: ModelRequest, budget: int
) -> tuple[ModelRequest, list[Message]]:
    kept, dropped = trim(request.messages, budget, request.tools)
    if not dropped:
        return request, dropped
    if ctx.agent.history.strategy == "summarize":
        summary = await _summary(ctx, dropped, budget)
        note = Message.system(f"Summary of the earlier conversation:\n{summary}")
        head = split_turns(kept)[0]
        kept = [*head, note, *kept[len(head) :]]
    return request.model_copy(update={"messages": tuple(kept)}), dropped


async def _summary(ctx: AgentContext, dropped: list[Message], budget: int) -> str:
    """The summary of the dropped turns; extends the summary of the longest prefix that
    was summarized before (so each turn is summarized about once)."""
    turns = group_turns(dropped)
    keys, digest = [], hashlib.sha256(ctx.name.encode())
    for turn in turns:
        digest.update(json.dumps([m.model_dump(mode="json") for m in turn]).encode())
        keys.append(digest.hexdigest())
    known = next((i for i in range(len(keys) - 1, -1, -1) if keys[i] in _SUMMARIES), -1)
    if known == len(keys) - 1:
        _SUMMARIES.move_to_end(keys[known])
        return _SUMMARIES[keys[known]]
    previous = _SUMMARIES[keys[known]] if known >= 0 else ""
    fresh = [message for turn in turns[known + 1 :] for message in turn]
    summary = await _summarize(ctx, previous, fresh, budget)
    _SUMMARIES[keys[-1]] = summary
    while len(_SUMMARIES) > _SUMMARY_CACHE:
        _SUMMARIES.popitem(last=False)
    return summary


async def _summarize(ctx: AgentContext, previous: str, messages: list[Message], budget: int) -> str:
    policy = ctx.agent.history
    lines = [f"Summary so far: {previous}"] if previous else []
    lines += [f"{m.role}: {m.text or json.dumps([c.name for c in m.tool_calls])}" for m in messages]
    room = int((budget - policy.summary_tokens) * CHARS_PER_TOKEN)
    transcript = "\n".join(lines)[-max(room, 200) :]  # the most recent part when too long
    request = ModelRequest(
        messages=(Message.system(SUMMARY_PROMPT), Message.user(transcript)),
        settings=SamplingSettings(temperature=0, max_tokens=policy.summary_tokens),
        cache_key=f"{ctx.name}:summary",
    )
    response = await ctx.backend.complete(request)
    return response.message.text.strip() or previous
