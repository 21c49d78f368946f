"""Shared test setup: async tests run on anyio (asyncio), offline switches on, Hypothesis
profiles (deterministic when ``CI`` is set)."""

from __future__ import annotations

import inspect
import os

import pytest
from hypothesis import settings

# Property tests: CI replays the same examples on every run (a submission is never refused
# for an example its code did not touch); developer machines keep exploring at random.
# No per-example deadline: a loaded 2-core machine is no bug (speed lives in bench/).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile("dev", print_blob=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Nothing in the test suite may reach a hub or phone home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Mark every ``async def`` test for anyio before anyio's own collection hook runs,
    so ``parametrize`` and fixtures work as on a sync test."""
    if (
        isinstance(collector, pytest.Module | pytest.Class)
        and collector.istestfunction(obj, name)
        and inspect.iscoroutinefunction(obj)
    ):
        pytest.mark.anyio(obj)
