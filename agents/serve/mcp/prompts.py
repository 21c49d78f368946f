"""Prompts: each agent's instructions, plus whatever toolsets provide.

An agent (or graph) is a prompt of the same name: its ``{placeholders}`` in the
instructions are required arguments, and an optional ``task`` adds the request itself as
a second user message. Completion offers the values used before for the same argument
(most recent first), which is what a host can usefully suggest for free text.
"""

from __future__ import annotations

import string
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from interlace.protocols import Message
from interlace.protocols.catalog import PromptArgument, PromptResult, PromptSpec
from interlace.protocols.errors import UsageError
from interlace.tools.providers import PromptProvider

from ..host import AgentHost, UnitsHost

TASK = PromptArgument(name="task", description="What to ask the agent (optional).")
REMEMBERED = 20


def placeholders(instructions: str) -> list[str]:
    """The ``{name}`` fields of ``instructions`` in order (``{{`` escapes a brace)."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(instructions) if name]
    except ValueError:  # an unbalanced brace: plain text, no fields
        return []
    return list(dict.fromkeys(fields))


class AgentPrompts:
    """The host's agents and graphs as prompts."""

    def __init__(self, host: AgentHost) -> None:
        self.host = host
        self._used: dict[tuple[str, str], list[str]] = defaultdict(list)

    def _instructions(self, name: str) -> str:
        units = self.host.units if isinstance(self.host, UnitsHost) else {}
        return str(getattr(units.get(name), "instructions", "") or "")

    async def list_prompts(self) -> Sequence[PromptSpec]:
        return [self._spec(name, about) for name, about in self.host.agent_cards()]

    def _spec(self, name: str, about: str) -> PromptSpec:
        fields = [
            PromptArgument(
                name=field, description=f"Fills {{{field}}} in the instructions.", required=True
            )
            for field in placeholders(self._instructions(name))
        ]
        description = about or f"The instructions of the agent {name!r}."
        return PromptSpec(name=name, description=description, arguments=(*fields, TASK))

    async def get_prompt(self, name: str, arguments: Mapping[str, str]) -> PromptResult | None:
        cards = dict(self.host.agent_cards())
        if name not in cards:
            return None
        instructions = self._instructions(name)
        fields = placeholders(instructions)
        missing = [field for field in fields if field not in arguments]
        if missing:
            raise UsageError(f"prompt {name!r} needs the argument(s) {', '.join(missing)}")
        for key, value in arguments.items():
            self._remember(name, key, value)
        text = instructions.format_map(dict(arguments)) if fields else instructions
        messages = [Message.user(text or cards[name] or f"You are the agent {name!r}.")]
        if arguments.get("task"):
            messages.append(Message.user(arguments["task"]))
        return PromptResult(messages=tuple(messages), description=cards[name])

    def _remember(self, name: str, key: str, value: str) -> None:
        used = self._used[(name, key)]
        if value in used:
            used.remove(value)
        used.insert(0, value)
        del used[REMEMBERED:]

    async def complete_prompt(
        self, name: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Sequence[str]:
        wanted = value.lower()
        return [used for used in self._used.get((name, argument), []) if wanted in used.lower()]


class PromptHub:
    """All prompt providers of a server, queried in order."""

    def __init__(self, providers: Callable[[], Sequence[PromptProvider]]) -> None:
        self.providers = providers

    async def list_prompts(self) -> list[PromptSpec]:
        found: dict[str, PromptSpec] = {}
        for provider in self.providers():
            for spec in await provider.list_prompts():
                found.setdefault(spec.name, spec)
        return list(found.values())

    async def get(self, name: str, arguments: Mapping[str, str]) -> PromptResult | None:
        for provider in self.providers():
            found = await provider.get_prompt(name, arguments)
            if found is not None:
                return found
        return None

    async def complete(
        self, name: str, argument: str, value: str, context: Mapping[str, str]
    ) -> list[str]:
        for provider in self.providers():
            found = list(await provider.complete_prompt(name, argument, value, context))
            if found:
                return found
        return []
