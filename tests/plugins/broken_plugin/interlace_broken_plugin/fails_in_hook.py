"""A plugin whose hook raises after registering something (which must not stick)."""

from typing import Any

from interlace.plugins import hookimpl


@hookimpl
def register_backends(register: Any) -> None:
    register("half", "nowhere:factory")
    raise RuntimeError("plugin bug while registering")
