"""Servers shared by the scale tests: one PostgreSQL and one Ray cluster per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scale.postgres import PostgresUnavailable, postgres_server
from tests.scale.ray_head import RayUnavailable, ray_head


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL cluster on 127.0.0.1 for the whole session."""
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A local Ray cluster (``ray start --head``) on 127.0.0.1 for the whole session:
    its address and the environment its drivers need."""
    try:
        with ray_head() as found:
            yield found
    except RayUnavailable as error:
        pytest.fail(str(error))
