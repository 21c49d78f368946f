"""Tool selection: which of many tools a model call is offered.

An agent (or one of its toolsets) with a :class:`ToolSelection` does not show the model
every tool: before each model call its tools are ranked by how similar each one's text
(:func:`tool_text`: name, description, parameter descriptions) is to the conversation,
and only the best ``top_k`` plus the ``always`` tools are offered. The ranking itself
(embeddings, their cache, the request transform) lives in
:mod:`interlace.agents.tool_selection`; this module holds the policy and the choice,
which need no model.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from interlace.protocols import ToolSpec

DEFAULT_TOP_K = 8


class ToolSelection(BaseModel):
    """Offer each model call only the tools that fit the conversation.

    ``top_k``: how many of the best-ranked tools to offer. ``always``: tools offered on
    every call whatever their rank (names or glob patterns, e.g. ``finish`` or ``git_*``).
    ``min_score``: leave out tools whose similarity (cosine, -1 to 1) is below it, even
    within the top k. ``embedder``: ``default`` (the packaged all-MiniLM-L6-v2) or the
    path of a local sentence-transformers model folder.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    top_k: int = Field(default=DEFAULT_TOP_K, gt=0)
    always: tuple[str, ...] = ()
    min_score: float | None = Field(default=None, ge=-1, le=1)
    embedder: str = "default"

    def is_always(self, name: str) -> bool:
        """Whether ``name`` matches one of the ``always`` names or patterns."""
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.always)


def words(name: str) -> str:
    """A tool or parameter name as words (``getWeather_v2`` -> ``get Weather v2``)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return re.sub(r"[_.\-/:]+", " ", spaced).strip()


def tool_text(spec: ToolSpec) -> str:
    """The text a tool is ranked by: its name as words, its description, and its
    parameters with their descriptions."""
    properties: Mapping[str, Any] = spec.parameters.get("properties") or {}
    parameters = [
        f"{words(name)}: {schema.get('description', '')}".rstrip(": ")
        if isinstance(schema, Mapping)
        else words(name)
        for name, schema in properties.items()
    ]
    text = f"{words(spec.name)}: {spec.description}".rstrip(": ")
    return f"{text} Parameters: {'; '.join(parameters)}" if parameters else text


def choose(
    names: Sequence[str],
    scores: Sequence[float],
    policy: ToolSelection,
    always: Iterable[str] = (),
) -> list[str]:
    """The names to offer from one ranked pool: the ``always`` ones (the policy's plus
    ``always``) and the ``top_k`` best-scoring others at or above ``min_score``."""
    pinned = set(always)
    chosen = [name for name in names if name in pinned or policy.is_always(name)]
    floor = policy.min_score
    ranked = sorted(
        (
            (score, index)
            for index, (name, score) in enumerate(zip(names, scores, strict=True))
            if name not in chosen and (floor is None or score >= floor)
        ),
        key=lambda item: (-item[0], item[1]),
    )
    return chosen + [names[index] for _, index in ranked[: policy.top_k]]


__all__ = ["DEFAULT_TOP_K", "ToolSelection", "choose", "tool_text", "words"]
