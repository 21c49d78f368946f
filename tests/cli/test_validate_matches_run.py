"""``interlace validate`` refuses what ``interlace run`` would, with the same message and
exit code (docs/cli.md: 3, an invalid configuration); only the network is left to run."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interlace.agents.cli.app import app

AGENT = "agents:\n  helper: {toolsets: [extra]}\n"
CASES = {
    "unset api_key_env": (
        "models: {default: 'openai:http://127.0.0.1:9/v1?model=m&api_key_env=I22_UNSET_KEY'}\n"
        "agents:\n  helper: {}\n",
        [],
        "environment variable I22_UNSET_KEY (api_key_env) is not set",
    ),
    "missing file tools root": (
        "models: {default: 'scripted:hi'}\n" + AGENT + "toolsets:\n"
        "  extra: {kind: builtin, root: ./no-such-folder}\n",
        [],
        "no-such-folder' is not a directory; create it first",
    ),
    "python tool module missing": (
        "models: {default: 'scripted:hi'}\n" + AGENT + "toolsets:\n"
        "  extra: {kind: python, tools: [i22_no_such_tools]}\n",
        [],
        "unknown tool 'i22_no_such_tools'",
    ),
    "plugin tool name misspelled": (
        "models: {default: 'scripted:hi'}\nagents:\n  helper: {tools: [calculatr]}\n",
        [],
        "unknown tool 'calculatr' (did you mean 'calculator'?",
    ),
    "truncated GGUF": (
        "models: {default: 'llamacpp:{folder}/cut.gguf'}\nagents:\n  helper: {}\n",
        [],
        "cut.gguf is truncated or corrupt",
    ),
    "offline: strict and a remote model server": (
        "offline: strict\nmodels: {default: 'openai:http://192.0.2.2:8081/v1?model=m'}\n"
        "agents:\n  helper: {}\n",
        [],
        "offline: strict refuses connections to 192.0.2.2:8081: only loopback is allowed. "
        "To allow this host, list it in the config: offline: {mode: strict, allow: "
        "['192.0.2.2:8081']}",
    ),
    "offline: strict and an MCP upstream": (
        "offline: {mode: strict, allow: ['gpu-box.test:8000']}\n"
        "models: {default: 'scripted:hi'}\n" + AGENT + "toolsets:\n"
        "  extra: {kind: mcp, url: 'http://gpu-box.test:9000/mcp'}\n",
        [],
        "offline: strict refuses connections to gpu-box.test:9000",
    ),
    "MCP server command not found": (
        "models: {default: 'scripted:hi'}\n" + AGENT + "toolsets:\n"
        "  extra: {kind: mcp, command: i22-no-such-mcp-server}\n",
        [],
        "MCP server command 'i22-no-such-mcp-server' is not found",
    ),
    "--set on a misspelled agent": (
        "models: {default: 'scripted:hi'}\nagents:\n  writer: {}\n",
        ["--set", "agents.writter.planner=react"],
        "unknown agent 'writter' (did you mean 'writer'?",
    ),
}


def _cut_gguf(folder: Path) -> None:
    """A GGUF header announcing one F32 tensor of 1024 values, with 100 bytes of data."""
    name = b"w"
    header = b"GGUF" + struct.pack("<IQQ", 3, 1, 0)
    header += struct.pack("<Q", len(name)) + name + struct.pack("<IQIQ", 1, 1024, 0, 0)
    header += b"\0" * (-len(header) % 32)
    (folder / "cut.gguf").write_bytes(header + b"\1" * 100)


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_validate_refuses_what_run_refuses(tmp_path: Path, case: str) -> None:
    text, extra, message = CASES[case]
    config = tmp_path / "app.yaml"
    config.write_text(text.replace("{folder}", str(tmp_path)))
    _cut_gguf(tmp_path)
    runner = CliRunner()
    validated = runner.invoke(app, ["validate", str(config), *extra])
    ran = runner.invoke(app, ["run", str(config), "hi", *extra])
    for result in (validated, ran):
        assert result.exit_code == 3, result.output
        assert message in " ".join(result.output.split()), result.output
