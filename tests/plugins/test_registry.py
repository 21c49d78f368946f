"""The generic registry, and the layering at run time (import-linter cannot see importlib)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import BaseModel, ConfigDict

from interlace.plugins.registry import Registry
from interlace.protocols.errors import ConfigError, ModelReferenceError


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid")

    size: int = 1


def test_layers_hold_at_run_time() -> None:
    code = (
        "import sys\n"
        "from interlace.runtimes import resolve_backend\n"
        "from interlace.tools.registry import build_toolset, get_toolset_kind\n"
        "resolve_backend('scripted:hello')\n"
        "resolve_backend('reverse:x')\n"  # a plugin backend: the host loads every plugin
        "get_toolset_kind('mcp'); build_toolset('builtin', {'tools': ['calculator']})\n"
        "print(sorted(m for m in sys.modules if m.startswith('interlace.agents')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_names_suggest_the_nearest_and_list_the_known() -> None:
    registry: Registry[object] = Registry("widget", "register_widgets", error=ConfigError)
    registry.add("sprocket", object(), {})
    registry.add("gear", object(), {})
    with pytest.raises(ConfigError, match=r"unknown widget 'sprockt'; did you mean 'sprocket'\?"):
        registry.get("sprockt")
    with pytest.raises(ConfigError, match=r"\(known: gear, sprocket\)"):
        registry.entry("bolt")


def test_lazy_targets_and_metadata_import_on_first_use() -> None:
    registry: Registry[object] = Registry("widget", "register_widgets", lazy=("options",))
    registry.add(
        "opts", "tests.plugins.test_registry:_Options", {"options": f"{__name__}:_Options"}
    )
    entry = registry.entry("opts")
    assert entry.target == "tests.plugins.test_registry:_Options"  # not imported yet
    assert registry.get("opts") is _Options
    assert registry.metadata("opts", "options") is _Options
    assert registry.validate("opts", {"size": "2"}) == _Options(size=2)
    with pytest.raises(
        LookupError, match=r"sizes: unknown key; did you mean 'size'\? known options: size"
    ):
        registry.validate("opts", {"sizes": 2})


def test_taken_names_need_replace() -> None:
    registry: Registry[object] = Registry("widget", "register_widgets", error=ConfigError)
    first, second = object(), object()
    registry.register("w", first)
    registry.register("w", first)  # the same registration again is harmless
    with pytest.raises(ConfigError, match="already registered; pass replace=True"):
        registry.register("w", second)
    registry.register("w", second, replace=True)
    assert registry.get("w") is second


def test_builtins_fill_registries_through_the_hooks() -> None:
    from interlace.runtimes.registry import BACKENDS

    entry = BACKENDS.entry("litellm")
    assert entry.plugin == "interlace (built-in)"
    assert entry.get("remote") is True
    with pytest.raises(ModelReferenceError, match="did you mean 'llamacpp'"):
        BACKENDS.entry("llamacp")
