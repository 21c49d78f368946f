"""Valid configs build a system; ${ENV} secrets never show; --set overrides work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interlace.agents.cli.app import app
from interlace.agents.config import ConfigValidationError, load_config, redacted
from interlace.agents.system import build_system
from interlace.runtimes import ScriptedBackend

FULL = """\
models:
  default: scripted:hello
  planner: "scripted:plan?reply=done"
agents:
  researcher:
    description: Finds facts.
    instructions: Look things up.
    toolsets: [math, mine]
    limits: {max_steps: 4}
  writer:
    model: planner
    planner: plan_execute
    tools: [calculator, "tests.agents.config.tools_for_tests:shout"]
toolsets:
  math: {kind: builtin, tools: [calculator, datetime]}
  mine: {kind: python, tools: ["tests.agents.config.tools_for_tests"]}
graph:
  type: sequence
  agents: [researcher, writer]
"""


def _write(tmp_path: Path, text: str, name: str = "app.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_valid_config_builds_a_system(tmp_path: Path) -> None:
    system = build_system(load_config(_write(tmp_path, FULL)))
    async with system:
        assert list(system.agents) == ["researcher", "writer"]
        assert system.agents["writer"].planner == "plan_execute"
        assert system.agents["researcher"].limits.max_steps == 4
        assert set(system.toolsets) == {"math", "mine"}
        names = {spec.name for spec in await system.toolsets["mine"].list_tools()}
        assert names == {"shout"}
        writer_tools = [
            s.name for t in system.agents["writer"].toolsets for s in await t.list_tools()
        ]
        assert sorted(writer_tools) == ["calculator", "shout"]
        assert system.entry_name == "graph"
        assert system.entry is system.graphs["graph"]
        assert system.agent_cards()[0] == ("researcher", "Finds facts.")


async def test_system_runs_the_only_agent_and_keeps_thread_history(tmp_path: Path) -> None:
    text = "models: {default: 'scripted:again'}\nagents:\n  solo: {instructions: Hi.}\n"
    system = build_system(load_config(_write(tmp_path, text)))
    async with system:
        first = await system.run("first question", thread_id="t1")
        second = await system.run("second question", thread_id="t1")
        assert (first.output, second.output) == ("again", "again")
        backend = system.backends["solo"]
        assert isinstance(backend, ScriptedBackend)
        seen = [m.text for m in backend.requests[-1].messages]
        assert "first question" in seen
        assert "second question" in seen
        fresh = await system.run("third", thread_id="t2")
        assert fresh.output == "again"
        assert "first question" not in [m.text for m in backend.requests[-1].messages]


def test_set_overrides_values_and_types(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    config = load_config(
        path,
        [
            "agents.writer.model=scripted:other",
            "agents.researcher.limits.max_steps=9",
            "agents.writer.planner=react",
            "offline=strict",
        ],
    )
    assert config.agents["writer"].model == "scripted:other"
    assert config.agents["researcher"].limits == {"max_steps": 9}
    assert config.agents["writer"].planner == "react"
    assert config.offline.strict


def test_set_errors_name_the_override(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    with pytest.raises(ConfigValidationError) as caught:
        load_config(path, ["agents.writer.planer=react"])
    assert "--set: agents.writer.planer: unknown key 'planer' (did you mean 'planner'?" in str(
        caught.value
    )
    with pytest.raises(ConfigValidationError, match=r"must look like KEY\.PATH=VALUE"):
        load_config(path, ["agents.writer.planner"])
    with pytest.raises(ConfigValidationError, match="unknown planner 'reac'"):
        load_config(path, ["agents.writer.planner=reac"])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("agents.writter.planner=react", "--set: agents.writter: unknown agent 'writter' (did "),
        ("models.defualt=scripted:x", "unknown model role 'defualt' (did you mean 'default'?"),
        ("toolsets.mth.kind=builtin", "unknown toolset 'mth'"),
        ("retrieval.docs.path=./s", "unknown store 'docs' (none are defined;"),
        ("graphs.g.type=sequence", "unknown graph 'g'"),
    ],
)
def test_set_on_an_unknown_name_is_an_error(tmp_path: Path, override: str, message: str) -> None:
    path = _write(tmp_path, FULL)
    with pytest.raises(ConfigValidationError) as caught:
        load_config(path, [override])
    text = str(caught.value)
    assert message in text
    assert "to add a new " in text
    assert f"write --set +{override.partition('=')[0]}=..." in text


def test_set_plus_adds_a_named_entry(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    config = load_config(
        path, ["+agents.editor.instructions=Edit.", "+models.other=scripted:other"]
    )
    assert config.agents["editor"].instructions == "Edit."
    assert config.models["other"] == "scripted:other"


SECRET = "sk-very-secret-value-123"


def test_env_interpolation_never_echoes_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SECRET_KEY", SECRET)
    monkeypatch.setenv("TEST_STEPS", SECRET)
    text = (
        "models:\n  default: 'scripted:x?key=${TEST_SECRET_KEY}'\n"
        "agents:\n  a:\n    limits: {max_steps: '${TEST_STEPS}'}\n"
    )
    path = _write(tmp_path, text)
    with pytest.raises(ConfigValidationError) as caught:
        load_config(path)
    rendered = str(caught.value)
    assert "agents.a.limits.max_steps: input should be a valid integer" in rendered
    assert "a secret value" in rendered
    assert SECRET not in rendered
    result = CliRunner().invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 3
    assert SECRET not in result.output
    json.loads(result.output)

    good = _write(
        tmp_path,
        "models:\n  default: 'scripted:x?key=${TEST_SECRET_KEY}'\nagents:\n  a: {}\n",
        "good.yaml",
    )
    config = load_config(good)
    assert SECRET in str(config.models["default"])  # the live value is there to use
    assert redacted(config)["models"]["default"] == "scripted:x?key=${TEST_SECRET_KEY}"
    for command in (["validate", str(good), "--json"], ["models", str(good), "--json"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, result.output
        assert SECRET not in result.output
        assert "${TEST_SECRET_KEY}" in result.output


def test_env_fallback_and_escape(tmp_path: Path) -> None:
    text = (
        "models: {default: 'scripted:${UNSET_VAR_Q:-fallback}'}\n"
        "agents:\n  a: {instructions: 'costs $${PRICE}'}\n"
    )
    config = load_config(_write(tmp_path, text), environ={})
    assert config.models["default"] == "scripted:fallback"
    assert config.agents["a"].instructions == "costs ${PRICE}"


def test_yaml_off_means_offline_off(tmp_path: Path) -> None:
    text = "offline: off\nmodels: {default: 'scripted:x'}\nagents:\n  a: {}\n"
    assert load_config(_write(tmp_path, text)).offline.mode == "off"


async def test_agent_templates_start_an_agent_its_own_keys_win(tmp_path: Path) -> None:
    from interlace.agents.registries import AGENT_TEMPLATES

    AGENT_TEMPLATES.register(
        "test-calculating",
        lambda: {"instructions": "Compute.", "tools": ["calculator"], "planner": "plan_execute"},
        replace=True,
    )
    text = (
        "models: {default: scripted:ok}\n"
        "agents:\n  math: {template: test-calculating, planner: react}\n"
    )
    system = build_system(load_config(_write(tmp_path, text)))
    async with system:
        agent = system.agents["math"]
        assert (agent.instructions, agent.planner) == ("Compute.", "react")
        names = [spec.name for toolset in agent.toolsets for spec in await toolset.list_tools()]
        assert names == ["calculator"]


def test_config_is_resolved_once_into_a_frozen_view(tmp_path: Path) -> None:
    from dataclasses import FrozenInstanceError

    text = FULL + "retrieval:\n  notes: {path: ./store}\n"
    text = text.replace("math: {kind: builtin,", "math: {kind: builtin, root: ./work,")
    (tmp_path / "work").mkdir()  # a file tools root must exist (validate = run)
    resolved = load_config(_write(tmp_path, text)).resolved
    writer = resolved.agents["writer"]
    assert (writer.model.ref.scheme, writer.model.path) == ("scripted", ("models", "planner"))
    assert resolved.agents["researcher"].model.path == ("models", "default")
    assert resolved.agents["researcher"].limits.max_steps == 4
    math = resolved.toolsets["math"]
    assert math.kind == "builtin"
    assert math.options.root == tmp_path / "work"  # type: ignore[attr-defined]
    assert resolved.stores["notes"].settings.path == tmp_path / "store"  # type: ignore[attr-defined]
    assert resolved.entry == "graph"
    with pytest.raises(FrozenInstanceError):
        resolved.entry = "writer"  # type: ignore[misc]
    with pytest.raises(TypeError):
        resolved.agents["x"] = writer  # type: ignore[index]
