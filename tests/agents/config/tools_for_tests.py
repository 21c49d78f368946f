"""Tools imported by config tests through ``python`` toolsets and agent ``tools``."""

from interlace.tools import tool


@tool
def shout(text: str) -> str:
    """Upper-case the text."""
    return text.upper()
