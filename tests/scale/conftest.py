"""Servers shared by the scale tests: one PostgreSQL per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scale.postgres import PostgresUnavailable, postgres_server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL cluster on 127.0.0.1 for the whole session."""
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as error:
        pytest.fail(str(error))
