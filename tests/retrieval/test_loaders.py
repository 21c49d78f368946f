"""Loading files into sections: every format and every reason to skip a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlace.tools.retrieval.loaders import SkipFile, load_file
from tests.retrieval.pdfs import write_pdf

LIMIT = 1_000_000


def test_markdown_headings_trail_and_fenced_code(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(
        "---\ntitle: Front Title\n---\nIntro text.\n\n# Top\n\nUnder top.\n\n## Sub\n\n"
        "```sh\n# not a heading\necho hi\n```\n\nSetext\n------\n\nUnder setext.\n"
    )
    document = load_file(path, max_bytes=LIMIT)
    assert document.title == "Front Title"
    assert document.kind == "markdown"
    by_heading = {s.heading: s.text for s in document.sections}
    assert by_heading[""] == "Intro text."
    assert by_heading["Top"] == "Under top."
    assert "# not a heading" in by_heading["Top > Sub"]
    assert by_heading["Top > Setext"] == "Under setext."


def test_text_uses_underlined_headings_only(tmp_path: Path) -> None:
    path = tmp_path / "notes.rst"
    path.write_text("Title\n=====\n\n# a comment, not a heading\n\nBody.\n")
    document = load_file(path, max_bytes=LIMIT)
    assert [(s.heading, s.text) for s in document.sections] == [
        ("Title", "# a comment, not a heading\n\nBody.")
    ]


def test_html_title_headings_and_no_script(tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    path.write_text(
        "<html><head><title>The Page</title><style>p{}</style></head><body>"
        "<p>Lead&nbsp;text.</p><h2>Part <b>one</b></h2><p>First.</p><script>bad()</script>"
        "<h3>Deeper</h3><ul><li>x</li><li>y</li></ul></body></html>"
    )
    document = load_file(path, max_bytes=LIMIT)
    assert document.title == "The Page"
    sections = [(s.heading, s.text) for s in document.sections]
    assert sections == [
        ("", "Lead\xa0text."),
        ("Part one", "First."),
        ("Part one > Deeper", "x\ny"),
    ]


def test_pdf_pages_are_sections(tmp_path: Path) -> None:
    path = tmp_path / "manual.pdf"
    write_pdf(path, ["Boilers need water.", "Pistons move the wheels."])
    document = load_file(path, max_bytes=LIMIT)
    assert document.kind == "pdf"
    assert [(s.page, s.text.strip()) for s in document.sections] == [
        (1, "Boilers need water."),
        (2, "Pistons move the wheels."),
    ]


def test_code_splits_at_definitions(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text("import os\n\n\ndef alpha():\n    return 1\n\n\nclass Beta:\n    x = 2\n")
    document = load_file(path, max_bytes=LIMIT)
    assert [s.heading for s in document.sections] == ["", "def alpha()", "class Beta"]
    assert document.title == "mod.py"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("blob.bin", b"\x89PNG\x00\x01\x02", "binary file"),
        ("latin.txt", "caf\xe9 cr\xe8me".encode("latin-1"), "not UTF-8 text"),
        ("empty.md", b"  \n\n", "empty file"),
        ("huge.txt", b"word " * 300, "too large"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "unreadable PDF"),
        ("blank.html", b"<html><script>only()</script></html>", "no text found"),
    ],
)
def test_unusable_files_raise_skip_with_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SkipFile, match=reason):
        load_file(path, max_bytes=1000)


def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    link = tmp_path / "gone.md"
    link.symlink_to(tmp_path / "missing.md")
    with pytest.raises(SkipFile, match="unreadable"):
        load_file(link, max_bytes=LIMIT)
