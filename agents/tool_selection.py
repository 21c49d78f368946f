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
from itertools import compress
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from interlace.protocols import Message, ModelRequest, NamedToolChoice, ToolSpec
from interlace.tools.context import RunContext
from interlace.tools.selection import ToolSelection, best_positions

from .context import AgentContext, emit
from .events import OfferedTool, ToolSelectionEvent
from .tool_index import tool_index

if TYPE_CHECKING:
    from interlace.tools.base import Toolset


@dataclass
class _Group:
    """Tools (by position in the request) ranked under one selection; ``always`` marks
    those its ``always`` patterns match (both arrays are built with the layout)."""

    selection: ToolSelection
    positions: list[int] = field(default_factory=list)
    index: Any = None
    always: Any = None


@dataclass
class _Layout:
    """How one list of tools splits into groups; ``free``: positions always offered;
    ``pinned``: the names the agent's ``always`` patterns match; ``position``: each
    name's position. ``vectors`` keeps, per embedder, the grouped positions and their
    stacked tool vectors (built on the first ranking)."""

    groups: list[_Group]
    free: list[int]
    pinned: frozenset[str]
    position: dict[str, int]
    vectors: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    masks: dict[tuple[frozenset[str], int], Any] = field(default_factory=dict)

    def scores(self, specs: Sequence[ToolSpec], texts: Sequence[str]) -> Any:
        """Each tool's similarity to the conversation (see ``ToolIndex.scores``), as an
        array over positions (NaN for tools no group ranks): one matrix product per
        embedder."""
        import numpy as np

        for group in self.groups:
            if group.selection.embedder not in self.vectors:
                self._stack(specs, group.selection.embedder)
        found = np.full(len(specs), np.nan, dtype=np.float32)
        for embedder, (positions, matrix) in self.vectors.items():
            found[positions] = (matrix @ tool_index(embedder).query(texts).T).max(axis=1)
        return found

    def _stack(self, specs: Sequence[ToolSpec], embedder: str) -> None:
        import numpy as np

        positions = [
            i for g in self.groups if g.selection.embedder == embedder for i in g.positions
        ]
        matrix = np.ascontiguousarray(tool_index(embedder).vectors([specs[i] for i in positions]))
        self.vectors[embedder] = (np.array(positions, dtype=np.intp), matrix)

    def pinned_mask(self, pinned: frozenset[str], size: int) -> Any:
        """Which positions ``pinned`` names (offered whatever their rank); kept per set
        (read-only), since most calls pin the same names."""
        import numpy as np

        mask = self.masks.get((pinned, size))
        if mask is None:
            mask = np.zeros(size, dtype=bool)
            mask[[self.position[name] for name in pinned if name in self.position]] = True
            mask.flags.writeable = False
            self.masks[pinned, size] = mask
        return mask


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
    import numpy as np

    fixed = layout.pinned_mask(pinned, len(specs))
    ranked = [group for group in layout.groups if _needs_ranking(group, fixed)]
    found = layout.scores(specs, texts) if ranked and texts else None
    reasons: dict[int, OfferedTool] = {
        i: OfferedTool(name=specs[i].name, reason="unranked") for i in layout.free
    }
    for group in layout.groups:
        scores = found if group in ranked else None
        reasons.update(_choose_in(group, specs, scores, fixed))
    offered = sorted(reasons)
    left = np.ones(len(specs), dtype=bool)
    left[offered] = False
    return Selection(
        offered=tuple(specs[i] for i in offered),
        left_out=tuple(compress(specs, left.tolist())),
        details=tuple(reasons[i] for i in offered),
        query="\n".join(texts),
    )


def _needs_ranking(group: _Group, pinned: Any) -> bool:
    policy = group.selection
    rankable = int((~(group.always | pinned[group.index])).sum())
    return rankable > policy.top_k or (policy.min_score is not None and rankable > 0)


def _choose_in(
    group: _Group, specs: Sequence[ToolSpec], found: Any, pinned: Any
) -> dict[int, OfferedTool]:
    """The group's offered positions: its fixed ones (``always``, pinned) and, when it is
    ranked (``found``: scores by position), the best others; else all of them."""
    policy = group.selection
    fixed = group.always | pinned[group.index]
    if found is None:  # every tool fits: all are offered
        chosen = group.positions
    else:
        scores = found[group.index]
        best = best_positions(scores, ~fixed, policy.top_k, policy.min_score)
        chosen = [int(i) for i in group.index[fixed]] + [group.positions[n] for n in best]
    always = {int(i) for i in group.index[fixed]}

    def offered(i: int) -> OfferedTool:
        score = None if found is None else round(float(found[i]), 4)
        reason = "always" if i in always else "top_k"
        return OfferedTool(name=specs[i].name, score=score, reason=reason)

    return {i: offered(i) for i in chosen}


_NAME = attrgetter("name")


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
        pinned = self._pinned(request, layout)
        return await anyio.to_thread.run_sync(
            lambda: select(request.tools, layout, texts, pinned=pinned)
        )

    @staticmethod
    def _pinned(request: ModelRequest, layout: _Layout) -> frozenset[str]:
        if isinstance(request.tool_choice, NamedToolChoice):
            return layout.pinned | {request.tool_choice.name}
        return layout.pinned

    async def layout(self, specs: Sequence[ToolSpec]) -> _Layout:
        """How the agent's selections cover ``specs`` (worked out once per tool list)."""
        key = tuple(map(_NAME, specs))
        layout = self._layouts.get(key)
        if layout is None:
            layout = self._layouts[key] = await self._layout(specs)
        return layout

    async def _layout(self, specs: Sequence[ToolSpec]) -> _Layout:
        import numpy as np

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
        for group in groups.values():
            group.index = np.array(group.positions, dtype=np.intp)
            names = [specs[i].name for i in group.positions]
            group.always = np.array([group.selection.is_always(n) for n in names], dtype=bool)
        pinned = frozenset(spec.name for spec in specs if agent and agent.is_always(spec.name))
        positions = {spec.name: i for i, spec in enumerate(specs)}
        return _Layout(list(groups.values()), free, pinned, positions)


def _policy_of(
    owner: Toolset | None, name: str, ctx: AgentContext, agent: ToolSelection | None
) -> ToolSelection | None:
    if owner is None or any(owner is extra for extra in ctx.extra_toolsets):
        return None  # a graph's own tools (handoffs) are always offered
    return owner.selection_for(name) or agent


__all__ = ["Selection", "ToolSelector", "conversation_texts", "select"]
