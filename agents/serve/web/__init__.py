"""The web page: chat with the agents in a browser, served by ``interlace serve`` at ``/``.

Plain HTML, CSS and JavaScript shipped in ``static/`` (no build step, nothing fetched from
the internet), on the same port and behind the same token as the APIs: the server
protocol ``web`` (:func:`.routes.web_parts`). The page talks to the server through a small
JSON API under ``/api/`` (see :mod:`.routes` and docs/web.md); threads come from the
host's ``checkpointer``, citations and uploads from its ``stores``.
"""
