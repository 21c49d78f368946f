"""The typer app: thin command signatures; each body imports its module lazily."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    name="interlace",
    help="Run, chat with, serve and check multi-agent systems described by one YAML file.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ConfigArg = Annotated[str, typer.Argument(help="The YAML config file.", metavar="CONFIG")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-s",
        help=(
            "Override a value: KEY.PATH=VALUE (repeatable); +KEY.PATH=VALUE adds a new "
            "agent, model, toolset, store or graph."
        ),
        metavar="KEY=VALUE",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
AgentOpt = Annotated[
    str | None, typer.Option("--agent", "-a", help="Run this agent or graph, not the entry.")
]
ThreadOpt = Annotated[
    str | None, typer.Option("--thread", "-t", help="Conversation thread to continue.")
]


@app.command()
def run(
    config: ConfigArg,
    task: Annotated[
        str | None,
        typer.Argument(help="The task; '-' reads it from stdin.", metavar="[TASK]"),
    ] = None,
    agent: AgentOpt = None,
    thread: ThreadOpt = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the killed run of --thread (no TASK).")
    ] = False,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only the answer: no tool or agent lines.")
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Stream every agent's text (plans, routing, drafts) to stderr."
        ),
    ] = False,
) -> None:
    """Run a task; print the final answer (or continue a killed run with --resume)."""
    from .running import RunOptions, run_command

    options = RunOptions(agent, thread, resume, json_, quiet, verbose)
    run_command(config, task, options, overrides=set_ or [])


@app.command()
def chat(
    config: ConfigArg,
    agent: AgentOpt = None,
    thread: ThreadOpt = None,
    set_: SetOpt = None,
    web: Annotated[
        bool, typer.Option("--web", help="Chat in the browser: serve the web page and open it.")
    ] = False,
    port: Annotated[
        int, typer.Option("--port", help="Port of the web page (--web; 0: any free port).")
    ] = 0,
) -> None:
    """Chat with an agent (multi-turn, streaming; history kept per thread)."""
    if web:
        from .serving import web_chat_command

        web_chat_command(config, agent=agent, thread=thread, port=port, overrides=set_ or [])
        return
    from .running import chat_command

    chat_command(config, agent=agent, thread=thread, overrides=set_ or [])


@app.command()
def batch(
    config: ConfigArg,
    inputs: Annotated[
        str,
        typer.Argument(
            help='JSONL file, one item a line: {"id", "task" or "messages", "agent"?, '
            '"thread_id"?, "metadata"?}.',
            metavar="INPUTS.jsonl",
        ),
    ],
    out: Annotated[str, typer.Option("--out", "-o", help="Results JSONL (ids in it are skipped).")],
    agent: Annotated[
        str | None,
        typer.Option("--agent", "-a", help="Agent or graph for items that name none."),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", help="Items running at once (in total).")
    ] = 8,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Seconds per attempt of an item.")
    ] = None,
    retries: Annotated[
        int, typer.Option("--retries", help="More attempts after an error or timeout.")
    ] = 2,
    backoff: Annotated[
        float, typer.Option("--backoff", help="Seconds before the first retry (doubles).")
    ] = 1.0,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray", help="Run on Ray: auto, local or a cluster ADDRESS.", metavar="WHERE"
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Ray workers (default: one per CPU).")
    ] = None,
    worker_cpus: Annotated[float, typer.Option("--worker-cpus", help="CPUs per Ray worker.")] = 1.0,
    worker_gpus: Annotated[float, typer.Option("--worker-gpus", help="GPUs per Ray worker.")] = 0.0,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run the failed ids of --out again.")
    ] = False,
    jsonl_events: Annotated[
        bool, typer.Option("--jsonl-events", help="Stream run events to stdout as JSON lines.")
    ] = False,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")
    ] = False,
) -> None:
    """Run many tasks from a JSONL file (resumable; locally or on Ray)."""
    from .batching import BatchCommand, batch_command

    batch_command(
        BatchCommand(
            config=config,
            inputs=inputs,
            out=out,
            agent=agent,
            overrides=set_ or [],
            concurrency=concurrency,
            timeout_s=timeout,
            retries=retries,
            backoff_s=backoff,
            ray=ray,
            workers=workers,
            worker_cpus=worker_cpus,
            worker_gpus=worker_gpus,
            retry_failed=retry_failed,
            jsonl_events=jsonl_events,
            as_json=json_,
            quiet=quiet,
        )
    )


@app.command()
def ingest(
    config: ConfigArg,
    paths: Annotated[list[str], typer.Argument(help="Files or folders to add.")],
    store: Annotated[
        str | None, typer.Option("--store", help="Store name (default: the only one).")
    ] = None,
    follow_links: Annotated[
        bool,
        typer.Option(
            "--follow-links",
            help="Follow symbolic links that stay inside the folder (never those leading out).",
        ),
    ] = False,
    set_: SetOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Add documents to a retrieval store (with a progress bar)."""
    from .ingesting import IngestOptions, ingest_command

    options = IngestOptions(store=store, follow_links=follow_links, as_json=json_)
    ingest_command(config, paths, options, overrides=set_ or [])


@app.command()
def serve(
    config: ConfigArg,
    mcp: Annotated[bool, typer.Option("--mcp/--no-mcp", help="Serve MCP.")] = True,
    a2a: Annotated[bool, typer.Option("--a2a/--no-a2a", help="Serve A2A.")] = True,
    openai: Annotated[
        bool, typer.Option("--openai/--no-openai", help="Serve the OpenAI-compatible API.")
    ] = True,
    web: Annotated[bool, typer.Option("--web/--no-web", help="Serve the web page at /.")] = True,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="INTERLACE_TOKEN", help="Bearer token clients must send."),
    ] = None,
    stdio: Annotated[
        bool, typer.Option("--stdio", help="Serve MCP alone over standard input/output.")
    ] = False,
    protocol: Annotated[
        list[str] | None,
        typer.Option(
            "--protocol", help="Also serve a plugin's protocol (repeatable).", metavar="NAME"
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=0.001, help="Seconds a request's agent run may take."),
    ] = 300.0,
    set_: SetOpt = None,
) -> None:
    """Expose the agents over MCP, A2A, an OpenAI-compatible API and a web page."""
    from .serving import ServeOptions, serve_command

    chosen = {"mcp": mcp, "a2a": a2a, "openai": openai, "web": web}
    protocols = [name for name, on in chosen.items() if on] + list(protocol or [])
    options = ServeOptions(protocols, host, port, token, stdio, timeout)
    serve_command(config, options, overrides=set_ or [])


TimeoutOpt = Annotated[
    float, typer.Option("--timeout", help="Seconds to wait for each model or toolset.")
]


@app.command()
def validate(
    config: ConfigArg,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    connect: Annotated[
        bool, typer.Option("--connect", help="Also check that every MCP/A2A upstream answers.")
    ] = False,
    timeout: TimeoutOpt = 30.0,
) -> None:
    """Check a config: schema, names, references and tool support of each model."""
    from .checking import validate_command

    validate_command(config, overrides=set_ or [], as_json=json_, connect=connect, timeout=timeout)


@app.command()
def tools(
    config: ConfigArg,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    timeout: TimeoutOpt = 30.0,
    query: Annotated[
        str | None,
        typer.Option("--query", "-q", help="Show the tools each agent is offered for this."),
    ] = None,
) -> None:
    """List every toolset's tools (connecting to MCP servers and remote agents), or with
    --query the tools each agent's tool selection offers for a message."""
    if query is not None:
        from .tool_query import query_command

        query_command(config, overrides=set_ or [], query=query, as_json=json_)
        return
    from .tool_listing import tools_command

    tools_command(config, overrides=set_ or [], as_json=json_, timeout=timeout)


@app.command()
def models(
    config: ConfigArg,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    timeout: TimeoutOpt = 30.0,
) -> None:
    """List each model with its capabilities and whether it answers."""
    from .checking import models_command

    models_command(config, overrides=set_ or [], as_json=json_, timeout=timeout)


@app.command()
def doctor(
    config: Annotated[
        str | None, typer.Argument(help="Also check this config's files.", metavar="[CONFIG]")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Check the environment: Python, extras, offline readiness, model files."""
    from .doctoring import doctor_command

    doctor_command(config, as_json=json_)


@app.command()
def plugins(json_: JsonOpt = False) -> None:
    """List every plugin with its version, what it registered, and its status."""
    from .plugin_listing import plugins_command

    plugins_command(as_json=json_)
