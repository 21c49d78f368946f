"""``python -m interlace.agents.cli`` runs the ``interlace`` command."""

from . import main

main()
