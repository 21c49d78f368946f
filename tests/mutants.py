"""Mutation check: break each claim once and see the test that guards it go red.

Run from the repository root: ``.venv/bin/python -m tests.mutants [NAME ...]``. Each
mutant replaces one snippet of product code, runs the tests that must catch it, and puts
the file back. A mutant whose tests still pass is reported as SURVIVED (exit 1): that test
does not check what it claims. Not part of ``make test`` (it runs the same tests many times).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    """One deliberate break: ``old`` becomes ``new`` in ``path``; ``tests`` must fail.
    ``more`` holds further ``(old, new)`` replacements in the same file."""

    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    more: tuple[tuple[str, str], ...] = ()


MUTANTS = (
    Mutant(
        "parallel branches run one after the other",
        "agents/runner.py",
        '            "recursion_limit": _RECURSION_LIMIT,\n',
        '            "recursion_limit": _RECURSION_LIMIT,\n            "max_concurrency": 1,\n',
        ("tests/agents/test_graphs.py::test_parallel_branches_overlap_in_time",),
    ),
    Mutant(
        "a cancelled scripted stream keeps generating for 5 s",
        "runtimes/scripted.py",
        "            self.stats.cancelled += 1\n",
        "            self.stats.cancelled += 1\n"
        "            with anyio.CancelScope(shield=True):\n"
        "                await anyio.sleep(5)\n",
        (
            "tests/runtimes/test_scripted_conformance.py::TestScriptedConformance::"
            "test_cancellation_stops_generation_and_frees_the_backend",
        ),
    ),
    Mutant(
        "a cancelled A2A task keeps running",
        "agents/serve/a2a_server.py",
        "await stream_agent(",
        "await asyncio.shield(asyncio.ensure_future(stream_agent(",
        ("tests/serve/test_a2a.py::test_cancel_task_stops_the_run",),
        more=(
            ("on_event, thread_id)\n", "on_event, thread_id)))\n"),
            (
                "from __future__ import annotations\n",
                "from __future__ import annotations\n\nimport asyncio\n",
            ),
        ),
    ),
    Mutant(
        "a function toolset says no tool needs approval",
        "tools/function.py",
        "return found.requires_approval if found is not None else False",
        "return False",
        ("tests/tools/test_function_conformance.py",),
    ),
    Mutant(
        "MCP approval patterns match nothing",
        "tools/mcp/toolset.py",
        "fnmatch.fnmatchcase(name, pattern)",
        "name == pattern",
        ("tests/tools/test_mcp_conformance.py::TestMCPStdio::test_requires_approval_is_exact",),
    ),
    Mutant(
        "a prefixed toolset loses the approval flags",
        "tools/base.py",
        "return inner_name is not None and self.inner.requires_approval(inner_name)",
        "return False",
        ("tests/tools/test_function_conformance.py",),
    ),
    Mutant(
        "the scripted backend declares other capabilities",
        "runtimes/scripted.py",
        "native_tools=True, json_schema_output=True, parallel_tool_calls=True",
        "native_tools=True, json_schema_output=True",
        ("tests/runtimes/test_scripted_conformance.py",),
    ),
    Mutant(
        "switching tracing off keeps writing the trace file",
        "agents/tracing.py",
        "        _tracer = None\n        return\n",
        "        return\n",
        ("tests/agents/test_tracing.py::test_no_trace_unless_configured",),
    ),
    Mutant(
        "unconfigured tracing makes spans anyway",
        "agents/tracing.py",
        "        return None  # no provider installed: spans would be dropped anyway",
        "        return _global_tracer",
        ("tests/agents/test_tracing.py::test_no_trace_unless_configured",),
    ),
    Mutant(
        "doctor reports ok whatever failed",
        "agents/cli/doctoring.py",
        "    ok = all(check.ok is not False for check in checks)",
        "    ok = True",
        ("tests/cli/test_cli.py::test_doctor_fails_with_exit_5_and_names_the_fix",),
    ),
    Mutant(
        "doctor exits 0 on a failed check",
        "agents/cli/doctoring.py",
        "    code = Exit.OK if ok else Exit.CHECK",
        "    code = Exit.OK",
        ("tests/cli/test_cli.py::test_doctor_fails_with_exit_5_and_names_the_fix",),
    ),
    Mutant(
        "doctor fails a ready environment (case-sensitive switch check)",
        "agents/cli/doctoring.py",
        "value.lower() == wanted.lower()",
        "value == wanted.upper()",
        ("tests/cli/test_cli.py::test_doctor_passes_in_a_ready_environment",),
    ),
    Mutant(
        "BM25 ignores search filters",
        "tools/retrieval/store.py",
        "return self.bm25_index().top(query, n, allowed)",
        "return self.bm25_index().top(query, n, None)",
        ("tests/retrieval/test_store.py::test_metadata_filters",),
    ),
    Mutant(
        "BM25 with a filter finds nothing",
        "tools/retrieval/store.py",
        '            allowed = got["ids"]',
        "            allowed = []",
        ("tests/retrieval/test_store.py::test_metadata_filters",),
    ),
    Mutant(
        "the offline guard looks names up instead of refusing them (urllib gets through)",
        "runtimes/offline.py",
        '        _check(host, port, "a DNS lookup of")\n',
        "        pass\n",
        ("tests/retrieval/test_offline.py::test_strict_guard_refuses_remote_and_allows_loopback",),
    ),
    Mutant(
        "the offline guard lets connections to any address through",
        "runtimes/offline.py",
        "    if not _allowed.permits(text, number):\n",
        "    if False:\n",
        ("tests/agents/test_offline_strict.py::test_nothing_reaches_a_non_loopback_listener",),
    ),
    Mutant(
        "offline: strict does not check the servers a config names",
        "agents/config/reach.py",
        "        refusal = endpoint_refusal(url, offline.allow)\n",
        "        refusal = None\n",
        ("tests/cli/test_validate_matches_run.py",),
    ),
    Mutant(
        "the file tools let the kernel follow links",
        "tools/builtins/beneath.py",
        "        return os.open(name, flags | os.O_NOFOLLOW, 0o666, dir_fd=directory)\n",
        "        return os.open(name, flags, 0o666, dir_fd=directory)\n",
        ("tests/tools/test_file_confinement.py::test_read_file_never_escapes_a_racing_link_swap",),
    ),
    Mutant(
        "ingest follows links out of its folder",
        "tools/retrieval/walk.py",
        "    if not target.is_relative_to(root):\n",
        "    if False:\n",
        ("tests/retrieval/test_ingest_links.py::test_links_out_of_the_folder_are_never_followed",),
    ),
    Mutant(
        "invalid tool arguments lose the field and the fix",
        "tools/function.py",
        "        problems.append(f\"{where}: {item['msg']}\")",
        "        problems.append(f\"a {item['msg']}\")",
        (
            "tests/agents/test_react.py::test_invalid_arguments_go_back_to_the_model",
            "tests/serve/test_mcp.py::test_invalid_arguments_are_an_error_result",
        ),
    ),
    Mutant(
        "a plugin's registrations stick although its hook raised",
        "_interlace/plugins/manager.py",
        "            return\n        self.calls[name] = recorded",
        "        self.calls[name] = recorded",
        ("tests/plugins/test_plugins.py::test_broken_plugins_are_reported_and_the_rest_works",),
        more=(("                if not info.working:\n                    break\n", ""),),
    ),
    Mutant(
        "a missing file-tools root raises a bare ValueError",
        "tools/builtins/beneath.py",
        '            raise UsageError(f"file tools root',
        '            raise ValueError(f"file tools root',
        ("tests/tools/test_builtins.py::test_file_root_must_exist",),
    ),
    Mutant(
        "MCP calls ignore their time limit",
        "tools/mcp/toolset.py",
        "        timeout = self.options.call_timeout_s",
        "        timeout = 120.0",
        ("tests/tools/test_mcp.py::test_slow_call_times_out_and_the_connection_survives",),
    ),
    Mutant(
        "the OpenAI API ignores the run time limit",
        "agents/serve/running.py",
        "        with anyio.fail_after(timeout_s):\n            result = await host.run(",
        "        with anyio.fail_after(None):\n            result = await host.run(",
        ("tests/serve/test_openai_api.py::test_timeout_is_a_504",),
    ),
    Mutant(
        "llama.cpp calls on one model are not serialized",
        "runtimes/worker.py",
        "    await admission.acquire()\n",
        "",
        (
            "tests/runtimes/llamacpp/test_backend.py::"
            "test_event_loop_stays_free_and_generations_never_overlap",
        ),
        more=(("Job(work, admission.release, name)", "Job(work, lambda: None, name)"),),
    ),
    Mutant(
        "a cancelled llama.cpp stream keeps generating to max_tokens",
        "runtimes/llamacpp/backend.py",
        "                while decoder.finish_reason is None and not cancel.is_set():",
        "                while decoder.finish_reason is None:",
        (
            "tests/runtimes/llamacpp/test_conformance.py::TestLlamaCppConformance::"
            "test_cancellation_stops_generation_and_frees_the_backend",
        ),
        more=(("            cancel=cancel,\n", "            cancel=None,\n"),),  # no busy loop
    ),
    Mutant(
        "llama.cpp can never make more than one tool call",
        "runtimes/llamacpp/grammar.py",
        """    repeat = ' ("," call)*' if parallel else \"\"""",
        """    repeat = \"\"""",
        ("tests/runtimes/llamacpp/test_tools.py::test_parallel_calls_only_when_asked",),
    ),
    Mutant(
        "llama.cpp allows several tool calls although not asked",
        "runtimes/llamacpp/grammar.py",
        """    repeat = ' ("," call)*' if parallel else \"\"""",
        """    repeat = ' ("," call)*'""",
        ("tests/runtimes/llamacpp/test_tools.py::test_parallel_calls_only_when_asked",),
    ),
    Mutant(
        "a failed grammar matcher is reused",
        "runtimes/llamacpp/loader.py",
        "        if matcher is None or matcher.is_error():",
        "        if matcher is None:",
        (
            "tests/runtimes/llamacpp/test_tools.py::"
            "test_a_failed_constraint_does_not_poison_the_next_request",
        ),
    ),
)


def run_mutant(mutant: Mutant) -> tuple[bool, str]:
    """Apply the break, run its tests, restore; returns (caught, pytest's summary and
    first error line)."""
    path = REPO / mutant.path
    original = broken = path.read_text(encoding="utf-8")
    for old, new in ((mutant.old, mutant.new), *mutant.more):
        if broken.count(old) != 1:
            raise SystemExit(f"{mutant.name}: {old!r} is not found exactly once in {path}")
        broken = broken.replace(old, new)
    try:
        path.write_text(broken, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-W", "error", "-x", "-q", *mutant.tests],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    finally:
        path.write_text(original, encoding="utf-8")
    lines = done.stdout.strip().splitlines() or [done.stderr.strip()]
    why = next((line[1:].strip() for line in lines if line.startswith("E ")), "")
    crashed = done.returncode < 0  # killed by a signal: the test cannot have passed
    return done.returncode == 1 or crashed, f"{lines[-1]}; {why[:160]}"


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so that run_mutant's finally puts the file back


def main(names: list[str]) -> int:
    signal.signal(signal.SIGTERM, _stop)
    chosen = [m for m in MUTANTS if not names or any(n in m.name for n in names)]
    survived = 0
    for mutant in chosen:
        caught, summary = run_mutant(mutant)
        survived += not caught
        print(f"{'RED     ' if caught else 'SURVIVED'} {mutant.name}: {summary}", flush=True)
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
