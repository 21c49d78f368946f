"""Model backends behind one interface, named by reference (``llamacpp:default``, ...)."""

from .base import Backend, Capabilities, StreamingBackend
from .refs import ModelRef, parse_model_ref
from .registry import BACKENDS, backend_schemes, register_backend, resolve_backend
from .scripted import ScriptedBackend, as_response, call

__all__ = [
    "BACKENDS",
    "Backend",
    "Capabilities",
    "ModelRef",
    "ScriptedBackend",
    "StreamingBackend",
    "as_response",
    "backend_schemes",
    "call",
    "parse_model_ref",
    "register_backend",
    "resolve_backend",
]
