"""The plugin's toolset kind: ``kind: glossary`` looks terms up in a text file.

``file`` is a path option: a relative path resolves against the config file's folder,
because the registration says so (``paths=("file",)``), the same way the built-in
``builtin`` kind resolves ``root``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from interlace.tools import FunctionToolset, Toolset, tool


class GlossaryOptions(BaseModel):
    """``kind: glossary``: ``file`` holds one ``term: definition`` per line."""

    model_config = ConfigDict(extra="forbid")

    file: Path


def glossary_toolset(options: GlossaryOptions) -> Toolset:
    """A toolset with one tool, ``define(term)``."""
    lines = options.file.read_text(encoding="utf-8").splitlines()
    entries = dict(line.split(":", 1) for line in lines if ":" in line)
    terms = {term.strip().lower(): text.strip() for term, text in entries.items()}

    @tool
    def define(term: str) -> str:
        """Look a term up in the glossary.

        Args:
            term: The term to define.
        """
        found = terms.get(term.strip().lower())
        return f"{term}: {found}" if found else f"{term} is not in the glossary"

    return FunctionToolset([define])
