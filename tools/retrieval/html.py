"""Readable text of an HTML page, split at its h1-h6 headings (stdlib parser only)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "head", "nav"})
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "br",
        "tr",
        "table",
        "pre",
        "section",
        "article",
        "blockquote",
        "header",
        "footer",
        "main",
        "aside",
        "dd",
        "dt",
        "dl",
        "figure",
        "figcaption",
        "hr",
        "form",
        "fieldset",
        "details",
        "summary",
    ]
)
_LINES = frozenset({"br", "li", "tr", "dt", "dd"})
_SPACES = re.compile(r"[ \t\r\f\v]+")


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.parts: list[tuple[str, str]] = []
        self._stack: list[tuple[int, str]] = []
        self._text: list[str] = []
        self._heading: list[str] | None = None
        self._heading_level = 0
        self._skip = 0
        self._in_title = False
        self._pre = 0
        self._first_h1 = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _SKIPPED:
            self._skip += 1
        elif tag in _HEADINGS:
            self._flush()
            self._heading, self._heading_level = [], _HEADINGS[tag]
        elif tag in _BLOCKS:
            self._text.append("\n" if tag in _LINES else "\n\n")
        if tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag in _HEADINGS and self._heading is not None:
            title = _SPACES.sub(" ", "".join(self._heading)).strip()
            level = self._heading_level
            self._stack = [(lvl, h) for lvl, h in self._stack if lvl < level] + [(level, title)]
            if level == 1 and not self._first_h1:
                self._first_h1 = title
            self._heading = None
        elif tag in _BLOCKS and tag not in _LINES:
            self._text.append("\n\n")
        if tag == "pre":
            self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._skip:
            return
        if self._heading is not None:
            self._heading.append(data)
        else:
            self._text.append(data if self._pre else _SPACES.sub(" ", data))

    def _flush(self) -> None:
        text = "\n".join(line.strip() for line in "".join(self._text).splitlines())
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
        if text:
            self.parts.append((" > ".join(h for _, h in self._stack), text))
        self._text = []

    def finish(self) -> tuple[str, list[tuple[str, str]]]:
        self.close()
        self._flush()
        return _SPACES.sub(" ", self.title).strip() or self._first_h1, self.parts


def parse_html(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The page title and its ``(heading trail, text)`` parts in document order."""
    parser = _Parser()
    parser.feed(text)
    return parser.finish()
