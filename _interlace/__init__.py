"""interlace: an interoperable multi-agent framework.

The subpackages are the architecture: ``interlace.protocols`` (the open message protocol),
``interlace.runtimes`` (model backends), ``interlace.tools`` and ``interlace.agents``.
Importing this package is cheap; heavy dependencies load only when used.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
