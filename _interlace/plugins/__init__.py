"""Plugins: any pip package can add backends, toolset kinds, tools, planners, agents,
retrieval stores and CLI commands.

A plugin is a module named by an entry point in the group ``interlace``::

    [project.entry-points.interlace]
    my_plugin = "my_package.plugin"

and implements any hook of :mod:`interlace.plugins.hookspecs` with ``@hookimpl``.
Built-ins register through the same hooks. A plugin that fails to import or raises in a
hook is reported (``interlace plugins``) and skipped; ``INTERLACE_PLUGINS=a,b`` (or the
config's ``plugins.allow``) restricts which third-party plugins load.
"""

from .hookspecs import hookimpl
from .manager import (
    ALLOW_ENV,
    ENTRY_POINT_GROUP,
    EXTRAS,
    PluginHost,
    PluginInfo,
    allowlist_from_env,
    ensure_loaded,
    reload_plugins,
)

__all__ = [
    "ALLOW_ENV",
    "ENTRY_POINT_GROUP",
    "EXTRAS",
    "PluginHost",
    "PluginInfo",
    "allowlist_from_env",
    "ensure_loaded",
    "hookimpl",
    "named_tool",
    "reload_plugins",
]


def named_tool(name: str) -> object | None:
    """A tool a plugin registered under ``name`` (None when there is none)."""
    ensure_loaded()
    return EXTRAS["tool"].get(name)
