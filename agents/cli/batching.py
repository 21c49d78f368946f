"""``interlace batch``: many items through one system, locally or on Ray, resumable."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from .common import Exit, errors_to_exit, fail, load, print_json, run_async, stderr

if TYPE_CHECKING:
    from interlace.agents.batch import BatchItem, BatchOptions, BatchResult, ResultsFile, Summary
    from interlace.agents.config import Config


@dataclass(frozen=True)
class BatchCommand:
    """What ``interlace batch`` was asked to do."""

    config: str
    inputs: str
    out: str
    agent: str | None = None
    overrides: Sequence[str] = ()
    concurrency: int = 8
    timeout_s: float | None = None
    retries: int = 2
    backoff_s: float = 1.0
    ray: str | None = None
    workers: int | None = None
    worker_cpus: float = 1.0
    worker_gpus: float = 0.0
    retry_failed: bool = False
    jsonl_events: bool = False
    as_json: bool = False
    quiet: bool = False


def batch_command(command: BatchCommand) -> None:
    """Run every input line not yet in the results file; exit 0 when none failed."""
    from interlace.agents.batch import BatchOptions, ResultsFile, Summary, read_items

    out = Path(command.out)
    with errors_to_exit(command.as_json):
        options = BatchOptions(
            command.concurrency, command.timeout_s, command.retries, command.backoff_s
        )
        config = load(command.config, command.overrides)
        items = [
            item.model_copy(update={"agent": item.agent or command.agent})
            for item in read_items(Path(command.inputs))
        ]
        with ResultsFile(out, retry_failed=command.retry_failed) as results:
            todo = [item for item in items if item.id not in results.done_ids]
            summary = Summary(total=len(items), skipped=len(items) - len(todo))
            try:
                run_async(_run, command, config, todo, options, results, summary)
            except KeyboardInterrupt:
                fail(
                    Exit.INTERRUPTED,
                    f"interrupted; {len(results.results)} results are in {out}: run the "
                    "same command again to continue with the rest",
                    as_json=command.as_json,
                )
    code = Exit.FAILURE if summary.failed else Exit.STOPPED if summary.stopped else Exit.OK
    if command.as_json:
        print_json({"ok": code == Exit.OK, "exit_code": int(code), "summary": summary.as_dict()})
    elif not command.quiet:
        _print_summary(summary, out)
    raise typer.Exit(int(code))


async def _run(
    command: BatchCommand,
    config: Config,
    todo: list[BatchItem],
    options: BatchOptions,
    results: ResultsFile,
    summary: Summary,
) -> None:
    started = time.perf_counter()
    emit = _emit if command.jsonl_events else None
    if emit is not None:
        emit({"type": "batch_start", "total": summary.total, "skipped": summary.skipped})
    if todo:
        finished = await _results(command, config, todo, options)
        with _progress(command.quiet) as progress:
            task = progress.add_task("batch", total=len(todo), failed=0)
            async for result in finished:
                results.write(result)
                summary.add(result)
                progress.update(task, advance=1, failed=summary.failed)
                if emit is not None:
                    emit({"type": "item_done", "id": result.id, "status": result.status})
    summary.elapsed_s = time.perf_counter() - started
    if emit is not None:
        emit({"type": "batch_end", "summary": summary.as_dict()})


async def _results(
    command: BatchCommand, config: Config, todo: list[BatchItem], options: BatchOptions
) -> AsyncIterator[BatchResult]:
    from interlace.agents.batch import RaySettings, SystemSource, run_local, run_on_ray
    from interlace.agents.batch.on_ray import connect

    emit = _emit if command.jsonl_events else None
    if command.ray is None:
        from interlace.agents.system import build_system

        system = build_system(config)
        return _closing(system, run_local(system, todo, options, emit))
    settings = RaySettings(command.ray, command.workers, command.worker_cpus, command.worker_gpus)
    connect(settings.address)  # before the progress bar: a missing ray is one clear line
    assert config.origin is not None  # loaded from the file
    return run_on_ray(SystemSource(*config.origin), todo, options, settings, emit)


async def _closing(system: Any, results: AsyncIterator[BatchResult]) -> AsyncIterator[BatchResult]:
    async with system:
        async for result in results:
            yield result


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event, default=str) + "\n")
    sys.stdout.flush()


def _progress(disabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[red]{task.fields[failed]} failed"),
        _RateColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=stderr(),
        disable=disabled,
    )


class _RateColumn(ProgressColumn):
    """Items per second."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        if not elapsed or not task.completed:
            return Text("-- items/s", style="cyan")
        return Text(f"{task.completed / elapsed:.2f} items/s", style="cyan")


def _print_summary(summary: Summary, out: Path) -> None:
    from rich.markup import escape

    console = stderr()
    data = summary.as_dict()
    console.print(
        f"[bold]{summary.done} done[/], {summary.stopped} stopped, "
        f"[red]{summary.failed} failed[/], {summary.skipped} skipped "
        f"(of {summary.total}) in {data['elapsed_s']} s → {escape(str(out))}"
    )
    for agent, usage in sorted(summary.usage_by_agent.items()):
        console.print(
            f"  {escape(agent)}: {usage.input_tokens} input + {usage.output_tokens} output tokens"
        )
