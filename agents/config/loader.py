"""``load_config``: YAML file -> overrides -> ``${ENV}`` -> schema -> registry checks."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import ConfigIssue, ConfigValidationError
from .interpolate import interpolate
from .overrides import apply_overrides
from .resolve import resolve_config
from .schema import Config
from .source import parse_yaml
from .templates import expand_templates
from .validation import validate_model


def load_config(
    path: str | Path,
    overrides: Sequence[str] = (),
    *,
    environ: Mapping[str, str] | None = None,
    require_agents: bool = True,
) -> Config:
    """Load and fully check one YAML config; raise :class:`ConfigValidationError` if wrong.

    ``overrides`` are ``key.path=value`` strings (the CLI's ``--set``); ``environ``
    replaces ``os.environ`` for ``${VAR}`` interpolation (tests); ``require_agents=False``
    accepts a config without agents (``interlace ingest`` needs only its stores).
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigValidationError(
            [ConfigIssue(str(file), (), f"cannot read the config file: {reason}", "check the path")]
        ) from None
    config = load_config_text(
        text,
        str(file),
        overrides,
        environ=environ,
        base_dir=file.parent,
        require_agents=require_agents,
    )
    config.attach_origin(str(file.resolve()), tuple(overrides))
    return config


def load_config_text(
    text: str,
    file: str = "<config>",
    overrides: Sequence[str] = (),
    *,
    environ: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
    require_agents: bool = True,
) -> Config:
    """Like :func:`load_config`, from YAML text (``file`` names it in messages)."""
    data, source = parse_yaml(text, file)
    folder = Path(base_dir or Path.cwd()).resolve()
    if not isinstance(data, dict):
        raise ConfigValidationError(
            [
                ConfigIssue(
                    f"{file}:1:1",
                    (),
                    "the config must be a mapping of sections",
                    "start with keys such as models:, agents:",
                )
            ]
        )
    data, issues = apply_overrides(data, overrides, source)
    data, missing = interpolate(data, source, environ)
    issues += missing
    if issues:
        raise ConfigValidationError(issues)
    config = validate_model(Config, data, source)
    config.attach_source(source, folder)
    _importable(folder)
    _apply_plugin_allowlist(config)
    issues = list(expand_templates(config, source))
    resolved, problems = resolve_config(config, source, require_agents=require_agents)
    issues += problems
    if issues:
        raise ConfigValidationError(issues)
    config.attach_resolved(resolved)
    return config


def _importable(folder: Path) -> None:
    """Tool modules next to the config file import by name (``my_tools:search``)."""
    if str(folder) not in sys.path:
        sys.path.append(str(folder))


def redacted(config: Config) -> dict[str, Any]:
    """The config as data with every value from the environment shown as its template."""
    data: dict[str, Any] = config.model_dump(mode="json", exclude_unset=False)
    source = config.source
    if source is None:
        return data
    for path, template in source.secrets.items():
        node: Any = data
        for part in path[:-1]:
            node = _child(node, part)
        if _child(node, path[-1]) is not None:
            node[path[-1]] = template
    return data


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _apply_plugin_allowlist(config: Config) -> None:
    """Reload plugins under the config's allowlist before names are checked."""
    from interlace.plugins import ensure_loaded, reload_plugins

    allow = config.plugins.allow
    if allow is not None and ensure_loaded().allow != frozenset(allow):
        reload_plugins(allow)
