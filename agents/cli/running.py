"""``interlace run`` and ``interlace chat``: answers on stdout, tool calls on stderr.

``run`` prints only the final answer on stdout; plans, routing decisions and the text of
intermediate agents go to stderr with ``--verbose`` (and to ``--json``). ``chat`` streams
the answer as it comes.

Ctrl-C during a chat answer cancels that answer and keeps the chat open; during ``run``
it stops the run (exit code 130) after the model has let go.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO, cast

import typer

from .common import Exit, errors_to_exit, load, print_json, run_async, skip_teardown, stderr

if TYPE_CHECKING:
    from rich.console import Console

    from interlace.agents.events import RunResult
    from interlace.agents.system import System

    from .terminal import LineReader

_STOP_CODES = {"final": Exit.OK, "error": Exit.FAILURE}
_PREVIEW = 200


def exit_code(result: RunResult) -> Exit:
    """0 for a final answer, 1 for an error, 4 for any other early stop."""
    return _STOP_CODES.get(result.stop_reason, Exit.STOPPED)


def build(config_path: str, overrides: Sequence[str], *, one_shot: bool = False) -> System:
    """Load and build the system a command runs (its local models load meanwhile; a
    ``one_shot`` command's first call builds their constrained-decoding tokenizer)."""
    from interlace.agents.system import build_system

    return build_system(load(config_path, overrides), warm_up=True, warm_tokenizer=not one_shot)


class RunOptions(NamedTuple):
    """The flags of ``interlace run``."""

    agent: str | None = None
    thread: str | None = None
    resume: bool = False
    as_json: bool = False
    quiet: bool = False
    verbose: bool = False


def run_command(
    config_path: str, task: str | None, options: RunOptions, *, overrides: Sequence[str]
) -> None:
    """Run one task (or continue a killed run); stream it unless ``--json``; exit with the
    code of its stop reason."""
    as_json = options.as_json
    with errors_to_exit(as_json):
        task = _task(task, options)
        system = build(config_path, overrides, one_shot=True)
        result = run_async(_run, system, task, options)
    skip_teardown()  # the system is closed; what remains is freeing memory
    if as_json:
        code = exit_code(result)
        print_json(
            {"ok": code == Exit.OK, "exit_code": int(code), **result.model_dump(mode="json")}
        )
    elif result.stop_reason != "final":
        stderr().print(f"[yellow]stopped: {result.stop_reason}[/] {result.detail}")
    raise typer.Exit(int(exit_code(result)))


def _task(task: str | None, options: RunOptions) -> str:
    """The task text ('' when resuming); a task with --resume, or neither, is misuse."""
    from interlace.protocols.errors import UsageError

    if options.resume:
        if options.thread is None:
            raise UsageError("--resume continues a killed run: name its thread with --thread ID")
        if task is not None:
            raise UsageError("--resume continues the killed run as it was; leave out TASK")
        return ""
    if task is None:
        raise UsageError("missing TASK: give the task to run (or '-' to read it from stdin)")
    return sys.stdin.read() if task == "-" else task


async def _run(system: System, task: str, options: RunOptions) -> RunResult:
    agent, thread = options.agent, options.thread
    async with system:
        if options.resume:
            assert thread is not None
            events = system.resume_stream(thread, agent=agent)
        else:
            events = system.stream(task, agent=agent, thread_id=thread)
        if options.as_json:
            return await Renderer.result_of(events)
        from .terminal import LineReader

        text = sys.stderr if options.verbose else None
        renderer = Renderer(stderr(), quiet=options.quiet, agents=len(system.agents) > 1, text=text)
        result = await renderer.consume(events)
        result = await _approvals(system, result, agent, renderer, LineReader(), show=False)
        if result.output:
            sys.stdout.write(result.output.rstrip("\n") + "\n")
            sys.stdout.flush()
        return result


class Renderer:
    """Writes streamed text to ``text`` (stdout by default; ``None``: nowhere); agents and
    tools go to stderr."""

    def __init__(
        self,
        console: Console,
        *,
        quiet: bool = False,
        agents: bool = True,
        text: TextIO | None = sys.stdout,
    ) -> None:
        self.console = console
        self.quiet = quiet
        self.agents = agents
        self.text = text
        self._agent: str | None = None
        self._open_line = False

    @staticmethod
    async def result_of(events: Any) -> RunResult:
        """The result of a run's events, showing nothing."""
        async with aclosing(events):
            async for event in events:
                if event.type == "done":
                    return cast("RunResult", event.result)
        from interlace.protocols.errors import RunFailure

        raise RunFailure("the run ended without a result")

    async def consume(self, events: Any) -> RunResult:
        """Render every event; return the result of the final ``done`` event. Cancelled,
        it closes the run (which stops the model) and ends the line written so far."""
        result: RunResult | None = None
        try:
            async with aclosing(events):
                async for event in events:
                    if event.type == "done":
                        result = event.result
                    else:
                        self.show(event)
        finally:
            self._end_line()
        if result is None:
            from interlace.protocols.errors import RunFailure

            raise RunFailure("the run ended without a result")
        return result

    def show(self, event: Any) -> None:
        """Render one event."""
        if event.type == "text":
            if self.text is None:
                return
            if event.agent != self._agent:
                self._header(event.agent)
            self.text.write(event.text)
            self.text.flush()
            self._open_line = not event.text.endswith("\n")
        elif not self.quiet and event.type == "tool_call":
            self._note(f"→ {event.call.name}({_short(event.call.arguments)})")
        elif not self.quiet and event.type == "tool_result":
            style = "red" if event.result.is_error else "dim"
            self._note(f"← {_short(event.result.text)}", style)
        elif not self.quiet and event.type == "tool_selection":
            tools = ", ".join(_offered(tool) for tool in event.offered)
            self._note(f"tools offered ({len(event.offered)} of {event.total}): {tools}")
        elif not self.quiet and event.type == "interrupt":
            names = ", ".join(request.call.name for request in event.pending)
            self._note(f"waiting for approval: {names}", "yellow")

    def _header(self, agent: str) -> None:
        self._agent = agent
        if not self.quiet and self.agents and agent:
            self._note(f"[{agent}]", "bold cyan")

    def _note(self, text: str, style: str = "dim") -> None:
        from rich.markup import escape

        self._end_line()
        self.console.print(f"[{style}]{escape(text)}[/]")

    def _end_line(self) -> None:
        if self._open_line and self.text is not None:
            self.text.write("\n")
            self.text.flush()
            self._open_line = False


def _offered(tool: Any) -> str:
    """An offered tool as ``name 0.61`` (its score) or ``name (always)``."""
    if tool.reason == "top_k" and tool.score is not None:
        return f"{tool.name} {tool.score:.2f}"
    return f"{tool.name} ({tool.reason})"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(str(text).split())
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 3] + "..."


async def _approvals(
    system: System,
    result: RunResult,
    agent: str | None,
    renderer: Renderer,
    reader: LineReader,
    *,
    show: bool = True,
) -> RunResult:
    """Ask on the terminal about tool calls waiting for approval (only when interactive)."""
    from interlace.agents.events import Decision

    while result.interrupted and result.thread_id and sys.stdin.isatty():
        request = result.pending[0]
        question = f"allow {request.call.name}({_short(request.call.arguments)})? [y/N] "
        answer = await reader.ask(question)
        decision = (
            Decision.approve()
            if answer.strip().lower() in ("y", "yes")
            else (Decision.reject("the user declined"))
        )
        result = await system.resume(result.thread_id, decision, agent=agent)
        if show and result.output:
            renderer.show(_Text(agent=result.agent, text=result.output + "\n"))
    return result


class _Text:
    type = "text"

    def __init__(self, agent: str, text: str) -> None:
        self.agent = agent
        self.text = text


def chat_command(
    config_path: str, *, agent: str | None, thread: str | None, overrides: Sequence[str]
) -> None:
    """Chat until ``/exit`` or end of input; one thread keeps the history."""
    with errors_to_exit():
        system = build(config_path, overrides)
        run_async(_chat, system, agent, thread or uuid.uuid4().hex[:12])


async def _chat(system: System, agent: str | None, thread: str) -> None:
    import anyio

    from .terminal import CtrlC

    console = stderr()
    console.print(
        f"[dim]thread {thread} · /new starts a fresh thread · Ctrl-C stops an answer · "
        "/exit or Ctrl-D quits[/]"
    )
    async with system, anyio.create_task_group() as group:
        ctrl_c = CtrlC(group.cancel_scope)
        group.start_soon(ctrl_c.watch)
        await _converse(system, agent, thread, ctrl_c)
        group.cancel_scope.cancel()
    if ctrl_c.quit:
        raise KeyboardInterrupt


async def _converse(system: System, agent: str | None, thread: str, ctrl_c: Any) -> None:
    from .terminal import LineReader

    console, reader = stderr(), LineReader()
    renderer = Renderer(console, agents=len(system.agents) > 1)
    while True:
        try:
            text = (await reader.ask("> ")).strip()
        except EOFError:
            break
        if text in ("/exit", "/quit"):
            break
        if text == "/new":
            thread = uuid.uuid4().hex[:12]
            console.print(f"[dim]thread {thread}[/]")
            continue
        if not text:
            continue
        with ctrl_c.answering() as answer:
            result = await renderer.consume(system.stream(text, agent=agent, thread_id=thread))
            result = await _approvals(system, result, agent, renderer, reader)
        if answer.cancelled_caught:
            console.print("[yellow]interrupted[/] (the answer above is all that was produced)")
        elif result.stop_reason != "final":
            console.print(f"[yellow]stopped: {result.stop_reason}[/] {result.detail}")
