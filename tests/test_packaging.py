"""The folder mapping holds for a normal wheel as well as the editable install."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MODULES = [
    "interlace.protocols.openai_wire",
    "interlace.runtimes.llamacpp",
    "interlace.tools.mcp",
    "interlace.tools.retrieval",
    "interlace.agents.cli",
    "interlace.agents.serve",
    "interlace.plugins",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(REPO)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (found,) = out.glob("interlace-*.whl")
    return found


def test_wheel_contains_the_mapped_packages_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("interlace-")}
    assert tops == {"interlace"}  # nothing generic like tools/ or agents/ at top level
    for path in ("protocols/messages.py", "runtimes/base.py", "tools/base.py", "agents/runner.py"):
        assert f"interlace/{path}" in names
    assert "interlace/plugins/hookspecs.py" in names
    assert "interlace/py.typed" in names
    for asset in ("index.html", "app.js", "markdown.js", "style.css", "login.html"):
        assert f"interlace/agents/serve/web/static/{asset}" in names  # the web page ships


def test_wheel_install_imports_from_the_installed_copy(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    code = (
        "import importlib, sys\n"
        f"sys.path.insert(0, {str(target)!r})\n"
        f"for name in {MODULES!r}:\n"
        "    module = importlib.import_module(name)\n"
        f"    assert module.__file__.startswith({str(target)!r}), module.__file__\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_editable_install_maps_the_folders() -> None:
    code = "import interlace.protocols, interlace.agents; print(interlace.protocols.__file__)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd="/", check=True
    )
    assert Path(result.stdout.strip()) == REPO / "protocols" / "__init__.py"
