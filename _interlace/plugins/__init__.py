"""Plugins: any pip package can add backends, planners, toolset kinds, tools, retrieval
stores, agent templates, server protocols and CLI commands.

A plugin is a module named by an entry point in the group ``interlace``::

    [project.entry-points.interlace]
    my_plugin = "my_package.plugin"

and implements any hook of :mod:`interlace.plugins.hookspecs` with ``@hookimpl``.
Built-ins register through the same hooks. A plugin that fails to import or raises in a
hook is reported (``interlace plugins``) and skipped; ``INTERLACE_PLUGINS=a,b`` (or the
config's ``plugins.allow``) restricts which third-party plugins load.

This package is the bottom layer of interlace: it imports nothing above itself. Every
pluggable kind is a :class:`~interlace.plugins.registry.Registry` owned by the layer that
uses it; importing :mod:`interlace.plugins.registry` does not import pluggy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import lazy_exports

if TYPE_CHECKING:
    from .hookspecs import hookimpl
    from .manager import (
        ALLOW_ENV,
        ENTRY_POINT_GROUP,
        PluginHost,
        PluginInfo,
        allowlist_from_env,
        ensure_loaded,
        reload_plugins,
    )
    from .registry import Entry, Registry

_EXPORTS = {
    "hookimpl": "hookspecs",
    "ALLOW_ENV": "manager",
    "ENTRY_POINT_GROUP": "manager",
    "PluginHost": "manager",
    "PluginInfo": "manager",
    "allowlist_from_env": "manager",
    "ensure_loaded": "manager",
    "reload_plugins": "manager",
    "Entry": "registry",
    "Registry": "registry",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "ALLOW_ENV",
    "ENTRY_POINT_GROUP",
    "Entry",
    "PluginHost",
    "PluginInfo",
    "Registry",
    "allowlist_from_env",
    "ensure_loaded",
    "hookimpl",
    "reload_plugins",
]
