"""Every documented form of ``kind: python`` tools (docs/config.md, docs/tools.md) works,
and validate refuses exactly what building would."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest

from interlace.agents.config import ConfigValidationError, load_config
from interlace.agents.system import build_system

MODULE = '''
from interlace.tools import tool


@tool
def shout_{tag}(text: str) -> str:
    """Shout the text."""
    return text.upper()


def whisper_{tag}(text: str) -> str:
    """Whisper the text (a plain function)."""
    return text.lower()
'''


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, str]:
    """A config folder with a module and a package next to it; names unique per test, as
    modules stay imported for the whole session."""
    tag = uuid.uuid4().hex[:8]
    (tmp_path / f"mytools_{tag}.py").write_text(MODULE.format(tag=tag))
    package = tmp_path / f"mypkg_{tag}"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "more.py").write_text(MODULE.format(tag=f"{tag}_more"))
    return tmp_path, tag


async def test_documented_python_tool_forms(folder: tuple[Path, str]) -> None:
    path, tag = folder
    config = path / "app.yaml"
    config.write_text(
        textwrap.dedent(
            f"""
            models: {{default: 'scripted:ok'}}
            agents:
              a:
                toolsets: [by_name, by_path]
                tools: [calculator, "mytools_{tag}:whisper_{tag}"]
            toolsets:
              by_name: {{kind: python, tools: ["mytools_{tag}"]}}
              by_path:
                kind: python
                tools: ["mypkg_{tag}.more", "mypkg_{tag}.more:whisper_{tag}_more"]
            """
        )
    )
    system = build_system(load_config(config))
    async with system:
        names = sorted(
            [spec.name for ts in system.agents["a"].toolsets for spec in await ts.list_tools()]
        )
    assert names == sorted(
        [
            f"shout_{tag}",
            f"shout_{tag}_more",
            f"whisper_{tag}_more",
            "calculator",
            f"whisper_{tag}",
        ]
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("mytools_nope", "unknown tool 'mytools_nope'"),
        ("mytools_{tag}:nope", "has no tool 'nope'"),
        ("missing_pkg_zz.tools", "cannot import tool module 'missing_pkg_zz.tools'"),
    ],
)
def test_bad_python_tools_fail_validation(
    folder: tuple[Path, str], entry: str, message: str
) -> None:
    path, tag = folder
    config = path / "app.yaml"
    config.write_text(
        "models: {default: 'scripted:ok'}\nagents:\n  a: {toolsets: [mine]}\n"
        f"toolsets:\n  mine: {{kind: python, tools: ['{entry.format(tag=tag)}']}}\n"
    )
    with pytest.raises(ConfigValidationError, match=message):
        load_config(config)
