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
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from interlace.protocols import ToolSpec

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

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
    fixed = [name in pinned or policy.is_always(name) for name in names]
    best = best_positions(scores, [not f for f in fixed], policy.top_k, policy.min_score)
    return [name for name, f in zip(names, fixed, strict=True) if f] + [names[i] for i in best]


def best_positions(
    scores: Sequence[float] | npt.NDArray[Any],
    eligible: Sequence[bool] | npt.NDArray[np.bool_],
    top_k: int,
    min_score: float | None = None,
) -> list[int]:
    """Positions of the ``top_k`` best eligible scores at or above ``min_score``, best
    first (equal scores: the earlier position first)."""
    import numpy as np

    values = np.asarray(scores, dtype=np.float64)
    keep = np.asarray(eligible, dtype=bool)
    if min_score is not None:
        keep = keep & (values >= min_score)
    candidates = np.flatnonzero(keep)
    order = np.argsort(-values[candidates], kind="stable")[:top_k]
    return [int(position) for position in candidates[order]]


__all__ = ["DEFAULT_TOP_K", "ToolSelection", "best_positions", "choose", "tool_text", "words"]
