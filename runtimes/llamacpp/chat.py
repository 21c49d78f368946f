"""Chat formatting: protocol messages to prompt segments for a model's chat format.

Formats: ``gemma`` (turn markers; the packaged base Gemma has no template of its own),
``chatml``, and ``template`` (the Jinja chat template stored in the GGUF). Tool calls in
the history are written in the same compact JSON the constrained decoder emits, and tool
results become user turns, so every format works for tool use and the prompt of the next
turn starts with exactly the tokens of this one (prefix reuse).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from interlace.protocols import ImagePart, Message, ToolCall, ToolSpec
from interlace.protocols.errors import CapabilityError

from .calls import CALLS_PREFIX, calls_json

TurnRole = Literal["system", "user", "assistant"]
Segment = tuple[str, bool]  # (text, is_markup): only markup may contain special tokens


@dataclass(frozen=True)
class Turn:
    """One turn of the flattened conversation."""

    role: TurnRole
    text: str


def _content_text(message: Message) -> str:
    if isinstance(message.content, tuple) and any(
        isinstance(part, ImagePart) for part in message.content
    ):
        raise CapabilityError(
            "the llamacpp backend is text-only; remove image parts or use a multimodal backend"
        )
    return message.text


def _assistant_text(message: Message) -> str:
    text = _content_text(message)
    if not message.tool_calls:
        return text
    calls = calls_json(message.tool_calls)
    return f"{text}\n{calls}" if text else calls


def _tool_text(message: Message) -> str:
    name = f" {message.name}" if message.name else ""
    return f"Result of tool call{name} ({message.tool_call_id}):\n{_content_text(message)}"


def to_turns(messages: Sequence[Message], tool_prompt: str = "") -> list[Turn]:
    """Flatten messages into system/user/assistant turns; merges consecutive same roles."""
    turns: list[Turn] = []
    system = [_content_text(m) for m in messages if m.role == "system"]
    if tool_prompt:
        system.append(tool_prompt)
    if system:
        turns.append(Turn("system", "\n\n".join(text for text in system if text)))
    for message in messages:
        if message.role == "system":
            continue
        role: TurnRole = "assistant" if message.role == "assistant" else "user"
        if message.role == "assistant":
            text = _assistant_text(message)
        elif message.role == "tool":
            text = _tool_text(message)
        else:
            text = _content_text(message)
        if turns and turns[-1].role == role and role != "system":
            turns[-1] = Turn(role, f"{turns[-1].text}\n\n{text}")
        else:
            turns.append(Turn(role, text))
    return turns


def tool_prompt(tools: Sequence[ToolSpec], required: bool) -> str:
    """The instructions that describe the tools and the call format to the model."""
    lines = ["You can call these tools:"]
    for spec in tools:
        schema = json.dumps(spec.parameters, separators=(",", ":"))
        lines.append(f"- {spec.name}: {spec.description or spec.name}\n  arguments: {schema}")
    example = calls_json((ToolCall(id="x", name="TOOL_NAME", arguments={"ARG": "VALUE"}),))
    lines.append(f"To call tools, answer with only a JSON object like {example}.")
    if not required:
        lines.append(f"Otherwise answer in plain text (never starting with {CALLS_PREFIX[0]}).")
    return "\n".join(lines)


TURN_MARKERS = {
    "gemma": ("<start_of_turn>", "<end_of_turn>"),
    "chatml": ("<|im_start|>", "<|im_end|>"),
}
"""The turn markers of each chat format: generation stops at any of them (a model that
writes one has finished its turn, whatever it writes next belongs to another)."""


def render_gemma(turns: Sequence[Turn]) -> list[Segment]:
    """Gemma turn markers; the system text opens the first user turn, as Gemma's template does."""
    segments: list[Segment] = []
    system = ""
    for turn in turns:
        if turn.role == "system":
            system = turn.text
            continue
        text = f"{system}\n\n{turn.text}" if system and turn.role == "user" else turn.text
        if turn.role == "user":
            system = ""
        role = "model" if turn.role == "assistant" else "user"
        segments += [(f"<start_of_turn>{role}\n", True), (text, False), ("<end_of_turn>\n", True)]
    if system:
        segments += [("<start_of_turn>user\n", True), (system, False), ("<end_of_turn>\n", True)]
    segments.append(("<start_of_turn>model\n", True))
    return segments


def render_chatml(turns: Sequence[Turn]) -> list[Segment]:
    """ChatML (``<|im_start|>role ... <|im_end|>``), spoken by Qwen, SmolLM and many others."""
    segments: list[Segment] = []
    for turn in turns:
        segments += [(f"<|im_start|>{turn.role}\n", True), (turn.text, False)]
        segments.append(("<|im_end|>\n", True))
    segments.append(("<|im_start|>assistant\n", True))
    return segments


def render_template(turns: Sequence[Turn], template: str, bos: str, eos: str) -> list[Segment]:
    """The GGUF's own Jinja chat template (rendered in a sandbox by llama-cpp-python)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    formatter = Jinja2ChatFormatter(template=template, bos_token=bos, eos_token=eos)
    messages: Any = [{"role": turn.role, "content": turn.text} for turn in turns]
    return [(formatter(messages=messages).prompt, True)]


def resolve_format(requested: str, metadata: dict[str, str]) -> str:
    """The chat format to use: ``auto`` picks the GGUF template, then gemma, then chatml."""
    if requested != "auto":
        return requested
    if metadata.get("tokenizer.chat_template"):
        return "template"
    if metadata.get("general.architecture", "").startswith("gemma"):
        return "gemma"
    return "chatml"
