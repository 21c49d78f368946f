"""Checkpoints in PostgreSQL (``checkpoints: postgres://user@host:5432/db``).

Threads live on a server that every worker reaches, so a run started (or paused for
approval) in one process is resumed by another. Uses ``langgraph-checkpoint-postgres``
and ``psycopg`` from the ``scale`` extra, imported only when such a config runs. Each run
opens one connection; the tables are created (or migrated) once per process, under an
advisory lock so that workers starting together do not race.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, field_validator

from interlace.protocols.errors import ConfigError, RunFailure

SCHEMES = ("postgres", "postgresql")
_SETUP_LOCK = 7_317_001  # pg_advisory_lock key of interlace's schema setup
_ready: set[str] = set()


class PostgresOptions(BaseModel):
    """``url``: a libpq URL, ``postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=...``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str

    @field_validator("url")
    @classmethod
    def _is_postgres_url(cls, value: str) -> str:
        if urlsplit(value).scheme.lower() not in SCHEMES:
            raise ValueError(f"{redact(value)!r} is not a postgres:// or postgresql:// URL")
        return value


def redact(url: str) -> str:
    """``url`` without its password (for messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def postgres_endpoints(options: PostgresOptions) -> list[str]:
    """Where the checkpointer connects: the server's ``host:port`` (none for a Unix
    socket). libpq opens its own sockets, so this config check is what keeps
    ``offline: strict`` strict here."""
    parts = urlsplit(options.url)
    return [f"{parts.hostname}:{parts.port or 5432}"] if parts.hostname else []


def _modules() -> tuple[Any, Any, Any]:
    try:
        import psycopg
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from psycopg.rows import dict_row
    except ImportError as error:
        raise ConfigError(
            f"checkpoints in PostgreSQL need the scale extra ({error.name} is missing): "
            "pip install 'interlace[scale]'"
        ) from None
    return psycopg, AsyncPostgresSaver, dict_row


@asynccontextmanager
async def open_postgres(options: PostgresOptions) -> AsyncIterator[Any]:
    """An ``AsyncPostgresSaver`` on one connection, for one run."""
    from .checkpoints import serializer

    psycopg, saver_type, dict_row = _modules()
    try:
        connection = await psycopg.AsyncConnection.connect(
            options.url, autocommit=True, prepare_threshold=0, row_factory=dict_row
        )
    except psycopg.OperationalError as error:
        raise RunFailure(
            f"cannot reach the PostgreSQL checkpoints at {redact(options.url)} "
            f"({str(error).strip()}); start the server or fix checkpoints: in the config"
        ) from None
    async with connection:
        saver = saver_type(connection, serde=serializer())
        if options.url not in _ready:
            await connection.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK,))
            try:
                await saver.setup()
            finally:
                await connection.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))
            _ready.add(options.url)
        yield saver
