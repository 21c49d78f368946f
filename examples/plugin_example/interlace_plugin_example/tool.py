"""The plugin's tool: an ordinary ``@tool`` function."""

from __future__ import annotations

from interlace.tools import tool


@tool
def shout(text: str) -> str:
    """Return the text in capitals with an exclamation mark.

    Args:
        text: What to shout.
    """
    return text.upper() + "!"
