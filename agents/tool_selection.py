"""Tool selection at run time: before each model call, offer only the tools that fit.

:class:`ToolSelector` is a per-call request transform (see
:func:`interlace.agents.steps.prepare_request`), so it works with every planner and
backend. The tools of the request are grouped by the selection that covers them (a
toolset's own :class:`~interlace.tools.selection.ToolSelection`, else the agent's);
each group with more tools than its ``top_k`` is ranked by similarity to the
conversation (:func:`conversation_texts`) and cut to its best plus its ``always`` tools.
Tools no selection covers (a graph's handoff tools, an agent without a selection) are
always offered. The offered tools keep the agent's order, so turns that offer the same
set send the same request (and reuse the same constrained-decoding grammar); the tools
left out go in ``other_tools``, and a call to one of them still runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from interlace.protocols import Message, ModelRequest, NamedToolChoice, ToolSpec
from interlace.tools.context import RunContext
from interlace.tools.selection import ToolSelection, choose

from .context import AgentContext, emit
from .events import OfferedTool, ToolSelectionEvent
from .tool_index import tool_index

if TYPE_CHECKING:
    from interlace.tools.base import Toolset


@dataclass
class _Group:
    """Tools (by position in the request) ranked under one selection."""

    selection: ToolSelection
    positions: list[int] = field(default_factory=list)


@dataclass
class _Layout:
    """How one list of tools splits into groups; ``free``: positions always offered.
    ``vectors`` keeps, per embedder, the grouped positions and their tool vectors."""

    groups: list[_Group]
    free: list[int]
    vectors: dict[str, tuple[list[int], Any]] = field(default_factory=dict)

    def scores(self, specs: Sequence[ToolSpec], texts: Sequence[str]) -> dict[int, float]:
        """Each grouped tool's similarity to the conversation (see ``ToolIndex.scores``)."""
        found: dict[int, float] = {}
        for group in self.groups:
            embedder = group.selection.embedder
            if embedder not in self.vectors:
                positions = [
                    i for g in self.groups if g.selection.embedder == embedder for i in g.positions
                ]
                matrix = tool_index(embedder).vectors([specs[i] for i in positions])
                self.vectors[embedder] = (positions, matrix)
        for embedder, (positions, matrix) in self.vectors.items():
            similarity = matrix @ tool_index(embedder).query(texts).T
            found.update(zip(positions, similarity.max(axis=1).tolist(), strict=True))
        return found


@dataclass(frozen=True)
class Selection:
    """What a selection chose: the tools to offer (in the agent's order), the tools left
    out, and each offered tool's score and reason."""

    offered: tuple[ToolSpec, ...]
    left_out: tuple[ToolSpec, ...]
    details: tuple[OfferedTool, ...]
    query: str = ""

    def to_json(self) -> str:
        """The offered tools with their scores and reasons, as JSON (for traces)."""
        import json

        return json.dumps([detail.model_dump() for detail in self.details])


def conversation_texts(messages: Sequence[Message]) -> list[str]:
    """The texts tools are ranked against: the latest user message and the results of
    the latest tool calls (when the last model step called tools)."""
    texts: list[str] = []
    users = [i for i, message in enumerate(messages) if message.role == "user"]
    if users and messages[users[-1]].text.strip():
        texts.append(messages[users[-1]].text)
    tail: list[Message] = []
    for message in reversed(messages):
        if message.role != "tool":
            break
        tail.insert(0, message)
    results = "\n".join(message.text for message in tail if message.text.strip())
    if results:
        texts.append(results)
    if not texts:
        last = next((m for m in reversed(messages) if m.role != "system" and m.text.strip()), None)
        texts += [last.text] if last else []
    return texts


def select(
    specs: Sequence[ToolSpec],
    layout: _Layout,
    texts: Sequence[str],
    *,
    pinned: frozenset[str] = frozenset(),
) -> Selection:
    """Choose among ``specs`` as ``layout`` says (ranking against ``texts`` where a group
    has more tools than it offers); ``pinned`` names are offered whatever their rank."""
    ranked = [group for group in layout.groups if _needs_ranking(group, specs, pinned)]
    found = layout.scores(specs, texts) if ranked and texts else {}
    reasons: dict[int, OfferedTool] = {
        i: OfferedTool(name=specs[i].name, reason="unranked") for i in layout.free
    }
    for group in layout.groups:
        reasons.update(_choose_in(group, specs, found if group in ranked else {}, pinned))
    offered = sorted(reasons)
    return Selection(
        offered=tuple(specs[i] for i in offered),
        left_out=tuple(spec for i, spec in enumerate(specs) if i not in reasons),
        details=tuple(reasons[i] for i in offered),
        query="\n".join(texts),
    )


def _needs_ranking(group: _Group, specs: Sequence[ToolSpec], pinned: frozenset[str]) -> bool:
    policy = group.selection
    rankable = [
        i
        for i in group.positions
        if specs[i].name not in pinned and not policy.is_always(specs[i].name)
    ]
    return len(rankable) > policy.top_k or (policy.min_score is not None and bool(rankable))


def _choose_in(
    group: _Group, specs: Sequence[ToolSpec], found: dict[int, float], pinned: frozenset[str]
) -> dict[int, OfferedTool]:
    policy = group.selection
    names = [specs[i].name for i in group.positions]
    ranked = all(i in found for i in group.positions)
    if ranked:  # else every tool fits: all are offered
        scores = [found[i] for i in group.positions]
        names = choose(names, scores, policy, pinned)

    def offered(i: int) -> OfferedTool:
        name = specs[i].name
        always = name in pinned or policy.is_always(name)
        score = round(found[i], 4) if ranked else None
        return OfferedTool(name=name, score=score, reason="always" if always else "top_k")

    chosen = set(names)
    return {i: offered(i) for i in group.positions if specs[i].name in chosen}


class ToolSelector:
    """The request transform of an agent's tool selections (installed for every agent;
    a request whose tools no selection covers passes unchanged)."""

    def __init__(self, ctx: AgentContext) -> None:
        self.ctx = ctx
        self._layouts: dict[tuple[str, ...], _Layout] = {}

    async def __call__(self, request: ModelRequest, run: RunContext) -> ModelRequest:
        if not request.tools:
            return request
        layout = await self.layout(request.tools)
        if not layout.groups:
            return request
        from .tracing import selection_span

        with selection_span(self.ctx.name, len(request.tools)) as span:
            selection = await self.select(request)
            span.set_attribute("interlace.tools.offered", selection.to_json())
        if not selection.left_out and all(d.score is None for d in selection.details):
            return request  # nothing was ranked: every tool fits
        emit(
            ToolSelectionEvent(
                agent=self.ctx.name,
                offered=selection.details,
                total=len(request.tools),
                query=selection.query,
            )
        )
        return request.model_copy(
            update={
                "tools": selection.offered,
                "other_tools": (*request.other_tools, *selection.left_out),
            }
        )

    async def select(self, request: ModelRequest) -> Selection:
        """The selection for ``request`` (ranking runs on a worker thread)."""
        import anyio

        layout = await self.layout(request.tools)
        texts = conversation_texts(request.messages)
        pinned = self._pinned(request)
        return await anyio.to_thread.run_sync(
            lambda: select(request.tools, layout, texts, pinned=pinned)
        )

    def _pinned(self, request: ModelRequest) -> frozenset[str]:
        agent = self.ctx.agent.tool_selection
        names = {spec.name for spec in request.tools if agent and agent.is_always(spec.name)}
        if isinstance(request.tool_choice, NamedToolChoice):
            names.add(request.tool_choice.name)
        return frozenset(names)

    async def layout(self, specs: Sequence[ToolSpec]) -> _Layout:
        """How the agent's selections cover ``specs`` (worked out once per tool list)."""
        key = tuple(spec.name for spec in specs)
        layout = self._layouts.get(key)
        if layout is None:
            layout = self._layouts[key] = await self._layout(specs)
        return layout

    async def _layout(self, specs: Sequence[ToolSpec]) -> _Layout:
        agent = self.ctx.agent.tool_selection
        groups: dict[int, _Group] = {}
        free: list[int] = []
        for position, spec in enumerate(specs):
            owner = await self.ctx.owner(spec.name)
            policy = _policy_of(owner, spec.name, self.ctx, agent)
            if policy is None:
                free.append(position)
            else:
                groups.setdefault(id(policy), _Group(policy)).positions.append(position)
        return _Layout(list(groups.values()), free)


def _policy_of(
    owner: Toolset | None, name: str, ctx: AgentContext, agent: ToolSelection | None
) -> ToolSelection | None:
    if owner is None or any(owner is extra for extra in ctx.extra_toolsets):
        return None  # a graph's own tools (handoffs) are always offered
    return owner.selection_for(name) or agent


__all__ = ["Selection", "ToolSelector", "conversation_texts", "select"]
