"""``python -m interlace.testing backend|toolset TARGET ...``: run a conformance suite.

``backend TARGET``: a model reference (``reverse:demo``, through the backend registry) or
a ``module:function`` that builds a backend. ``toolset TARGET``: a toolset kind (options
from ``--options JSON``, through the registry) or a ``module:function`` that builds a
toolset; ``--call TOOL JSON`` is a call that succeeds and ``--expect TEXT`` text its
result contains (without ``--call`` the toolset must offer ``echo`` and ``fail``).
Further arguments go to pytest. The exit status is pytest's (0: the suite passed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

_MODULE = """\
from interlace.testing.cases import backend_case, toolset_case

{line}
"""
_CONFTEST = """\
import pytest


@pytest.fixture
def anyio_backend():
    return "asyncio"  # the event loop interlace runs on
"""


def _arguments(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="python -m interlace.testing", description=__doc__)
    kinds = parser.add_subparsers(dest="kind", required=True)
    backend = kinds.add_parser("backend", help="run the backend conformance suite")
    backend.add_argument("target", help="a model reference or module:function")
    toolset = kinds.add_parser("toolset", help="run the toolset conformance suite")
    toolset.add_argument("target", help="a toolset kind or module:function")
    toolset.add_argument("--options", default="{}", help="the kind's options as JSON")
    toolset.add_argument("--call", nargs=2, metavar=("TOOL", "JSON"), help="a call that works")
    toolset.add_argument("--expect", default="", help="text the call's result contains")
    return parser.parse_known_args(argv)


def _test_line(options: argparse.Namespace) -> str:
    if options.kind == "backend":
        return f"TestBackend = backend_case({options.target!r})"
    from .cases import parse_call

    sample = parse_call(*options.call) if options.call else None
    return (
        f"TestToolset = toolset_case({options.target!r}, __import__('json').loads("
        f"{options.options!r}), {sample!r}, {options.expect!r})"
    )


def main(argv: list[str] | None = None) -> int:
    """Write a test module for the target and run pytest on it."""
    import pytest

    options, extra = _arguments(argv)
    with tempfile.TemporaryDirectory(prefix="interlace-conformance-") as folder:
        module = Path(folder) / f"test_{options.kind}_conformance.py"
        module.write_text(_MODULE.format(line=_test_line(options)), encoding="utf-8")
        (Path(folder) / "conftest.py").write_text(_CONFTEST, encoding="utf-8")
        ini = Path(folder) / "pytest.ini"
        ini.write_text("[pytest]\n", encoding="utf-8")
        args = ["-c", str(ini), "--rootdir", folder, "-p", "no:cacheprovider", "-q", str(module)]
        args += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]  # anyio is imported already
        return int(pytest.main([*args, *extra]))


if __name__ == "__main__":
    sys.exit(main())
