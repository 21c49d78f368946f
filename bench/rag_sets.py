"""Question/answer evaluation sets for bench/rag.py, built from Debian documentation packages.

Each set is a list of ``(question, answer)`` pairs: a numbered heading that ends in ``?``
is the question, the text of its section (heading removed) is the one relevant document.
The packages are fetched at bench time with ``apt-get download`` and unpacked with
``dpkg -x`` into a scratch folder; nothing is committed or cached.

* ``debian-faq``: the Debian FAQ (plain text, ``debian-faq.en.txt``).
* ``harden-doc``: the FAQ chapter of the Securing Debian Manual (HTML, ``ch12*.html``).

The Python documentation's FAQ is kept aside for an independent check of any tuning.
Run ``python bench/rag_sets.py`` to print the sizes and a sample of each set.
"""

from __future__ import annotations

import gzip
import html
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

Pairs = list[tuple[str, str]]
MIN_ANSWER_WORDS = 5


def unpack(package: str, folder: Path) -> Path:
    """Download the Debian package ``package`` into ``folder`` and unpack it; its root."""
    subprocess.run(["apt-get", "download", package], cwd=folder, check=True, capture_output=True)
    deb = next(folder.glob(f"{package}_*.deb"))
    root = folder / package
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return root


# --- debian-faq (plain text) -------------------------------------------------------------

_HEADING = re.compile(r"^(\d+(?:\.\d+)+)\.\s+(\S.*)$")
_CHAPTER = re.compile(r"^Chapter \d+\.")


def debian_faq(folder: Path) -> Pairs:
    """The Debian FAQ's questions with their answers."""
    found = sorted(unpack("debian-faq", folder).rglob("debian-faq.en.txt*"))
    if not found:
        raise SystemExit("no plain-text FAQ (debian-faq.en.txt) in the debian-faq package")
    raw = found[0].read_bytes()
    text = gzip.decompress(raw).decode() if found[0].suffix == ".gz" else raw.decode()
    return faq_text_pairs(text)


def faq_text_pairs(text: str) -> Pairs:
    """Numbered body headings at column 0 (possibly wrapped) that end in '?', each with
    the text up to the next heading."""
    sections: list[tuple[str, list[str]]] = []
    in_heading = False
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            sections.append((match.group(2).strip(), []))
            in_heading = True
        elif _CHAPTER.match(line):
            sections.append(("", []))
            in_heading = False
        elif sections and in_heading and line.strip() and not line[0].isspace():
            title, body = sections[-1]
            sections[-1] = (f"{title} {line.strip()}", body)
        elif sections:
            in_heading = False
            sections[-1][1].append(line)
    return _questions((title, "\n".join(body).strip()) for title, body in sections)


# --- harden-doc (HTML) -------------------------------------------------------------------

_HTML_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.S)
_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.?\s+")
_BLOCK = re.compile(r"</(?:div|p|li|pre|tr|dd|dt)>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")


def harden_doc(folder: Path) -> Pairs:
    """The Securing Debian Manual's FAQ chapter: its questions with their answers."""
    pages = sorted((unpack("harden-doc", folder) / "usr/share/doc/harden-doc").rglob("ch12*.html"))
    pages = [page for page in pages if page.parent.name == "en-US"]
    if not pages:
        raise SystemExit("no English FAQ chapter (en-US/ch12*.html) in the harden-doc package")
    return [pair for page in pages for pair in faq_html_pairs(page.read_text())]


def faq_html_pairs(page: str) -> Pairs:
    """Headings of an HTML page that end in '?', each with the text up to the next one."""
    parts = _HTML_HEADING.split(page)
    sections = [
        (_plain(parts[n]).replace("\n", " "), _plain(parts[n + 1]))
        for n in range(1, len(parts) - 1, 2)
    ]
    return _questions((_NUMBER.sub("", title), body) for title, body in sections)


def _plain(fragment: str) -> str:
    text = html.unescape(_TAG.sub("", _BLOCK.sub("\n\n", fragment))).replace("\xa0", " ")
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


def _questions(sections: Iterable[tuple[str, str]]) -> Pairs:
    return [
        (title.strip(), body)
        for title, body in sections
        if title.strip().endswith("?") and len(body.split()) >= MIN_ANSWER_WORDS
    ]


SETS: dict[str, Callable[[Path], Pairs]] = {"debian-faq": debian_faq, "harden-doc": harden_doc}


def main() -> None:
    names = sys.argv[1:] or list(SETS)
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            pairs = SETS[name](Path(folder))
            print(f"{name}: {len(pairs)} questions; e.g. {pairs[0][0]!r}")


if __name__ == "__main__":
    main()
