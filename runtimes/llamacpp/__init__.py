"""The on-device llama.cpp backend (scheme ``llamacpp``).

``llamacpp:default`` runs the packaged Gemma 3 270M GGUF; ``llamacpp:/path/model.gguf``
any other GGUF. Importing this package does not import llama-cpp-python; loading a model
does.
"""

from .backend import LlamaCppBackend, from_ref
from .files import cache_dir, default_model_path
from .options import LlamaCppOptions

__all__ = ["LlamaCppBackend", "LlamaCppOptions", "cache_dir", "default_model_path", "from_ref"]
