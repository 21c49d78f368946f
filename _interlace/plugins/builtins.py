"""interlace's own backends, planners, toolset kinds, tools, stores and server protocols,
registered through the same plugin hooks a third-party plugin implements.

Everything is named by ``"module:attribute"`` strings, so nothing heavy is imported until
a config actually uses it.
"""

from __future__ import annotations

from typing import Any

from .hookspecs import hookimpl

_RUNTIMES = "interlace.runtimes"
_TOOLS = "interlace.tools"
_AGENTS = "interlace.agents"
# A pool member does not retry a failing server itself: the pool tries another one at once.
_FAIL_OVER_AT_ONCE = {"max_retries": 0}


@hookimpl
def register_backends(register: Any) -> None:
    register("scripted", f"{_RUNTIMES}.scripted_ref:scripted_from_ref")
    register(
        "llamacpp",
        f"{_RUNTIMES}.llamacpp:from_ref",
        options=f"{_RUNTIMES}.llamacpp.options:LlamaCppOptions",
        files=f"{_RUNTIMES}.llamacpp.files:reference_files",
    )
    register(
        "openai",
        f"{_RUNTIMES}.openai:openai_from_ref",
        options=f"{_RUNTIMES}.openai.settings:OpenAISettings",
        target="base_url",
        probe=f"{_RUNTIMES}.openai.backend:probe_server",
        pool_defaults=_FAIL_OVER_AT_ONCE,
        endpoints=f"{_RUNTIMES}.openai.settings:openai_endpoints",
    )
    register("mcp-sampling", f"{_RUNTIMES}.mcp_sampling:mcp_sampling_from_ref")
    register(
        "litellm",
        f"{_RUNTIMES}.litellm_backend:litellm_from_ref",
        options=f"{_RUNTIMES}.litellm_backend:LiteLLMSettings",
        target="model",
        endpoints=f"{_RUNTIMES}.litellm_backend:litellm_endpoints",
        remote=True,
        pool_defaults=_FAIL_OVER_AT_ONCE,
    )
    register(
        "pool",
        f"{_RUNTIMES}.pool:pool_from_ref",
        options=f"{_RUNTIMES}.pool:PoolSettings",
        members=f"{_RUNTIMES}.pool:pool_members",
        block_key="pool",
    )


@hookimpl
def register_planners(register: Any) -> None:
    register("react", f"{_AGENTS}.planners.react:ReactPlanner")
    register("plan_execute", f"{_AGENTS}.planners.plan_execute:PlanExecutePlanner")
    register("router", f"{_AGENTS}.planners.router:RouterPlanner")
    register("supervisor", f"{_AGENTS}.planners.router:RouterPlanner")
    register("grounded", f"{_AGENTS}.rag.planner:GroundedPlanner")


@hookimpl
def register_decision_formats(register: Any) -> None:
    register("native", f"{_AGENTS}.decisions:NativeFormat")
    register("fewshot", f"{_AGENTS}.decisions.fewshot:FewShotFormat")


@hookimpl
def register_toolset_kinds(register: Any) -> None:
    register(
        "python", f"{_TOOLS}.kinds:python_toolset", options=f"{_TOOLS}.kinds:PythonToolsOptions"
    )
    register(
        "builtin",
        f"{_TOOLS}.kinds:builtin_toolset",
        options=f"{_TOOLS}.kinds:BuiltinOptions",
        paths=("root",),
    )
    register(
        "mcp",
        f"{_TOOLS}.mcp.kind:mcp_toolset",
        options=f"{_TOOLS}.mcp.options:MCPOptions",
        paths=("cwd",),
        upstream=True,
        endpoints=f"{_TOOLS}.mcp.options:mcp_endpoints",
        checks=f"{_TOOLS}.mcp.options:mcp_problems",
    )
    register(
        "retrieval",
        f"{_TOOLS}.retrieval.kind:build_retrieval_toolset",
        options=f"{_TOOLS}.retrieval.kind:RetrievalToolsetOptions",
        stores=("store",),
    )
    register(
        "a2a",
        f"{_TOOLS}.a2a.kind:build_a2a_toolset",
        options=f"{_TOOLS}.a2a.toolset:A2AOptions",
        upstream=True,
        endpoints=f"{_TOOLS}.a2a.toolset:a2a_endpoints",
    )


@hookimpl
def register_tools(register: Any) -> None:
    register("calculator", f"{_TOOLS}.builtins.calculator:calculator")
    register("datetime", f"{_TOOLS}.builtins.clock:current_datetime")


@hookimpl
def register_stores(register: Any) -> None:
    register(
        "chroma",
        f"{_TOOLS}.retrieval.store:open_store",
        options=f"{_TOOLS}.retrieval.settings:StoreSettings",
        paths=("path",),
        endpoints=f"{_TOOLS}.retrieval.settings:store_endpoints",
    )


@hookimpl
def register_checkpointers(register: Any) -> None:
    register(
        "memory",
        f"{_AGENTS}.checkpointers:open_memory",
        options=f"{_AGENTS}.checkpointers:MemoryOptions",
    )
    register(
        "sqlite",
        f"{_AGENTS}.checkpointers:open_sqlite",
        options=f"{_AGENTS}.checkpointers:SqliteOptions",
        paths=("path",),
    )
    register(
        "postgres",
        f"{_AGENTS}.postgres:open_postgres",
        options=f"{_AGENTS}.postgres:PostgresOptions",
        url_schemes=("postgres", "postgresql"),
        endpoints=f"{_AGENTS}.postgres:postgres_endpoints",
    )


@hookimpl
def register_server_protocols(register: Any) -> None:
    register("mcp", f"{_AGENTS}.serve.mcp:mcp_parts")
    register("a2a", f"{_AGENTS}.serve.a2a_server:a2a_parts")
    register("openai", f"{_AGENTS}.serve.openai_api:openai_parts")
    register("web", f"{_AGENTS}.serve.web.routes:web_parts")
