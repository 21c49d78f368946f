"""Wrong configs: each gives a located message with a fix, and the CLI exits with 3."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interlace.agents.cli.app import app
from interlace.agents.config import ConfigValidationError, load_config
from interlace.agents.system import build_system

GOOD_AGENT = "  helper:\n    instructions: Be brief.\n"
CASES: list[tuple[str, str, str, str]] = [
    # id, yaml, expected message part, expected "line:col" or location prefix
    (
        "wrong-type",
        "models: {default: 'scripted:hi'}\nagents:\n  helper:\n    limits:\n"
        "      max_steps: many\n",
        "agents.helper.limits.max_steps: input should be a valid integer",
        ":5:7",
    ),
    (
        "unknown-top-key",
        "models: {default: 'scripted:hi'}\nagent:\n" + GOOD_AGENT,
        "unknown key 'agent' (did you mean 'agents'?",
        ":2:1",
    ),
    (
        "unknown-agent-key",
        "models: {default: 'scripted:hi'}\nagents:\n  helper:\n    instruction: hi\n",
        "unknown key 'instruction' (did you mean 'instructions'?",
        ":4:5",
    ),
    (
        "planner-typo",
        "models: {default: 'scripted:hi'}\nagents:\n  helper:\n    planner: plan_exec\n",
        "unknown planner 'plan_exec' (did you mean 'plan_execute'?",
        ":4:5",
    ),
    (
        "role-typo",
        "models: {default: 'scripted:hi', fast: 'scripted:yo'}\nagents:\n  helper:\n"
        "    model: fats\n",
        "unknown model role 'fats' (did you mean 'fast'?",
        ":4:5",
    ),
    (
        "backend-typo",
        "models: {default: 'llamacp:default'}\nagents:\n" + GOOD_AGENT,
        "unknown backend 'llamacp' in 'llamacp:default' (did you mean 'llamacpp'?",
        ":1:10",
    ),
    (
        "reference-without-scheme",
        "models:\n  default: {model: x}\nagents:\n" + GOOD_AGENT,
        "needs a 'backend' key",
        ":2:3",
    ),
    (
        "tool-typo",
        "models: {default: 'scripted:hi'}\nagents:\n  helper:\n    tools: [calculater]\n",
        "unknown tool 'calculater' (did you mean 'calculator'?",
        ":4:13",
    ),
    (
        "python-tool-typo",
        "models: {default: 'scripted:hi'}\nagents:\n  helper:\n"
        "    tools: ['tests.agents.config.tools_for_tests:shuot']\n",
        "has no tool 'shuot' (did you mean 'shout'?",
        ":4:13",
    ),
    (
        "toolset-kind-typo",
        "models: {default: 'scripted:hi'}\nagents:\n"
        + GOOD_AGENT
        + "toolsets:\n  math: {kind: bultin}\n",
        "unknown toolset kind 'bultin' (did you mean 'builtin'?",
        ":6:10",
    ),
    (
        "toolset-options",
        "models: {default: 'scripted:hi'}\nagents:\n"
        + GOOD_AGENT
        + "toolsets:\n  math:\n    kind: builtin\n    tool: [calculator]\n",
        "toolsets.math.tool: builtin: unknown key 'tool' (did you mean 'tools'?",
        ":8:5",
    ),
    (
        "unknown-toolset",
        "models: {default: 'scripted:hi'}\nagents:\n  helper:\n"
        "    toolsets: [maths]\ntoolsets:\n  math: {kind: builtin}\n",
        "unknown toolset 'maths' (did you mean 'math'?",
        ":4:16",
    ),
    (
        "missing-env",
        "models:\n  default: 'openai:http://127.0.0.1:9/v1?model=${NO_SUCH_VAR_X}'\n"
        "agents:\n" + GOOD_AGENT,
        "environment variable NO_SUCH_VAR_X is not set",
        ":2:3",
    ),
    (
        "graph-unknown-agent",
        "models: {default: 'scripted:hi'}\nagents:\n"
        + GOOD_AGENT
        + "  writer: {}\ngraph:\n  type: sequence\n  agents: [helper, writr]\n",
        "unknown agent 'writr' in the graph (did you mean 'writer'?",
        ":8:20",
    ),
    (
        "graph-cycle",
        "models: {default: 'scripted:hi'}\nagents:\n"
        + GOOD_AGENT
        + "graphs:\n  a: {type: sequence, agents: [helper, b]}\n"
        "  b: {type: sequence, agents: [a]}\n",
        "subgraphs form a cycle: a -> b -> a",
        ":6:3",
    ),
    (
        "graph-type",
        "models: {default: 'scripted:hi'}\nagents:\n"
        + GOOD_AGENT
        + "graph: {type: sequense, agents: [helper]}\n",
        "unknown type 'sequense' (did you mean 'sequence'?",
        ":5:9",
    ),
    (
        "supervisor-as-worker",
        "models: {default: 'scripted:hi'}\nagents:\n"
        + GOOD_AGENT
        + "  boss: {}\ngraph: {type: supervisor, supervisor: boss, workers: [helper, boss]}\n",
        "the supervisor 'boss' is also listed as a worker",
        ":6:63",
    ),
    (
        "duplicate-key",
        "models: {default: 'scripted:hi'}\nagents:\n" + GOOD_AGENT + "  helper: {}\n",
        "duplicate key 'helper'",
        ":5",
    ),
    ("yaml-syntax", "models: {default: 'scripted:hi'\nagents: []\n", "invalid YAML", ":2:"),
    ("no-agents", "models: {default: 'scripted:hi'}\n", "the config defines no agents", ""),
    (
        "no-default-model",
        "models: {fast: 'scripted:hi'}\nagents:\n" + GOOD_AGENT,
        "names no model and 'models' has no 'default' role",
        ":3:3",
    ),
    (
        "store-settings",
        "models: {default: 'scripted:hi'}\nagents:\n"
        + GOOD_AGENT
        + "retrieval:\n  notes: {top_k: 0}\n",
        "retrieval.notes.top_k: input should be greater than or equal to 1",
        ":6:11",
    ),
    (
        "unknown-store",
        "models: {default: 'scripted:hi'}\nagents:\n"
        + GOOD_AGENT
        + "toolsets:\n  docs: {kind: retrieval, store: note}\nretrieval:\n  notes: {}\n",
        "unknown store 'note' (did you mean 'notes'?",
        ":6:27",
    ),
    (
        "offline-remote",
        "offline: strict\nmodels: {default: 'litellm:anthropic/claude'}\nagents:\n" + GOOD_AGENT,
        "offline: strict forbids the remote provider model",
        ":2:10",
    ),
    (
        "unknown-entry",
        "models: {default: 'scripted:hi'}\nagents:\n" + GOOD_AGENT + "entry: helpr\n",
        "unknown entry 'helpr' (did you mean 'helper'?",
        ":5:1",
    ),
    (
        "backend-option",
        "models: {default: 'llamacpp:default?n_ctxx=512'}\nagents:\n" + GOOD_AGENT,
        "n_ctxx: unknown key; did you mean 'n_ctx'?",
        ":1:10",
    ),
    (
        "store-type",
        "models: {default: 'scripted:hi'}\nagents:\n"
        + GOOD_AGENT
        + "retrieval:\n  notes: {type: chromadb}\n",
        "unknown store type 'chromadb' (did you mean 'chroma'?",
        ":6:11",
    ),
    (
        "unknown-template",
        "models: {default: 'scripted:hi'}\nagents:\n  helper: {template: resarcher}\n",
        "unknown agent template 'resarcher'",
        ":3:12",
    ),
    (
        "offline-value",
        "offline: sometimes\nmodels: {default: 'scripted:hi'}\nagents:\n" + GOOD_AGENT,
        "unknown value 'sometimes'",
        ":1:1",
    ),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message", "where"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_wrong_config_is_located_and_explained(
    tmp_path: Path, text: str, message: str, where: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigValidationError) as caught:
        load_config(path)
    rendered = str(caught.value)
    assert message in rendered
    assert f"{path}{where}" in rendered


@pytest.mark.parametrize("case", [CASES[0], CASES[3], CASES[14], CASES[-1]], ids=lambda c: c[0])
def test_cli_validate_exits_3_with_the_message(tmp_path: Path, case: tuple[str, ...]) -> None:
    path = _write(tmp_path, case[1])
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 3
    assert case[2] in result.output.replace("\n  ", " ") or case[2] in " ".join(
        result.output.split()
    )


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "models: {default: 'scripted:hi'}\nagents:\n  a:\n    planner: reactt\n    model: fats\n",
    )
    with pytest.raises(ConfigValidationError) as caught:
        load_config(path)
    assert len(caught.value.issues) == 2
    assert {issue.path[-1] for issue in caught.value.issues} == {"planner", "model"}


def test_tool_using_agent_on_backend_without_tool_path(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "models:\n  default: "
        "'openai:http://127.0.0.1:9/v1?model=m&tool_strategy=none'\n"
        "agents:\n  helper:\n    tools: [calculator]\n",
    )
    config = load_config(path)  # names are fine; the capability needs the backend
    with pytest.raises(ConfigValidationError) as caught:
        build_system(config)
    rendered = str(caught.value)
    assert f"{path}:2:3: models.default: agent 'helper' has tools" in rendered
    assert "tool_strategy" in rendered
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 3


def test_serve_module_exits_3_on_a_config_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = _write(tmp_path, CASES[3][1])
    result = subprocess.run(
        [sys.executable, "-m", "interlace.agents.serve", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert "unknown planner 'plan_exec'" in result.stderr


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 3
    assert "cannot read the config file" in result.output
