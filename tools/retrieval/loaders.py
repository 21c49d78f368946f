"""Read files into titled sections: text, Markdown, HTML, PDF and source code.

A file that cannot be used raises :class:`SkipFile` with the reason, so ingestion lists it
as skipped instead of failing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from interlace.protocols.errors import ControlFlow

from .html import parse_html

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdx"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
CODE_SUFFIXES = frozenset(
    [
        ".py",
        ".pyi",
        ".js",
        ".mjs",
        ".cjs",
        ".ts",
        ".tsx",
        ".jsx",
        ".go",
        ".rs",
        ".java",
        ".kt",
        ".kts",
        ".c",
        ".h",
        ".cc",
        ".cpp",
        ".cxx",
        ".hpp",
        ".cs",
        ".rb",
        ".php",
        ".swift",
        ".scala",
        ".sh",
        ".bash",
        ".zsh",
        ".sql",
        ".lua",
        ".r",
        ".jl",
        ".pl",
        ".ex",
        ".exs",
        ".hs",
        ".ml",
        ".dart",
        ".vue",
        ".svelte",
        ".css",
        ".scss",
    ]
)
SNIFF_BYTES = 8192


class SkipFile(ControlFlow):
    """This file is not ingested; ``reason`` says why (shown to the user)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Section:
    """A run of text under one heading (or on one PDF page)."""

    text: str
    heading: str = ""
    page: int | None = None


@dataclass(frozen=True)
class Document:
    """A loaded file: its title, kind and sections; ``sha256`` of its bytes."""

    source: str
    title: str
    kind: str
    sha256: str
    sections: list[Section] = field(default_factory=list)


def load_file(path: Path, *, max_bytes: int) -> Document:
    """Load ``path`` into a :class:`Document`; raise :class:`SkipFile` when unusable."""
    data = _read_bytes(path, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        kind, (title, sections) = "pdf", _pdf_sections(path, data)
    else:
        text = _decode(data)
        kind = _kind_of(suffix)
        title, sections = _PARSERS[kind](text, path)
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        raise SkipFile("no text found (empty file, or a PDF without a text layer)")
    return Document(str(path), title or path.stem, kind, digest, sections)


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SkipFile(
                f"too large ({size:,} bytes > {max_bytes:,}); "
                "raise chunking.max_file_bytes to ingest it"
            )
        data = path.read_bytes()
    except SkipFile:
        raise
    except OSError as error:
        raise SkipFile(f"unreadable: {error.strerror or error}") from error
    if not data.strip():
        raise SkipFile("empty file")
    return data


def _decode(data: bytes) -> str:
    if b"\x00" in data[:SNIFF_BYTES]:
        raise SkipFile("binary file (not text, Markdown, HTML, PDF or source code)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SkipFile(f"not UTF-8 text ({error.reason} at byte {error.start})") from error


def _kind_of(suffix: str) -> str:
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in CODE_SUFFIXES:
        return "code"
    return "text"


# --- Markdown and plain text ---------------------------------------------------------------

_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_UNDERLINE = re.compile(r"^(=+|-+|~+|\^+|\*+)[ \t]*$")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:\s*['\"]?(.+?)['\"]?\s*$", re.MULTILINE)


class _Outline:
    """Collects sections under a stack of headings."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []
        self.sections: list[Section] = []
        self.lines: list[str] = []
        self.first_h1 = ""

    def flush(self) -> None:
        text = "\n".join(self.lines).strip()
        if text:
            self.sections.append(Section(text, " > ".join(h for _, h in self.stack)))
        self.lines = []

    def heading(self, level: int, title: str) -> None:
        self.flush()
        if level == 1 and not self.first_h1:
            self.first_h1 = title
        self.stack = [(lvl, h) for lvl, h in self.stack if lvl < level] + [(level, title)]


def _markdown_sections(text: str, path: Path) -> tuple[str, list[Section]]:
    return _outline_sections(text, atx=True)


def _text_sections(text: str, path: Path) -> tuple[str, list[Section]]:
    """Plain text: only underlined (setext / reStructuredText) headings count."""
    return _outline_sections(text, atx=False)


def _outline_sections(text: str, *, atx: bool) -> tuple[str, list[Section]]:
    title = ""
    front = _FRONT_MATTER.match(text)
    if front:
        found = _FRONT_TITLE.search(front.group(1))
        title = found.group(1) if found else ""
        text = text[front.end() :]
    outline = _Outline()
    lines = text.splitlines()
    fenced = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        heading = _ATX.match(line) if atx and not fenced else None
        if heading:
            outline.heading(len(heading.group(1)), heading.group(2).strip())
        elif not fenced and _is_setext(lines, index):
            continue
        elif not fenced and index > 0 and _is_setext(lines, index - 1):
            level = 1 if line.lstrip().startswith("=") else 2
            outline.heading(level, lines[index - 1].strip())
        else:
            outline.lines.append(line)
    outline.flush()
    return title or outline.first_h1, outline.sections


def _is_setext(lines: list[str], index: int) -> bool:
    """Whether ``lines[index]`` is a heading underlined by the next line."""
    if index + 1 >= len(lines) or not lines[index].strip():
        return False
    underline = lines[index + 1].strip()
    return bool(_UNDERLINE.match(underline)) and len(underline) >= 3


def _html_sections(text: str, path: Path) -> tuple[str, list[Section]]:
    title, parts = parse_html(text)
    return title, [Section(body, heading) for heading, body in parts]


# --- source code ---------------------------------------------------------------------------

_DEFINITION = re.compile(
    r"^(?:export\s+)?(?:pub(?:\([a-z]+\))?\s+)?(?:async\s+)?"
    r"(?:def|class|function|func|fn|interface|struct|enum|trait|impl|module|type)\s+\S"
)


def _code_sections(text: str, path: Path) -> tuple[str, list[Section]]:
    """Split source at top-level definitions; each one's first line is its heading."""
    sections: list[Section] = []
    heading, lines = "", list[str]()
    for line in text.splitlines():
        if _DEFINITION.match(line):
            sections.append(Section("\n".join(lines), heading))
            heading, lines = line.strip().rstrip(":{").strip(), []
        lines.append(line)
    sections.append(Section("\n".join(lines), heading))
    return path.name, sections


# --- PDF -----------------------------------------------------------------------------------


def _pdf_sections(path: Path, data: bytes) -> tuple[str, list[Section]]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SkipFile("encrypted PDF (needs a password)")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
        title = str(meta.title) if meta is not None and meta.title else ""
    except SkipFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise SkipFile(f"unreadable PDF: {error}") from error
    return title or path.stem, [Section(t, "", n) for n, t in enumerate(pages, 1)]


_PARSERS: dict[str, Callable[[str, Path], tuple[str, list[Section]]]] = {
    "markdown": _markdown_sections,
    "text": _text_sections,
    "html": _html_sections,
    "code": _code_sections,
}
