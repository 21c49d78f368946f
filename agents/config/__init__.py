"""One YAML file describes a whole system: models by role, agents, toolsets, stores, graph.

``load_config(path, overrides)`` parses, interpolates ``${ENV}``, applies ``--set``
overrides, validates the schema and resolves every name through the registries; errors
name the file, line and key path and suggest the nearest valid name.
"""

from .errors import ConfigIssue, ConfigValidationError
from .loader import load_config, load_config_text, redacted
from .resolved import ModelUse, ResolvedAgent, ResolvedConfig, ResolvedStore, ResolvedToolset
from .schema import AgentSpec, Config, ToolsetSpec

__all__ = [
    "AgentSpec",
    "Config",
    "ConfigIssue",
    "ConfigValidationError",
    "ModelUse",
    "ResolvedAgent",
    "ResolvedConfig",
    "ResolvedStore",
    "ResolvedToolset",
    "ToolsetSpec",
    "load_config",
    "load_config_text",
    "redacted",
]
