"""Decision formats: how an agent's model call asks the model for its next decision.

Every planner's model calls go through the agent's decision format
(:func:`interlace.agents.steps.call_model`):

* ``native``: the request goes to the backend as it is (chat turns, the backend's own
  tool calling or grammar); right for instruction-tuned models.
* ``fewshot``: for base models that do not follow chat instructions but copy well from
  examples. Each step the model completes a few-shot, completion-style transcript and a
  JSON Schema constraint forces one decision: a call of one offered tool with
  schema-valid arguments, or the answer. The examples are generated from the offered
  tools' schemas (:mod:`.examples`).

``auto`` (the default) picks ``fewshot`` when the backend declares a base model
(``Capabilities.base_model``) and ``native`` otherwise. Plugins add formats through the
``register_decision_formats`` hook.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from interlace.plugins.registry import Registry
from interlace.protocols import ModelRequest, ModelResponse
from interlace.protocols.errors import UsageError
from interlace.runtimes.base import Capabilities

Complete = Callable[[ModelRequest], Awaitable[ModelResponse]]
"""Sends one request to the backend (streaming or not, within the history policy)."""
TextFilter = Callable[[str], str]
"""The part of a streamed text delta that is answer text (fed every delta in order)."""

AUTO = "auto"


class DecisionFormat(Protocol):
    """A way of asking a model for its next decision.

    ``decide`` gets the planner's request and a function that sends a request to the
    backend; it returns the decision as an ordinary response (text, or tool calls), so
    planners never see the format. ``visible_text`` gives, per backend call, the filter
    that picks the answer text out of what the model streams.
    """

    name: str

    def visible_text(self) -> TextFilter:
        """A fresh filter for one streamed backend call."""
        ...

    async def decide(self, request: ModelRequest, complete: Complete) -> ModelResponse:
        """The model's next decision for ``request``."""
        ...


class NativeFormat:
    """The request as the planner wrote it: chat turns and the backend's tool calling."""

    name = "native"

    def visible_text(self) -> TextFilter:
        return _unchanged

    async def decide(self, request: ModelRequest, complete: Complete) -> ModelResponse:
        return await complete(request)


def _unchanged(text: str) -> str:
    return text


DECISION_FORMATS: Registry[Callable[[], DecisionFormat]] = Registry(
    "decision format",
    "register_decision_formats",
    error=UsageError,
    hint="plugins add decision formats through the register_decision_formats hook",
)


def check_format_name(name: str) -> None:
    """Raise a :class:`UsageError` with a suggestion unless ``name`` is ``auto`` or registered."""
    if name != AUTO:
        DECISION_FORMATS.entry(name)


def decision_format(name: str, capabilities: Capabilities) -> DecisionFormat:
    """The format ``name`` names; ``auto``: ``fewshot`` for a base model, else ``native``."""
    if name == AUTO:
        name = "fewshot" if capabilities.base_model else "native"
    return DECISION_FORMATS.get(name)()


__all__ = [
    "AUTO",
    "DECISION_FORMATS",
    "Complete",
    "DecisionFormat",
    "NativeFormat",
    "TextFilter",
    "check_format_name",
    "decision_format",
]
