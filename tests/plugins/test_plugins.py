"""Plugins from pip packages: the example plugin by name, broken plugins skipped, allowlists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import REPO, SCRIPT, interlace

HERE = Path(__file__).parent
CONFIG = str(HERE / "plugin_config.yaml")


def _plugins(**env: str) -> dict[str, dict[str, object]]:
    result = _interlace_env(env, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    return {info["name"]: info for info in json.loads(result.stdout)}


def _interlace_env(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``interlace ARGS`` with extra environment (``PYTHONPATH`` entries are prepended)."""
    merged = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO), **env}
    if "PYTHONPATH" in env:
        merged["PYTHONPATH"] = f"{env['PYTHONPATH']}{os.pathsep}{REPO}"
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=merged,
        cwd=REPO,
        check=False,
    )


def test_interlace_plugins_lists_the_example_plugin() -> None:
    example = _plugins()["example"]
    assert example["status"] == "loaded"
    assert example["version"] == "0.1.0"
    registered = set(example["registered"])  # type: ignore[arg-type]
    expected = {"backend:reverse", "planner:one_round", "tool:shout", "toolset_kind:glossary"}
    assert expected | {"server_protocol:plain"} <= registered


def test_config_uses_the_plugin_backend_planner_and_tool_by_name() -> None:
    result = interlace("run", CONFIG, "hello plugins", "--json", timeout=120)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    # reverse backend -> calls shout("hello plugins") -> "HELLO PLUGINS!" -> reversed answer
    assert output["output"] == "!SNIGULP OLLEH"


def test_plugin_toolset_kind_resolves_its_relative_path_option() -> None:
    # run from another folder: "glossary.txt" resolves against the config file's folder
    result = interlace("run", CONFIG, "GGUF", "--agent", "definer", "--json", cwd=HERE.parent)
    assert result.returncode == 0, result.stderr
    # reverse backend -> define("GGUF") -> "GGUF: the file format ..." -> reversed
    assert json.loads(result.stdout)["output"] == "GGUF: the file format of llama.cpp models"[::-1]


async def test_plugin_server_protocol_is_served_beside_the_builtins() -> None:
    import httpx

    from interlace.agents.config import load_config
    from interlace.agents.serve.app import build_app, running_server
    from interlace.agents.system import build_system

    system = build_system(load_config(CONFIG))
    app = build_app(system.host(), protocols=["plain", "openai"])
    async with system, running_server(app) as url, httpx.AsyncClient(base_url=url) as client:
        answer = await client.post("/plain/shouter", content="abc")
        missing = await client.post("/plain/nobody", content="abc")
        models = await client.get("/v1/models")
    assert (answer.status_code, answer.text) == (200, "!CBA")
    assert missing.status_code == 404
    assert [entry["id"] for entry in models.json()["data"]] == ["shouter", "definer"]


def test_plugin_planner_swaps_with_a_builtin_by_one_line() -> None:
    for planner in ("one_round", "react"):
        result = interlace(
            "run", CONFIG, "abc", "--json", "--set", f"agents.shouter.planner={planner}"
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["output"] == "!CBA"


def test_plugin_command_is_added_to_the_cli() -> None:
    result = interlace("example-hello", "--name", "tester")
    assert result.returncode == 0, result.stderr
    assert "hello, tester, from the example plugin" in result.stdout


def test_allowlist_blocks_plugins_not_named() -> None:
    blocked = _plugins(INTERLACE_PLUGINS="none")["example"]
    assert blocked["status"] == "blocked"
    assert blocked["registered"] == []
    result = _interlace_env({"INTERLACE_PLUGINS": "none"}, "validate", CONFIG)
    assert result.returncode == 3
    assert "reverse" in result.stderr + result.stdout


def test_config_allowlist_restricts_plugins(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    text = (HERE / "plugin_config.yaml").read_text()
    config.write_text(text + "\nplugins:\n  allow: []\n")
    result = interlace("validate", str(config))
    assert result.returncode == 3
    assert "unknown backend 'reverse'" in result.stderr + result.stdout


@pytest.fixture(scope="module")
def broken_plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deliberately broken plugins, really pip-installed into a target folder."""
    target = tmp_path_factory.mktemp("broken-site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(HERE / "broken_plugin"),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return target


def test_broken_plugins_are_reported_and_the_rest_works(broken_plugins: Path) -> None:
    env = {"PYTHONPATH": str(broken_plugins)}
    infos = _plugins(**env)
    assert infos["broken_import"]["status"] == "failed"
    assert "needs a package that is not installed" in str(infos["broken_import"]["error"])
    assert infos["broken_hook"]["status"] == "failed"
    assert "plugin bug while registering" in str(infos["broken_hook"]["error"])
    assert infos["broken_hook"]["registered"] == []
    assert infos["example"]["status"] == "loaded"
    result = _interlace_env(env, "run", CONFIG, "still works", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["output"] == "!SKROW LLITS"
    # broken_hook registered backend 'half' before it raised: the registration was undone
    models = _interlace_env(env, "validate", CONFIG, "--set", "models.default=half:x", "--json")
    assert models.returncode == 3
    (issue,) = json.loads(models.stdout)["issues"]
    assert issue["message"] == "unknown backend 'half' in 'half:x'"
    assert "half" not in issue["hint"].removeprefix("known: ").split(", ")
