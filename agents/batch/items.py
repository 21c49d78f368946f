"""What a batch reads and writes: input items, results, options and the summary."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from interlace.protocols import Message, Usage
from interlace.protocols.errors import UsageError

Status = Literal["done", "stopped", "failed"]


class BatchItem(BaseModel):
    """One input line: ``id`` plus ``task`` (a string) or ``messages`` (a conversation);
    optionally the ``agent`` or graph to run, a ``thread_id`` to continue, and
    ``metadata`` copied to the result as is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    task: str | None = None
    messages: list[Message] | None = None
    agent: str | None = None
    thread_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _one_input(self) -> BatchItem:
        if (self.task is None) == (self.messages is None):
            raise ValueError("give exactly one of 'task' (a string) or 'messages' (a list)")
        return self

    @property
    def input(self) -> str | list[Message]:
        """What the run gets: the task, or the conversation."""
        return self.task if self.task is not None else list(self.messages or [])


class BatchResult(BaseModel):
    """One output line. ``status`` is ``done`` (a final answer), ``stopped`` (the run ended
    early: ``stop_reason`` says why, e.g. max_steps or interrupted) or ``failed`` (an
    error or a timeout on every attempt; ``error`` says which)."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: Status
    output: str = ""
    stop_reason: str | None = None
    detail: str = ""
    error: str | None = None
    agent: str | None = None
    thread_id: str | None = None
    attempts: int = 1
    elapsed_s: float = 0.0
    usage_by_agent: dict[str, Usage] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    worker: str | None = None

    def line(self) -> str:
        """The JSON line written to the results file."""
        return self.model_dump_json(exclude_defaults=False) + "\n"


@dataclass(frozen=True)
class BatchOptions:
    """How items run: ``concurrency`` at once (in total, across Ray workers too), each
    attempt within ``timeout_s``, ``retries`` more attempts after an error or a timeout,
    waiting ``backoff_s`` (doubled each time, at most 30 s) in between."""

    concurrency: int = 8
    timeout_s: float | None = None
    retries: int = 2
    backoff_s: float = 1.0

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise UsageError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.retries < 0:
            raise UsageError(f"retries must be 0 or more, got {self.retries}")
        if self.timeout_s is not None and self.timeout_s <= 0:
            raise UsageError(f"the per-item timeout must be positive, got {self.timeout_s}")

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        return float(min(30.0, self.backoff_s * 2 ** (attempt - 1)))


@dataclass
class Summary:
    """Counts of a batch: done, stopped, failed, skipped, and tokens per agent."""

    total: int = 0
    done: int = 0
    stopped: int = 0
    failed: int = 0
    skipped: int = 0
    elapsed_s: float = 0.0
    usage_by_agent: dict[str, Usage] = field(default_factory=dict)

    def add(self, result: BatchResult) -> None:
        """Count one result."""
        setattr(self, result.status, getattr(self, result.status) + 1)
        for agent, usage in result.usage_by_agent.items():
            self.usage_by_agent[agent] = self.usage_by_agent.get(agent, Usage()) + usage

    @property
    def finished(self) -> int:
        """Items that ran in this batch (any status)."""
        return self.done + self.stopped + self.failed

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready counts."""
        return {
            "total": self.total,
            "done": self.done,
            "stopped": self.stopped,
            "failed": self.failed,
            "skipped": self.skipped,
            "elapsed_s": round(self.elapsed_s, 3),
            "items_per_s": round(self.finished / self.elapsed_s, 3) if self.elapsed_s else None,
            "usage_by_agent": {
                agent: usage.model_dump(mode="json") for agent, usage in self.usage_by_agent.items()
            },
        }


def as_items(inputs: Iterable[BatchItem | Mapping[str, Any]]) -> Iterator[BatchItem]:
    """Items from objects or mappings (a bad one raises :class:`UsageError`)."""
    for index, given in enumerate(inputs):
        if isinstance(given, BatchItem):
            yield given
            continue
        try:
            yield BatchItem.model_validate(given)
        except ValidationError as error:
            raise UsageError(f"batch input {index}: {_problems(error)}") from None


def read_items(path: Path) -> list[BatchItem]:
    """Every item of a JSONL file; every bad line (not JSON, wrong keys, an id seen
    before) is reported at once, with its line number, before anything runs."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise UsageError(f"cannot read the batch inputs {path}: {error.strerror}") from None
    items: list[BatchItem] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = BatchItem.model_validate(json.loads(line))
        except json.JSONDecodeError as error:
            problems.append(f"{path}:{number}: not a JSON object ({error.msg})")
            continue
        except ValidationError as error:
            problems.append(f"{path}:{number}: {_problems(error)}")
            continue
        if item.id in seen:
            problems.append(f"{path}:{number}: id {item.id!r} already used on line {seen[item.id]}")
            continue
        seen[item.id] = number
        items.append(item)
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise UsageError(
            f"{len(problems)} bad batch input line(s); each line is "
            f'{{"id": ..., "task": "..."}} or {{"id": ..., "messages": [...]}}:\n  {shown}{more}'
        )
    return items


def _problems(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"])
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
