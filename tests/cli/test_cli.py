"""The CLI as a subprocess: help, run, chat, validate, models, doctor and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import interlace

NOOP_INGEST = """
import sys
from interlace.agents.cli import main
sys.argv = ["interlace", "ingest", sys.argv[1], sys.argv[2], "--json"]
try:
    main()
except SystemExit:
    pass
heavy = ("chromadb", "torch", "sentence_transformers", "onnxruntime", "transformers")
print("heavy:", sorted(name for name in heavy if name in sys.modules))
"""
SCRIPTED = "models: {default: 'scripted:hello'}\nagents:\n  helper:\n    tools: [calculator]\n"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(SCRIPTED, encoding="utf-8")
    return path


def test_help_lists_every_command() -> None:
    result = interlace("--help")
    assert result.returncode == 0
    for command in ("run", "chat", "ingest", "serve", "validate", "models", "doctor"):
        assert command in result.stdout


def test_run_streams_the_answer_and_exits_0(config: Path) -> None:
    # With console tracing: its spans go to stderr, batched and written at exit (which
    # skips the interpreter's teardown but still runs the atexit handlers).
    tracing = "tracing={enabled: true, exporter: console}"
    result = interlace("run", str(config), "hi", "--set", tracing)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello"
    assert '"name": "run helper"' in result.stderr


GRAPH = """
models: {notes: 'scripted:draft notes', final: 'scripted:the final answer'}
agents:
  researcher: {model: notes}
  writer: {model: final}
graph: {type: sequence, agents: [researcher, writer]}
"""


def test_run_prints_only_the_final_answer_on_stdout(tmp_path: Path) -> None:
    path = tmp_path / "graph.yaml"
    path.write_text(GRAPH, encoding="utf-8")
    result = interlace("run", str(path), "hi")
    assert (result.returncode, result.stdout) == (0, "the final answer\n"), result.stderr
    assert "draft notes" not in result.stderr  # intermediate text only with --verbose
    verbose = interlace("run", str(path), "hi", "--verbose")
    assert verbose.stdout == "the final answer\n"
    assert "[researcher]" in verbose.stderr
    assert "draft notes" in verbose.stderr


def test_run_json_and_set_override(config: Path) -> None:
    result = interlace("run", str(config), "hi", "--json", "--set", "models.default=scripted:bye")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["output"] == "bye"
    assert data["stop_reason"] == "final"
    assert data["ok"] is True


def test_run_reads_the_task_from_stdin(config: Path) -> None:
    result = interlace("run", str(config), "-", "--json", stdin="from stdin")
    assert json.loads(result.stdout)["messages"][0]["content"] == "from stdin"


def test_run_stopped_by_a_limit_exits_4(config: Path) -> None:
    # A one-token budget ends the run before a final answer.
    result = interlace(
        "run", str(config), "hi there", "--json", "--set", "agents.helper.limits.max_tokens=1"
    )
    data = json.loads(result.stdout)
    assert data["stop_reason"] == "max_tokens"
    assert result.returncode == 4


def test_unknown_agent_is_a_usage_error(config: Path) -> None:
    result = interlace("run", str(config), "hi", "--agent", "helpr")
    assert result.returncode == 2
    assert "did you mean 'helper'" in result.stderr


def test_invalid_config_exits_3_with_location(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SCRIPTED.replace("calculator", "calculater"), encoding="utf-8")
    result = interlace("validate", str(path))
    assert result.returncode == 3
    assert f"{path}:4:13: agents.helper.tools[0]: unknown tool 'calculater'" in result.stderr
    as_json = interlace("validate", str(path), "--json")
    assert as_json.returncode == 3
    issue = json.loads(as_json.stdout)["issues"][0]
    assert issue["path"] == "agents.helper.tools[0]"
    assert issue["where"] == f"{path}:4:13"


def test_validate_ok_summary(config: Path) -> None:
    result = interlace("validate", str(config), "--json")
    assert result.returncode == 0
    summary = json.loads(result.stdout)["summary"]
    assert summary["agents"] == ["helper"]
    assert summary["entry"] == "helper"


def test_chat_keeps_a_conversation(config: Path) -> None:
    result = interlace("chat", str(config), stdin="first\nsecond\n/exit\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["hello", "hello"]
    assert "thread" in result.stderr


def test_models_reports_reachability(config: Path, tmp_path: Path) -> None:
    ok = interlace("models", str(config), "--json")
    assert ok.returncode == 0
    row = json.loads(ok.stdout)["models"][0]
    assert row["reachable"] is True
    assert row["capabilities"]["tool_path"] is True
    assert row["used_by"] == ["role default", "agent helper"]
    down = tmp_path / "down.yaml"
    down.write_text(
        "models: {default: 'openai:http://127.0.0.1:9/v1?model=m'}\nagents:\n  a: {}\n",
        encoding="utf-8",
    )
    result = interlace("models", str(down), "--json", "--timeout", "20")
    assert result.returncode == 5
    assert json.loads(result.stdout)["models"][0]["reachable"] is False


OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


def test_doctor_passes_in_a_ready_environment(config: Path) -> None:
    result = interlace("doctor", str(config), "--json", env=dict(OFFLINE))
    data = json.loads(result.stdout)
    checks = {check["name"]: check for check in data["checks"]}
    assert {"python", "extra local", "model llamacpp:default", "config"} <= set(checks)
    failed = [check for check in data["checks"] if check["ok"] is False]
    assert failed == []
    assert (data["ok"], data["exit_code"], result.returncode) == (True, 0, 0), result.stderr
    assert checks["python"]["ok"] is True
    assert checks["model llamacpp:default"]["ok"] is True


def test_doctor_fails_with_exit_5_and_names_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "missing.gguf"
    path = tmp_path / "local.yaml"
    path.write_text(f"models: {{default: 'llamacpp:{missing}'}}\nagents:\n  a: {{}}\n")
    result = interlace("doctor", str(path), "--json", env={**OFFLINE, "TRANSFORMERS_OFFLINE": None})
    data = json.loads(result.stdout)
    failed = {check["name"]: check for check in data["checks"] if check["ok"] is False}
    model = f"model llamacpp:{missing}"
    assert set(failed) == {"offline TRANSFORMERS_OFFLINE", model}, failed
    assert failed["offline TRANSFORMERS_OFFLINE"]["fix"] == "export TRANSFORMERS_OFFLINE=1"
    assert failed[model]["detail"] == str(missing)
    assert (data["ok"], data["exit_code"], result.returncode) == (False, 5, 5)


def test_serve_refuses_a_short_token(config: Path) -> None:
    result = interlace("serve", str(config), "--token", "abc")
    assert result.returncode == 2
    assert "the bearer token has 3 characters; use at least 16" in result.stderr


@pytest.mark.slow
def test_ingest_fills_the_store(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The capital of Freedonia is Fredville.", encoding="utf-8")
    (tmp_path / "shadow").write_text("root:*:20228:0:99999:7:::\n", encoding="utf-8")
    (docs / "link_out.txt").symlink_to(tmp_path / "shadow")
    os.mkfifo(docs / "pipe.txt")
    path = tmp_path / "rag.yaml"
    path.write_text(
        "models: {default: 'scripted:ok'}\nagents:\n  a: {toolsets: [docs]}\n"
        "toolsets:\n  docs: {kind: retrieval, store: notes}\n"
        "retrieval:\n  notes: {path: ./store, collection: notes}\n",
        encoding="utf-8",
    )
    result = interlace("ingest", str(path), str(docs), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["store"] == "notes"
    assert data["added"] == [str(docs / "a.txt")]
    reasons = {Path(item["path"]).name: item["reason"] for item in data["skipped"]}
    assert "leads outside the ingested folder" in reasons["link_out.txt"]
    assert "a FIFO" in reasons["pipe.txt"]
    assert (tmp_path / "store").is_dir()  # relative to the config file's folder
    wrong = interlace("ingest", str(path), str(docs), "--store", "note")
    assert wrong.returncode == 2
    assert "did you mean 'notes'" in wrong.stderr
    only_stores = tmp_path / "stores.yaml"  # no agents: ingest needs only the store
    only_stores.write_text("retrieval:\n  notes: {path: ./store, collection: notes}\n")
    again = interlace("ingest", str(only_stores), str(docs), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["unchanged"] == [str(docs / "a.txt")]
    skipped_again = {Path(item["path"]).name for item in json.loads(again.stdout)["skipped"]}
    assert skipped_again == {"link_out.txt", "pipe.txt"}
    heavy = subprocess.run(  # nothing to do: neither Chroma nor the embedder loads
        [sys.executable, "-c", NOOP_INGEST, str(only_stores), str(docs)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert heavy.returncode == 0, heavy.stderr[-2000:]
    assert heavy.stdout.strip().splitlines()[-1] == "heavy: []"
