"""Endpoint pools: one model role over several servers, with failover.

``models: {default: {pool: [openai:http://a/v1?model=q, openai:http://b/v1?model=q]}}``
"""

from .backend import Member, MemberReport, PoolBackend, pool_from_ref, shared_capabilities
from .settings import PoolSettings, pool_members

__all__ = [
    "Member",
    "MemberReport",
    "PoolBackend",
    "PoolSettings",
    "pool_from_ref",
    "pool_members",
    "shared_capabilities",
]
