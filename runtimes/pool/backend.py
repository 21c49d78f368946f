"""One backend over several endpoints of one model: least-busy routing, failover within a
call, dead members probed back in.

Only the model call moves to another member: tools run in the graph, never in a backend,
so a failover repeats no tool side effect. A stream fails over only before its first
event (after that the consumer has seen output, and a second answer would duplicate it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import aclosing, contextmanager
from dataclasses import asdict, dataclass, field, fields
from typing import Any, cast

import anyio

from interlace.protocols import Message, ModelRequest, ModelResponse, SamplingSettings, StreamEvent
from interlace.protocols.errors import BackendUnavailableError, InterlaceError, OverloadedError

from ..base import Backend, Capabilities
from .settings import PoolSettings

log = logging.getLogger("interlace.pool")
FAILOVER = (BackendUnavailableError, OverloadedError)
"""Failures another member may not have: down, failing, timing out, or busy (429)."""
Probe = Callable[[Backend], Awaitable[Any]]
_PING = ModelRequest(messages=(Message.user("OK"),), settings=SamplingSettings(max_tokens=1))


@dataclass
class Member:
    """One endpoint of a pool and what the pool knows about it."""

    backend: Backend
    probe: Probe | None = None
    in_flight: int = 0
    requests: int = 0
    failures: int = 0
    down_since: float | None = None
    next_probe: float = 0.0
    last_error: str = ""
    probing: bool = False

    @property
    def name(self) -> str:
        """The member backend's name."""
        return self.backend.name

    @property
    def healthy(self) -> bool:
        """Whether the member takes calls (it is not marked down)."""
        return self.down_since is None

    def stats(self) -> dict[str, Any]:
        """Counters for ``interlace models`` and benchmarks."""
        return {
            "name": self.name,
            "healthy": self.healthy,
            "in_flight": self.in_flight,
            "requests": self.requests,
            "failures": self.failures,
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class MemberReport:
    """What a preflight learnt of one member: reachable or not, and what it lacks."""

    name: str
    reachable: bool
    error: str
    capabilities: Capabilities
    lacks: tuple[str, ...] = ()


def shared_capabilities(each: Sequence[Capabilities]) -> Capabilities:
    """What every one of ``each`` offers (the smallest known context window)."""
    flags = {
        spec.name: all(getattr(caps, spec.name) for caps in each)
        for spec in fields(Capabilities)
        if spec.type in (bool, "bool")
    }
    windows = [caps.context_window for caps in each if caps.context_window]
    return Capabilities(**flags, context_window=min(windows) if windows else None)


def lacking(caps: Capabilities, each: Sequence[Capabilities]) -> tuple[str, ...]:
    """Capability flags some of ``each`` have and ``caps`` has not."""
    offered = {key for other in each for key, value in asdict(other).items() if value is True}
    return tuple(sorted(key for key in offered if asdict(caps).get(key) is not True))


@dataclass
class PoolBackend:
    """A backend that spreads calls over ``members`` (see the module docstring)."""

    members: list[Member]
    settings: PoolSettings
    failovers: int = field(default=0, init=False)
    _cursor: int = field(default=0, init=False)
    _probes: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    @property
    def name(self) -> str:
        """``pool(a | b | c)``."""
        return "pool(" + " | ".join(member.name for member in self.members) + ")"

    @property
    def capabilities(self) -> Capabilities:
        """What all members share (a pool can only promise that)."""
        return shared_capabilities([member.backend.capabilities for member in self.members])

    def stats(self) -> list[dict[str, Any]]:
        """Per-member counters."""
        return [member.stats() for member in self.members]

    # --- calls ---------------------------------------------------------------------------

    async def complete(self, request: ModelRequest) -> ModelResponse:
        """Complete on the best member, failing over to the next on a server failure."""
        failures: list[str] = []
        for member in self._candidates():
            try:
                with self._busy(member):
                    response = await member.backend.complete(request)
            except FAILOVER as error:
                failures.append(self._failed(member, error))
                continue
            self._answered(member)
            return response
        raise self._exhausted(failures)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Stream from the best member; fail over while nothing has been yielded yet."""
        failures: list[str] = []
        for member in self._candidates():
            started = False
            try:
                with self._busy(member):
                    stream = cast(AsyncGenerator[StreamEvent, None], member.backend.stream(request))
                    async with aclosing(stream) as events:
                        async for event in events:
                            started = True
                            yield event
            except FAILOVER as error:
                failures.append(self._failed(member, error))
                if started:
                    raise BackendUnavailableError(
                        f"{member.name} failed in the middle of a streamed answer ({error}); "
                        "it is not repeated on another endpoint, since part of it was sent"
                    ) from error
                continue
            self._answered(member)
            return
        raise self._exhausted(failures)

    def _candidates(self) -> Iterator[Member]:
        """Members to try, best first, each once: healthy ones by the strategy, then the
        down ones (longest down first) as a last resort."""
        self._schedule_probes()
        tried: set[int] = set()
        while len(tried) < len(self.members):
            left = [(i, m) for i, m in enumerate(self.members) if i not in tried]
            healthy = [(i, m) for i, m in left if m.healthy]
            if healthy:
                index, member = min(healthy, key=self._rank)
                self._cursor = index + 1
            else:
                index, member = min(left, key=lambda item: item[1].down_since or 0.0)
            tried.add(index)
            yield member

    def _rank(self, item: tuple[int, Member]) -> tuple[int, int]:
        index, member = item
        turn = (index - self._cursor) % len(self.members)
        return (member.in_flight if self.settings.strategy == "least_busy" else 0, turn)

    @contextmanager
    def _busy(self, member: Member) -> Iterator[None]:
        member.in_flight += 1
        member.requests += 1
        try:
            yield
        finally:
            member.in_flight -= 1

    def _failed(self, member: Member, error: InterlaceError) -> str:
        member.failures += 1
        member.last_error = str(error)
        if member.healthy:
            member.down_since = time.monotonic()
            member.next_probe = member.down_since + self.settings.probe_interval
            log.warning("pool: %s is down (%s); failing over", member.name, error)
        self.failovers += 1
        return f"{member.name}: {error}"

    def _answered(self, member: Member) -> None:
        if not member.healthy:
            log.warning("pool: %s answers again", member.name)
            member.down_since = None

    def _exhausted(self, failures: list[str]) -> BackendUnavailableError:
        return BackendUnavailableError(
            f"every endpoint of the pool failed: {'; '.join(failures)}. Check that the "
            "servers are running and reachable"
        )

    # --- probing down members back in ----------------------------------------------------

    def _schedule_probes(self) -> None:
        now = time.monotonic()
        for member in self.members:
            if not member.healthy and not member.probing and member.next_probe <= now:
                member.probing = True
                task = asyncio.get_running_loop().create_task(self._probe(member))
                self._probes.add(task)
                task.add_done_callback(self._probes.discard)

    async def _probe(self, member: Member) -> None:
        try:
            with anyio.fail_after(self.settings.probe_timeout):
                await ping(member)
        except (InterlaceError, OSError, TimeoutError) as error:
            member.last_error = str(error) or type(error).__name__
            member.next_probe = time.monotonic() + self.settings.probe_interval
        else:
            self._answered(member)
        finally:
            member.probing = False

    async def preflight(self) -> list[MemberReport]:
        """Probe every member at once; say which is unreachable and what each lacks that
        another member has (the pool offers only what all share)."""

        async def check(member: Member) -> tuple[bool, str]:
            try:
                with anyio.fail_after(self.settings.probe_timeout):
                    await ping(member)
            except (InterlaceError, OSError, TimeoutError) as error:
                return False, f"{type(error).__name__}: {error}"
            return True, ""

        results = await asyncio.gather(*(check(member) for member in self.members))
        each = [member.backend.capabilities for member in self.members]
        return [
            MemberReport(member.name, ok, error, caps, lacking(caps, each))
            for member, (ok, error), caps in zip(self.members, results, each, strict=True)
        ]

    async def aclose(self) -> None:
        """Stop probes and close every member."""
        for task in list(self._probes):
            task.cancel()
        for member in self.members:
            await member.backend.aclose()


async def ping(member: Member) -> None:
    """The member's registered probe, else a one-token completion."""
    if member.probe is not None:
        await member.probe(member.backend)
    else:
        await member.backend.complete(_PING)


def pool_from_ref(ref: Any) -> PoolBackend:
    """Build the pool a ``{pool: [...], strategy: ...}`` block describes."""
    from ..registry import BACKENDS, backend_options, resolve_backend

    settings: PoolSettings = backend_options(ref)
    members = [
        Member(resolve_backend(member), BACKENDS.metadata(member.scheme, "probe"))
        for member in settings.member_refs()
    ]
    return PoolBackend(members, settings)
