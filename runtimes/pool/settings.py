"""Options of an endpoint pool: ``{pool: [REF, REF, ...], strategy: least_busy}``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interlace.protocols.errors import ModelReferenceError

from ..refs import ModelRef, parse_model_ref

Strategy = Literal["least_busy", "round_robin"]
MemberSpec = str | dict[str, Any]


class PoolSettings(BaseModel):
    """Several endpoints of one model behind one model role.

    ``pool`` lists the members (references or blocks, usually ``openai:`` servers);
    ``strategy`` picks the member of each call: ``least_busy`` (fewest calls in flight,
    ties in turn) or ``round_robin``. A member that fails (connection error, timeout,
    5xx, 429) is taken out and probed every ``probe_interval`` seconds (its server's
    ``GET /v1/models``, or a one-token completion) until it answers again.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    pool: list[MemberSpec] = Field(min_length=1)
    strategy: Strategy = "least_busy"
    probe_interval: float = Field(2.0, gt=0, description="Seconds between probes of a down member.")
    probe_timeout: float = Field(2.0, gt=0, description="Seconds a probe may take.")

    @field_validator("pool")
    @classmethod
    def _members_are_backends(cls, members: list[MemberSpec]) -> list[MemberSpec]:
        for index, member in enumerate(members):
            member_ref(member, index)
        return members

    def member_refs(self) -> list[ModelRef]:
        """Each member's reference, with the defaults its backend asks of pool members."""
        return [member_ref(member, index) for index, member in enumerate(self.pool)]


def member_ref(member: MemberSpec, index: int) -> ModelRef:
    """Member ``index`` parsed and checked (its backend's options), with the backend's
    ``pool_defaults`` (e.g. no retries of its own: the pool fails over instead)."""
    from ..registry import BACKENDS, backend_options

    try:
        ref = parse_model_ref(member)
        if BACKENDS.metadata(ref.scheme, "members") is not None:
            raise ModelReferenceError(
                f"{ref.scheme!r} pools other endpoints; list its endpoints in this pool instead"
            )
        defaults = BACKENDS.metadata(ref.scheme, "pool_defaults") or {}
        ref = ModelRef(ref.scheme, ref.target, {**defaults, **ref.options})
        backend_options(ref)
    except ModelReferenceError as error:
        raise ModelReferenceError(f"pool member {index} ({_shown(member)}): {error}") from None
    return ref


def _shown(member: MemberSpec) -> str:
    if isinstance(member, str):
        return member
    return ", ".join(f"{key}={value}" for key, value in member.items() if "key" not in key)


def pool_members(ref: ModelRef) -> list[ModelRef]:
    """The member references of a pool reference (the ``members`` registry metadata)."""
    from ..registry import backend_options

    settings: PoolSettings = backend_options(ref)
    return settings.member_refs()
