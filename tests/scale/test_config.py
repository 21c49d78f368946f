"""The scale-out config lines: pools, checkpoints and servers are checked when a config
loads, with located errors; offline: strict keeps the configured servers reachable."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlace.agents.checkpointers import CheckpointStore
from interlace.agents.config import ConfigValidationError, load_config_text

AGENTS = "agents: {a: {instructions: hi}}\n"


def load(text: str) -> object:
    return load_config_text(text + AGENTS, "app.yaml", base_dir=Path("/srv/app"))


@pytest.mark.parametrize(
    ("models", "message"),
    [
        ('{pool: ["openai:http://h:1/v1?model=q&bogus=1"]}', "pool member 0 (openai:http://h:1"),
        ('{pool: ["openai:http://h:1/v1"], strategy: fastest}', "'least_busy' or 'round_robin'"),
        ("{pool: []}", "at least 1 item"),
        ('{pool: [{pool: ["openai:http://h:1/v1"]}]}', "list its endpoints in this pool"),
        ('{poll: ["openai:http://h:1/v1"]}', "a 'pool' list of endpoints"),
    ],
)
def test_pool_mistakes_are_located(models: str, message: str) -> None:
    with pytest.raises(ConfigValidationError, match=r"app\.yaml:1") as error:
        load(f"models: {{default: {models}}}\n")
    assert message in str(error.value)


def test_offline_strict_refuses_a_pool_with_a_remote_member() -> None:
    with pytest.raises(ConfigValidationError, match="offline: strict forbids"):
        load(
            'offline: strict\nmodels: {default: {pool: ["openai:http://h:1/v1", "litellm:x/y"]}}\n'
        )


@pytest.mark.parametrize(
    ("written", "kind", "options"),
    [
        ("runs.sqlite", "sqlite", {"path": Path("/srv/app/runs.sqlite")}),
        ("{path: /var/runs.sqlite}", "sqlite", {"path": Path("/var/runs.sqlite")}),
        ("memory", "memory", {}),
        ("postgres://u@db:5432/x", "postgres", {"url": "postgres://u@db:5432/x"}),
        ("{type: postgres, url: 'postgresql://db/x'}", "postgres", {"url": "postgresql://db/x"}),
    ],
)
def test_checkpoints_forms(written: str, kind: str, options: dict[str, object]) -> None:
    config = load(f"models: {{default: 'scripted:x'}}\ncheckpoints: {written}\n")
    store = config.resolved.checkpoints  # type: ignore[attr-defined]
    assert isinstance(store, CheckpointStore)
    assert (store.kind, store.options.model_dump()) == (kind, options)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("mysql://db/x", "no checkpointer takes mysql:// URLs (known: postgres, postgresql)"),
        ("{type: postgress, url: x}", "unknown checkpointer 'postgress' (did you mean 'postgres'?"),
        ("{type: postgres, url: 'http://db'}", "is not a postgres:// or postgresql:// URL"),
        ("{type: sqlite, path: a, size: 1}", "unknown key 'size'"),
    ],
)
def test_checkpoint_mistakes_are_located(written: str, message: str) -> None:
    with pytest.raises(ConfigValidationError, match=r"app\.yaml:2") as error:
        load(f"models: {{default: 'scripted:x'}}\ncheckpoints: {written}\n")
    assert message in str(error.value)


SERVERS = (
    'models: {default: {pool: ["openai:http://gpu1:8000/v1", "openai:http://gpu2:8000/v1"]}}\n'
    "checkpoints: postgres://u:pw@db.lan:5432/x\n"
    "retrieval: {docs: {mode: http, host: chroma.lan, port: 8000}}\n"
)


def test_offline_strict_refuses_every_configured_server_not_allowed() -> None:
    with pytest.raises(ConfigValidationError) as error:
        load("offline: strict\n" + SERVERS)
    refused = [line for line in str(error.value).splitlines() if "offline: strict refuses" in line]
    for entry in ("gpu1:8000", "gpu2:8000", "db.lan:5432", "chroma.lan:8000"):
        assert any(f"connections to {entry}:" in line for line in refused), (entry, refused)


def test_offline_allow_lets_the_configured_servers_through() -> None:
    allow = '["gpu1:8000", "gpu2:8000", "db.lan:5432", "chroma.lan"]'
    load(f"offline: {{mode: strict, allow: {allow}}}\n" + SERVERS)
