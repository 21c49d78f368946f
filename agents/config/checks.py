"""Checks after the schema: names through registries and cross references.

Each check yields :class:`ConfigIssue` objects so one run reports every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from interlace.protocols import SamplingSettings
from interlace.protocols.errors import ModelReferenceError

from .errors import ConfigIssue, ConfigValidationError, suggest
from .graphs import check_graphs
from .schema import AgentSpec, Config
from .source import Path, Source
from .validation import issues_from

NOT_CHAT_ROLES = frozenset({"embedder"})
"""Roles that name something other than a chat backend (the embedder is a store setting)."""

_AGENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


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
    from interlace.runtimes.registry import backend_schemes, is_remote

    where = source.locate(path)
    shown = "the reference" if source.is_secret(path) else repr(_display(reference))
    try:
        ref = parse_model_ref(reference)
    except ModelReferenceError as error:
        message = str(error) if not source.is_secret(path) else "invalid model reference"
        yield ConfigIssue(where, path, message)
        return
    schemes = backend_schemes()
    if ref.scheme not in schemes:
        yield ConfigIssue(
            where, path, f"unknown backend {ref.scheme!r} in {shown}", suggest(ref.scheme, schemes)
        )
        return
    if config.offline == "strict" and is_remote(ref):
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
    from interlace.agents.agent import Limits
    from interlace.agents.planners import planner_names

    planners = planner_names()
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
        yield from _validate_block(Limits, spec.limits, (*base, "limits"), source)
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
    """An agent's ``tools`` entry: a registered tool name or a ``module:function`` path."""
    from interlace.tools.kinds import tool_problem

    problem = tool_problem(tool)
    if problem:
        yield ConfigIssue(source.locate(path), path, problem[0], problem[1])


# --- toolsets and stores --------------------------------------------------------------------


def _check_toolsets(config: Config, source: Source) -> Iterator[ConfigIssue]:
    from interlace.tools.registry import TOOLSET_KINDS, toolset_kinds

    kinds = toolset_kinds()
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
        store_options = TOOLSET_KINDS.metadata(spec.kind, "stores", ())
        unknown = [
            key
            for key in store_options
            if isinstance(spec.options.get(key), str) and spec.options[key] not in config.retrieval
        ]
        for key in unknown:
            path = (*base, key)
            yield ConfigIssue(
                source.locate(path),
                path,
                f"unknown store {spec.options[key]!r}",
                suggest(spec.options[key], config.retrieval)
                + "; stores are defined under retrieval:",
            )
        if unknown:
            continue
        options = resolve_toolset_options(config, spec.kind, spec.options)
        options_model = kinds[spec.kind].options
        yield from _validate_block(options_model, options, base, source, f"{spec.kind}: ")


def resolve_toolset_options(config: Config, kind: str, options: dict[str, Any]) -> dict[str, Any]:
    """Options with store names replaced by those stores' settings and relative paths
    resolved against the config file's folder (as the kind's registration declares)."""
    from interlace.tools.registry import TOOLSET_KINDS

    resolved = dict(options)
    for key in TOOLSET_KINDS.metadata(kind, "stores", ()):
        if isinstance(resolved.get(key), str) and resolved[key] in config.retrieval:
            resolved[key] = store_settings(config, resolved[key])
    for key in TOOLSET_KINDS.metadata(kind, "paths", ()):
        if isinstance(resolved.get(key), str):
            resolved[key] = str(config.base_dir / resolved[key])
    return resolved


def store_type(config: Config, name: str) -> str:
    """The type of store ``name`` (its ``type`` key; the default store type without)."""
    from interlace.tools.registry import DEFAULT_STORE_TYPE

    return str(config.retrieval[name].get("type", DEFAULT_STORE_TYPE))


def store_settings(config: Config, name: str) -> dict[str, Any]:
    """The settings of store ``name`` (without ``type``): the ``embedder`` role is the
    default embedder, and relative paths (as the store type declares) resolve against
    the config file's folder."""
    from interlace.tools.registry import STORES

    kind = store_type(config, name)
    settings = {key: value for key, value in config.retrieval[name].items() if key != "type"}
    embedder = config.models.get("embedder")
    fields = getattr(STORES.metadata(kind, "options"), "model_fields", {})
    if "embedder" in fields and "embedder" not in settings and isinstance(embedder, str):
        settings["embedder"] = embedder
    for key in STORES.metadata(kind, "paths", ()):
        if isinstance(settings.get(key), str):
            settings[key] = str(config.base_dir / settings[key])
    return settings


def _check_stores(config: Config, source: Source) -> Iterator[ConfigIssue]:
    from interlace.tools.registry import STORES

    for name in config.retrieval:
        kind = store_type(config, name)
        if kind not in STORES:
            path: Path = ("retrieval", name, "type")
            yield ConfigIssue(
                source.locate(path), path, f"unknown store type {kind!r}", suggest(kind, STORES)
            )
            continue
        model = STORES.metadata(kind, "options")
        yield from _validate_block(model, store_settings(config, name), ("retrieval", name), source)


def _validate_block(
    model: Any, data: Any, base: Path, source: Source, what: str = ""
) -> Iterator[ConfigIssue]:
    try:
        model.model_validate(data)
    except ValidationError as error:
        yield from issues_from(error, model, data, source, base, what)
    except ConfigValidationError as error:
        yield from error.issues
