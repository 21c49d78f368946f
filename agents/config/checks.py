"""Checks after the schema: names through registries and cross references.

Each check yields :class:`ConfigIssue` objects so one run reports every problem at once.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from interlace.protocols import SamplingSettings
from interlace.protocols.errors import ModelReferenceError

from . import registries
from .errors import ConfigIssue, ConfigValidationError, suggest
from .graphs import check_graphs
from .schema import AgentSpec, Config
from .source import Path, Source
from .validation import issues_from

NOT_CHAT_ROLES = frozenset({"embedder"})
"""Roles that name something other than a chat backend (the embedder is a store setting)."""

_AGENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_REMOTE_SCHEMES = {"litellm"}


def check_config(config: Config, source: Source) -> list[ConfigIssue]:
    """Every problem that the schema alone cannot see."""
    issues = [
        *_check_models(config, source),
        *_check_agents(config, source),
        *_check_toolsets(config, source),
        *_check_stores(config, source),
        *check_graphs(config, source),
    ]
    return issues


def chat_roles(config: Config) -> list[str]:
    """Roles in ``models`` that name chat backends."""
    return [role for role in config.models if role not in NOT_CHAT_ROLES]


def agent_model(config: Config, spec: AgentSpec) -> str | dict[str, Any] | None:
    """The reference an agent's ``model`` resolves to (a role is looked up), or ``None``."""
    model = spec.model if spec.model is not None else "default"
    if isinstance(model, str) and ":" not in model:
        return config.models.get(model)
    return model


def model_path(config: Config, name: str) -> Path:
    """Where an agent's model is written: its ``model`` key, or the role it names."""
    spec = config.agents[name]
    model = spec.model if spec.model is not None else "default"
    if isinstance(model, str) and ":" not in model:
        return ("models", model)
    return ("agents", name, "model")


# --- models --------------------------------------------------------------------------------


def _check_models(config: Config, source: Source) -> Iterator[ConfigIssue]:
    for role, reference in config.models.items():
        path: Path = ("models", role)
        if role in NOT_CHAT_ROLES:
            if not isinstance(reference, str):
                yield ConfigIssue(
                    source.locate(path),
                    path,
                    "the embedder role takes a string",
                    "'default' (the packaged MiniLM) or a local model folder",
                )
            continue
        yield from _check_reference(reference, path, config, source)


def _check_reference(
    reference: str | dict[str, Any], path: Path, config: Config, source: Source
) -> Iterator[ConfigIssue]:
    from interlace.runtimes.refs import parse_model_ref

    where = source.locate(path)
    shown = "the reference" if source.is_secret(path) else repr(_display(reference))
    try:
        ref = parse_model_ref(reference)
    except ModelReferenceError as error:
        message = str(error) if not source.is_secret(path) else "invalid model reference"
        yield ConfigIssue(where, path, message)
        return
    schemes = registries.backend_schemes()
    if ref.scheme not in schemes:
        yield ConfigIssue(
            where, path, f"unknown backend {ref.scheme!r} in {shown}", suggest(ref.scheme, schemes)
        )
        return
    if config.offline == "strict" and ref.scheme in _REMOTE_SCHEMES:
        yield ConfigIssue(
            where,
            path,
            f"offline: strict forbids the remote provider model {shown}",
            "use llamacpp:... or an openai: server you run, or set offline: off",
        )


def _display(reference: str | dict[str, Any]) -> str:
    return reference if isinstance(reference, str) else str(reference.get("backend", reference))


# --- agents --------------------------------------------------------------------------------


def _check_agents(config: Config, source: Source) -> Iterator[ConfigIssue]:
    if not config.agents:
        yield ConfigIssue(
            source.locate(("agents",)),
            ("agents",),
            "the config defines no agents",
            "add an 'agents:' section with at least one agent",
        )
    planners = registries.planner_names()
    for name, spec in config.agents.items():
        base: Path = ("agents", name)
        if not _AGENT_NAME.match(name):
            yield ConfigIssue(
                source.locate(base),
                base,
                f"agent name {name!r} is not valid",
                "use a letter then letters, digits, '_' or '-' (at most 64 characters)",
            )
        yield from _check_agent_model(config, spec, base, source)
        if spec.planner is not None and spec.planner not in planners:
            path = (*base, "planner")
            yield ConfigIssue(
                source.locate(path),
                path,
                f"unknown planner {spec.planner!r}",
                suggest(spec.planner, planners),
            )
        for index, toolset in enumerate(spec.toolsets):
            if toolset not in config.toolsets:
                path = (*base, "toolsets", index)
                yield ConfigIssue(
                    source.locate(path),
                    path,
                    f"unknown toolset {toolset!r}",
                    suggest(toolset, config.toolsets),
                )
        for index, tool in enumerate(spec.tools):
            yield from _check_tool(tool, (*base, "tools", index), source)
        yield from _validate_block(
            registries.limits_model(), spec.limits, (*base, "limits"), source
        )
        yield from _validate_block(SamplingSettings, spec.sampling, (*base, "sampling"), source)


def _check_agent_model(
    config: Config, spec: AgentSpec, base: Path, source: Source
) -> Iterator[ConfigIssue]:
    path = (*base, "model")
    roles = chat_roles(config)
    if spec.model is None:
        if "default" not in config.models:
            yield ConfigIssue(
                source.locate(base),
                path,
                "the agent names no model and 'models' has no 'default' role",
                "set model: llamacpp:default on the agent, or add models: {default: ...}",
            )
        return
    if isinstance(spec.model, str) and ":" not in spec.model:
        if spec.model not in roles:
            yield ConfigIssue(
                source.locate(path),
                path,
                f"unknown model role {spec.model!r}",
                suggest(spec.model, roles) + "; or write a reference such as llamacpp:default",
            )
        return
    yield from _check_reference(spec.model, path, config, source)


def _check_tool(tool: str, path: Path, source: Source) -> Iterator[ConfigIssue]:
    """An agent's ``tools`` entry: a built-in tool name or a ``module:function`` path."""
    if ":" in tool or "." in tool:
        problem = import_problem(tool)
        if problem:
            yield ConfigIssue(source.locate(path), path, problem[0], problem[1])
        return
    names = registries.builtin_tool_names() + registries.plugin_tool_names()
    if tool not in names:
        yield ConfigIssue(
            source.locate(path),
            path,
            f"unknown tool {tool!r}",
            suggest(tool, names) + "; or give an import path like mypkg.tools:search",
        )
    elif tool in _file_tools():
        yield ConfigIssue(
            source.locate(path),
            path,
            f"built-in tool {tool!r} needs a root folder",
            "define a toolset with kind: builtin and root: PATH, and list it under toolsets",
        )


def _file_tools() -> tuple[str, ...]:
    from interlace.tools.kinds import FILE_TOOLS

    return FILE_TOOLS


def import_problem(path: str) -> tuple[str, str] | None:
    """Why ``module:attribute`` (or a module) cannot supply tools, or ``None``."""
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        return (
            f"cannot import tool module {module_name!r} ({error})",
            "check the spelling and that the package is installed",
        )
    if attribute and not hasattr(module, attribute):
        public = [name for name in vars(module) if not name.startswith("_")]
        return f"module {module_name!r} has no tool {attribute!r}", suggest(attribute, public)
    return None


# --- toolsets and stores --------------------------------------------------------------------


def _check_toolsets(config: Config, source: Source) -> Iterator[ConfigIssue]:
    kinds = registries.toolset_kinds()
    for name, spec in config.toolsets.items():
        base: Path = ("toolsets", name)
        if spec.kind not in kinds:
            path = (*base, "kind")
            yield ConfigIssue(
                source.locate(path),
                path,
                f"unknown toolset kind {spec.kind!r}",
                suggest(spec.kind, kinds),
            )
            continue
        store = spec.options.get("store")
        if spec.kind == "retrieval" and isinstance(store, str) and store not in config.retrieval:
            path = (*base, "store")
            yield ConfigIssue(
                source.locate(path),
                path,
                f"unknown store {store!r}",
                suggest(store, config.retrieval) + "; stores are defined under retrieval:",
            )
            continue
        options = resolve_toolset_options(config, spec.kind, spec.options)
        yield from _validate_block(kinds[spec.kind], options, base, source, f"{spec.kind}: ")
        if spec.kind == "python":
            for index, tool in enumerate(options.get("tools") or []):
                if isinstance(tool, str):
                    path = (*base, "tools", index)
                    problem = import_problem(tool)
                    if problem:
                        yield ConfigIssue(source.locate(path), path, problem[0], problem[1])


def resolve_toolset_options(config: Config, kind: str, options: dict[str, Any]) -> dict[str, Any]:
    """Options with a ``store: NAME`` reference replaced by that store's settings."""
    store = options.get("store")
    if kind == "retrieval" and isinstance(store, str) and store in config.retrieval:
        return {**options, "store": store_settings(config, store)}
    return options


def store_settings(config: Config, name: str) -> dict[str, Any]:
    """The settings of store ``name``: the ``embedder`` role is the default embedder and a
    relative ``path`` resolves against the config file's folder."""
    settings = dict(config.retrieval[name])
    embedder = config.models.get("embedder")
    if "embedder" not in settings and isinstance(embedder, str):
        settings["embedder"] = embedder
    path = settings.get("path")
    if isinstance(path, str):
        settings["path"] = str(config.base_dir / path)
    return settings


def _check_stores(config: Config, source: Source) -> Iterator[ConfigIssue]:
    model = registries.store_settings_model()
    for name in config.retrieval:
        settings = store_settings(config, name)
        yield from _validate_block(model, settings, ("retrieval", name), source)


def _validate_block(
    model: Any, data: Any, base: Path, source: Source, what: str = ""
) -> Iterator[ConfigIssue]:
    try:
        model.model_validate(data)
    except ValidationError as error:
        yield from issues_from(error, model, data, source, base, what)
    except ConfigValidationError as error:
        yield from error.issues
