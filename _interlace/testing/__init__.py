"""The test kit plugin authors (and interlace itself) test with.

Test doubles: :class:`ScriptedBackend` replays a script of answers, :class:`FunctionBackend`
answers each request with a function of it (text, tool calls, a full response or an
exception), ``call("tool", x=1)`` makes a tool call. Conformance suites, capability-aware:
:class:`ToolCallConformance` / :class:`TextOnlyConformance` for backends (``suite_for``
picks by the declared capabilities), :class:`ToolsetConformance` for any toolset (a
read-only one included) and :class:`EchoFailConformance` for test toolsets. Subclass one
in a test module, or run one command::

    python -m interlace.testing backend reverse:demo
    python -m interlace.testing backend mypkg.backends:make_backend
    python -m interlace.testing toolset glossary --options '{"file": "g.txt"}' \\
        --call define '{"term": "gguf"}' --expect "file format"

The suites need pytest (``pip install 'interlace[testing]'``); the doubles do not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from interlace.plugins.registry import lazy_exports
from interlace.runtimes.scripted import FunctionBackend, ScriptedBackend, as_response, call

if TYPE_CHECKING:
    from .backend_suite import (
        BackendConformance,
        TextOnlyConformance,
        ToolCallConformance,
        suite_for,
    )
    from .toolset_suite import EchoFailConformance, ToolsetConformance

_SUITES = {
    "BackendConformance": "backend_suite",
    "TextOnlyConformance": "backend_suite",
    "ToolCallConformance": "backend_suite",
    "suite_for": "backend_suite",
    "EchoFailConformance": "toolset_suite",
    "ToolsetConformance": "toolset_suite",
}


__getattr__ = lazy_exports(__name__, _SUITES)

__all__ = [
    "BackendConformance",
    "EchoFailConformance",
    "FunctionBackend",
    "ScriptedBackend",
    "TextOnlyConformance",
    "ToolCallConformance",
    "ToolsetConformance",
    "as_response",
    "call",
    "suite_for",
]
