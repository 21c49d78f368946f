"""The one pass after the schema: resolve every name through its registry and every cross
reference, into a frozen :class:`~.resolved.ResolvedConfig` plus the problems found.

Each section resolves what it can and reports the rest as located :class:`ConfigIssue`
objects, so one run reports every problem at once. More checks over the resolved config
go in :data:`CHECKS` (each reads the resolved config and yields issues).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from interlace.protocols.errors import ConfigError, UsageError

from .errors import ConfigIssue, ConfigValidationError, suggest
from .graphs import all_graphs, check_graphs, entry_name
from .reach import offline_issues, toolset_issues
from .resolved import (
    NOT_CHAT_ROLES,
    ModelUse,
    ResolvedAgent,
    ResolvedConfig,
    ResolvedStore,
    ResolvedToolset,
    frozen,
)
from .schema import AgentSpec, Config, SupervisorGraph
from .source import Path, Source
from .validation import issues_from

if TYPE_CHECKING:
    from interlace.tools.selection import ToolSelection

Issues = list[ConfigIssue]
Check = Callable[[ResolvedConfig, Source], Iterable[ConfigIssue]]


def _graph_issues(resolved: ResolvedConfig, source: Source) -> Iterable[ConfigIssue]:
    return check_graphs(resolved.config, source)


CHECKS: list[Check] = [_graph_issues, offline_issues, toolset_issues]
"""Checks that run on the resolved config, after every section resolved."""


def resolve_config(
    config: Config, source: Source, *, require_agents: bool = True
) -> tuple[ResolvedConfig, Issues]:
    """The resolved config and every problem the schema alone cannot see.
    ``require_agents=False`` accepts a config without agents (one that only describes
    stores, for ``interlace ingest``)."""
    issues: Issues = []
    models = _resolve_roles(config, source, issues)
    stores = _resolve_stores(config, source, issues)
    resolved = ResolvedConfig(
        config,
        models=frozen(models),
        agents=frozen(_resolve_agents(config, source, models, issues, require_agents)),
        toolsets=frozen(_resolve_toolsets(config, source, stores, issues)),
        stores=frozen(stores),
        graphs=frozen(all_graphs(config)),
        entry=entry_name(config),
        checkpoints=_resolve_checkpoints(config, source, issues),
    )
    for check in CHECKS:
        issues.extend(check(resolved, source))
    return resolved, issues


def ensure_resolved(config: Config) -> ResolvedConfig:
    """``config.resolved``, resolving a config made without the loader first (problems
    raise :class:`ConfigValidationError`)."""
    try:
        return config.resolved
    except ConfigValidationError:
        raise
    except ConfigError:
        resolved, issues = resolve_config(config, config.source or Source("<config>"))
        if issues:
            raise ConfigValidationError(issues) from None
        config.attach_resolved(resolved)
        return resolved


def _issue(source: Source, path: Path, message: str, hint: str = "") -> ConfigIssue:
    return ConfigIssue(source.locate(path), path, message, hint)


def validated(
    model: type[BaseModel], data: Any, base: Path, source: Source, issues: Issues, what: str = ""
) -> Any:
    """``data`` validated as ``model``, or ``None`` with its problems added to ``issues``."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        issues.extend(issues_from(error, model, data, source, base, what))
    except ConfigValidationError as error:
        issues.extend(error.issues)
    except UsageError as error:
        issues.append(_issue(source, base, f"{what}{error}"))
    return None


# --- models --------------------------------------------------------------------------------


def _resolve_roles(config: Config, source: Source, issues: Issues) -> dict[str, ModelUse]:
    found: dict[str, ModelUse] = {}
    for role, raw in config.models.items():
        path: Path = ("models", role)
        if role not in NOT_CHAT_ROLES:
            use = model_use(raw, path, config, source, issues)
            if use is not None:
                found[role] = use
        elif not isinstance(raw, str):
            issues.append(
                _issue(
                    source,
                    path,
                    "the embedder role takes a string",
                    "'default' (the packaged MiniLM) or a local model folder",
                )
            )
    return found


def model_use(
    raw: str | Mapping[str, Any], path: Path, config: Config, source: Source, issues: Issues
) -> ModelUse | None:
    """One model reference parsed and checked: known backend, valid options, allowed by
    ``offline``. Problems of a secret reference never show its value."""
    from interlace.runtimes.refs import parse_model_ref
    from interlace.runtimes.registry import BACKENDS, backend_options, is_remote

    secret = source.is_secret(path)
    shown = source.secrets.get(path, "(secret)") if secret else display(raw)
    named = "the reference" if secret else repr(shown)
    try:
        ref = parse_model_ref(raw)
    except UsageError as error:
        issues.append(_issue(source, path, "invalid model reference" if secret else str(error)))
        return None
    if ref.scheme not in BACKENDS:
        message = f"unknown backend {ref.scheme!r} in {named}"
        issues.append(_issue(source, path, message, suggest(ref.scheme, BACKENDS)))
        return None
    try:
        backend_options(ref)
    except UsageError as error:
        issues.append(_issue(source, path, f"invalid options in {named}" if secret else str(error)))
        return None
    if config.offline.strict and is_remote(ref):
        issues.append(
            _issue(
                source,
                path,
                f"offline: strict forbids the remote provider model {named}",
                "use llamacpp:... or an openai: server you run, or set offline: off",
            )
        )
        return None
    return ModelUse(raw, ref, path, shown)


def display(raw: str | Mapping[str, Any]) -> str:
    """A reference as shown to users: the string, or a block's keys without credentials."""
    if isinstance(raw, str):
        return raw
    safe = {key: value for key, value in raw.items() if "key" not in key and "token" not in key}
    return ", ".join(f"{key}={value}" for key, value in safe.items())


def _agent_model(
    config: Config, spec: AgentSpec, base: Path, source: Source, roles: Mapping[str, ModelUse]
) -> tuple[ModelUse | None, list[ConfigIssue]]:
    """An agent's model: a role name (``default`` when unset) or a reference of its own."""
    issues: Issues = []
    if spec.model is not None and not _names_role(spec.model):
        return model_use(spec.model, (*base, "model"), config, source, issues), issues
    role = spec.model if isinstance(spec.model, str) else "default"
    if role in roles:
        return roles[role], issues
    if role in config.models and role not in NOT_CHAT_ROLES:
        return None, issues  # the role itself is wrong; reported there
    chat_roles = [name for name in config.models if name not in NOT_CHAT_ROLES]
    if spec.model is None:
        issues.append(
            ConfigIssue(
                source.locate(base),
                (*base, "model"),
                "the agent names no model and 'models' has no 'default' role",
                "set model: llamacpp:default on the agent, or add models: {default: ...}",
            )
        )
    else:
        hint = suggest(role, chat_roles) + "; or write a reference such as llamacpp:default"
        issues.append(_issue(source, (*base, "model"), f"unknown model role {role!r}", hint))
    return None, issues


def _names_role(model: str | Mapping[str, Any]) -> bool:
    """Whether an agent's ``model`` names a role of ``models`` (a string without ':')."""
    return isinstance(model, str) and ":" not in model


# --- agents --------------------------------------------------------------------------------


def _resolve_agents(
    config: Config,
    source: Source,
    roles: Mapping[str, ModelUse],
    issues: Issues,
    required: bool = True,
) -> dict[str, ResolvedAgent]:
    from interlace.agents.agent import AGENT_NAME, Agent, HistoryPolicy, Limits
    from interlace.agents.decisions import AUTO, DECISION_FORMATS
    from interlace.agents.planners import PLANNERS
    from interlace.protocols import SamplingSettings

    if not config.agents and required:
        issues.append(
            _issue(
                source,
                ("agents",),
                "the config defines no agents",
                "add an 'agents:' section with at least one agent",
            )
        )
    supervisors = _supervisors(config)
    found: dict[str, ResolvedAgent] = {}
    for name, spec in config.agents.items():
        base: Path = ("agents", name)
        before = len(issues)
        if not AGENT_NAME.match(name):
            issues.append(
                _issue(
                    source,
                    base,
                    f"agent name {name!r} is not valid",
                    "use a letter then letters, digits, '_' or '-' (at most 64 characters)",
                )
            )
        model, problems = _agent_model(config, spec, base, source, roles)
        issues.extend(problems)
        default_planner = "router" if name in supervisors else Agent.model_fields["planner"].default
        planner = spec.planner or default_planner
        if spec.planner is not None and spec.planner not in PLANNERS:
            path = (*base, "planner")
            hint = suggest(spec.planner, PLANNERS)
            issues.append(_issue(source, path, f"unknown planner {spec.planner!r}", hint))
        _check_agent_tools(config, spec, base, source, issues)
        limits = validated(Limits, spec.limits, (*base, "limits"), source, issues)
        sampling = validated(SamplingSettings, spec.sampling, (*base, "sampling"), source, issues)
        history = validated(HistoryPolicy, spec.history, (*base, "history"), source, issues)
        selection = _tool_selection(config, spec.tool_selection, base, source, issues)
        if spec.decision_format != AUTO and spec.decision_format not in DECISION_FORMATS:
            path = (*base, "decision_format")
            hint = suggest(spec.decision_format, [AUTO, *DECISION_FORMATS])
            what = f"unknown decision format {spec.decision_format!r}"
            issues.append(_issue(source, path, what, hint))
        if model is not None and len(issues) == before:
            found[name] = ResolvedAgent(
                name,
                spec.description,
                spec.instructions,
                model,
                planner,
                tuple(spec.toolsets),
                tuple(spec.tools),
                limits,
                sampling,
                history,
                selection,
                spec.decision_format,
            )
    return found


def _tool_selection(
    config: Config, block: Mapping[str, Any] | None, base: Path, source: Source, issues: Issues
) -> ToolSelection | None:
    """An agent's or toolset's ``tool_selection`` block, validated (the config's
    ``embedder`` role is the default embedder, as for stores)."""
    from interlace.tools.selection import ToolSelection

    if block is None:
        return None
    settings = dict(block)
    embedder = config.models.get("embedder")
    if isinstance(embedder, str):
        settings.setdefault("embedder", embedder)
    checked: ToolSelection | None = validated(
        ToolSelection, settings, (*base, "tool_selection"), source, issues
    )
    return checked


def _check_agent_tools(
    config: Config, spec: AgentSpec, base: Path, source: Source, issues: Issues
) -> None:
    from interlace.tools.kinds import tool_problem

    for index, toolset in enumerate(spec.toolsets):
        if toolset not in config.toolsets:
            path = (*base, "toolsets", index)
            hint = suggest(toolset, config.toolsets)
            issues.append(_issue(source, path, f"unknown toolset {toolset!r}", hint))
    for index, tool in enumerate(spec.tools):
        problem = tool_problem(tool)
        if problem is not None:
            issues.append(_issue(source, (*base, "tools", index), *problem))


def _supervisors(config: Config) -> set[str]:
    """Agents that supervise a graph (their planner defaults to ``router``)."""
    return {
        spec.supervisor
        for _, spec in all_graphs(config).values()
        if isinstance(spec, SupervisorGraph)
    }


# --- toolsets and stores -------------------------------------------------------------------


def _resolve_toolsets(
    config: Config, source: Source, stores: Mapping[str, ResolvedStore], issues: Issues
) -> dict[str, ResolvedToolset]:
    from interlace.tools.registry import TOOLSET_KINDS, toolset_kinds

    kinds = toolset_kinds()
    found: dict[str, ResolvedToolset] = {}
    for name, spec in config.toolsets.items():
        base: Path = ("toolsets", name)
        if spec.kind not in kinds:
            path = (*base, "kind")
            hint = suggest(spec.kind, kinds)
            issues.append(_issue(source, path, f"unknown toolset kind {spec.kind!r}", hint))
            continue
        options = resolve_paths(
            spec.options, TOOLSET_KINDS.metadata(spec.kind, "paths", ()), config
        )
        ready = True
        for key in TOOLSET_KINDS.metadata(spec.kind, "stores", ()):
            store = options.get(key)
            if not isinstance(store, str):
                continue
            if store in stores:
                options[key] = stores[store].settings
            else:
                ready = False
                if store not in config.retrieval:  # else its own problem is reported there
                    hint = (
                        suggest(store, config.retrieval) + "; stores are defined under retrieval:"
                    )
                    issues.append(_issue(source, (*base, key), f"unknown store {store!r}", hint))
        if not ready:
            continue
        model = kinds[spec.kind].options
        checked = validated(model, options, base, source, issues, f"{spec.kind}: ")
        before = len(issues)
        selection = _tool_selection(config, spec.tool_selection, base, source, issues)
        if checked is not None and len(issues) == before:
            found[name] = ResolvedToolset(name, spec.kind, checked, selection)
    return found


def resolve_paths(
    options: Mapping[str, Any], keys: Iterable[str], config: Config
) -> dict[str, Any]:
    """``options`` with the relative paths under ``keys`` made relative to the config
    file's folder (absolute paths and ``~`` stay as written)."""
    from pathlib import Path as FilePath

    resolved = dict(options)
    for key in keys:
        value = resolved.get(key)
        if isinstance(value, str):
            resolved[key] = str(config.base_dir / FilePath(value).expanduser())
    return resolved


def _resolve_stores(config: Config, source: Source, issues: Issues) -> dict[str, ResolvedStore]:
    from interlace.tools.registry import DEFAULT_STORE_TYPE, STORES

    embedder = config.models.get("embedder")
    found: dict[str, ResolvedStore] = {}
    for name, block in config.retrieval.items():
        base: Path = ("retrieval", name)
        kind = str(block.get("type", DEFAULT_STORE_TYPE))
        if kind not in STORES:
            hint = suggest(kind, STORES)
            issues.append(_issue(source, (*base, "type"), f"unknown store type {kind!r}", hint))
            continue
        model = STORES.metadata(kind, "options")
        paths = tuple(STORES.metadata(kind, "paths", ()))
        settings = {key: value for key, value in block.items() if key != "type"}
        if "embedder" in model.model_fields and isinstance(embedder, str):
            settings.setdefault("embedder", embedder)  # the embedder role is the default
        checked = validated(model, resolve_paths(settings, paths, config), base, source, issues)
        if checked is not None:
            found[name] = ResolvedStore(name, kind, checked, paths)
    return found


def _resolve_checkpoints(config: Config, source: Source, issues: Issues) -> Any:
    """The configured checkpointer (``None``: the runner's in-memory default)."""
    from interlace.agents.checkpointers import (
        CHECKPOINTERS,
        DEFAULT_FILE_KIND,
        CheckpointStore,
        shorthand,
    )

    spec = config.checkpoints
    if spec is None:
        return None
    base: Path = ("checkpoints",)
    try:
        block = shorthand(spec) if isinstance(spec, str) else {"type": spec.type, **spec.options}
    except UsageError as error:
        issues.append(_issue(source, base, str(error)))
        return None
    kind = block.pop("type", None) or DEFAULT_FILE_KIND
    if kind not in CHECKPOINTERS:
        hint = suggest(kind, CHECKPOINTERS)
        issues.append(_issue(source, (*base, "type"), f"unknown checkpointer {kind!r}", hint))
        return None
    model = CHECKPOINTERS.metadata(kind, "options")
    paths = CHECKPOINTERS.metadata(kind, "paths", ())
    checked = validated(model, resolve_paths(block, paths, config), base, source, issues)
    return CheckpointStore(kind, checked) if checked is not None else None
