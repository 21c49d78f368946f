"""Tool embeddings for tool selection: computed once per tool set, kept in memory and on
disk, and compared with the conversation.

A tool's vector is the embedding of :func:`~interlace.tools.selection.tool_text`; it is
keyed by a digest of the tool's whole spec (name, description, parameter schema), so a
changed schema gets a new vector. Each tool set's vectors are written to
``<cache>/tool-embeddings/<embedder>/<set digest>.npz`` (``<cache>`` is
``$INTERLACE_CACHE_DIR`` or ``~/.cache/interlace``, where the embedder's ONNX export is
kept too); another process with the same tools reads them instead of embedding again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interlace.protocols import ToolSpec
from interlace.tools.selection import tool_text

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

logger = logging.getLogger(__name__)

TEXT_VERSION = "1"
"""Part of the cache path: bump when :func:`tool_text` changes what a vector means."""
MAX_QUERY_TOKENS = 128
"""Conversation texts are cut to their first 128 model tokens: the length all-MiniLM-L6-v2
was trained on (it reads up to 256), and half the time of a long tool result."""
_QUERY_CACHE = 256
_KNOWN_SETS = 16
"""How many earlier tool-set files of an embedder are read when a new set is embedded
(their vectors are reused for the tools the sets share)."""


def tool_key(spec: ToolSpec) -> str:
    """A digest of the tool's spec: it changes whenever the tool's schema does."""
    payload = json.dumps(
        [spec.name, spec.description, spec.parameters], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


class ToolIndex:
    """The vectors of tools under one embedder, and similarities to conversation texts."""

    def __init__(
        self, embedder: str = "default", *, device: str = "auto", folder: Path | None = None
    ) -> None:
        self.embedder_ref = embedder
        self.device = device
        self._folder = folder
        self._vectors: dict[str, Vectors] = {}
        self._queries: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self._read_known = False

    @property
    def embedder(self) -> Any:
        """The shared embedder (see :func:`interlace.runtimes.embeddings.get_embedder`)."""
        from interlace.runtimes.embeddings import get_embedder

        return get_embedder(self.embedder_ref, device=self.device)

    @property
    def folder(self) -> Path:
        """Where this embedder's tool-set files are kept (default: under the user cache)."""
        from interlace.runtimes.llamacpp.files import cache_dir

        if self._folder is not None:
            return self._folder
        name = hashlib.sha256(f"{self.embedder.name}|{TEXT_VERSION}".encode()).hexdigest()[:16]
        return cache_dir() / "tool-embeddings" / name

    def vectors(self, specs: Sequence[ToolSpec]) -> Vectors:
        """One unit vector per tool, in order (embedded only for tools never seen)."""
        import numpy as np

        keys = [tool_key(spec) for spec in specs]
        missing = self._missing(keys)
        if missing:
            path = self.folder / f"{_set_digest(keys)}.npz"
            self._read(path)
            missing = self._missing(keys)
            if missing and not self._read_known:
                self._read_known = True
                for other in self._known_files(path):
                    self._read(other)
                missing = self._missing(keys)
            if missing:
                spec_of = dict(zip(keys, specs, strict=True))
                texts = [tool_text(spec_of[key]) for key in missing]
                self._add(list(missing), self.embedder.embed(texts))
                self._write(path, keys)
        with self._lock:
            return np.stack([self._vectors[key] for key in keys])

    def query(self, texts: Sequence[str]) -> Vectors:
        """Unit vectors of conversation texts (recent ones are remembered)."""
        import numpy as np

        cut = [self._cut(text) for text in texts]
        with self._lock:
            fresh = [text for text in dict.fromkeys(cut) if text not in self._queries]
        if fresh:
            embedded = self.embedder.embed(fresh)
            with self._lock:
                for text, vector in zip(fresh, embedded, strict=True):
                    self._queries[text] = vector
                while len(self._queries) > _QUERY_CACHE:
                    self._queries.popitem(last=False)
        with self._lock:
            return np.stack([self._queries[text] for text in cut])

    def _cut(self, text: str) -> str:
        if len(text) <= MAX_QUERY_TOKENS:  # a token is at least one character
            return text
        head = text[: MAX_QUERY_TOKENS * 32]  # bounds the tokenizer's work
        offsets = self.embedder.token_offsets(head)
        return head[: offsets[MAX_QUERY_TOKENS - 1][1]] if len(offsets) > MAX_QUERY_TOKENS else head

    def scores(self, specs: Sequence[ToolSpec], texts: Sequence[str]) -> list[float]:
        """Each tool's similarity to the conversation: the cosine with the closest of
        ``texts`` (e.g. the latest user message and the latest tool results)."""
        if not specs:
            return []
        similarity = self.vectors(specs) @ self.query(texts).T
        return [float(value) for value in similarity.max(axis=1)]

    # --- memory and disk -------------------------------------------------------------

    def _missing(self, keys: Sequence[str]) -> dict[str, None]:
        with self._lock:
            return dict.fromkeys(key for key in keys if key not in self._vectors)

    def _add(self, keys: Sequence[str], vectors: Any) -> None:
        with self._lock:
            for key, vector in zip(keys, vectors, strict=True):
                self._vectors[key] = vector

    def _read(self, path: Path) -> None:
        import numpy as np

        if not path.is_file():
            return
        try:
            with np.load(path, allow_pickle=False) as stored:
                keys, vectors = [str(key) for key in stored["keys"]], stored["vectors"]
            if vectors.shape != (len(keys), self.embedder.dimension):
                raise ValueError(f"vectors of shape {vectors.shape} for {len(keys)} tools")
        except (OSError, ValueError, KeyError) as error:
            logger.warning("ignoring the tool embeddings in %s: %s", path, error)
            return
        self._add(keys, vectors.astype(np.float32))

    def _known_files(self, skip: Path) -> list[Path]:
        try:
            files = [path for path in self.folder.glob("*.npz") if path != skip]
        except OSError:
            return []
        return sorted(files, key=_mtime, reverse=True)[:_KNOWN_SETS]

    def _write(self, path: Path, keys: Sequence[str]) -> None:
        import numpy as np

        unique = list(dict.fromkeys(keys))
        with self._lock:
            vectors = np.stack([self._vectors[key] for key in unique])
        temporary = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as file:
                np.savez(file, keys=np.array(unique), vectors=vectors)
            os.replace(temporary, path)
        except OSError as error:  # a read-only cache only costs the next process time
            logger.warning("could not keep tool embeddings in %s: %s", path, error)
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)


def _set_digest(keys: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(set(keys))).encode()).hexdigest()[:32]


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


_indexes: dict[tuple[str, str], ToolIndex] = {}
_indexes_lock = threading.Lock()


def tool_index(embedder: str = "default", *, device: str = "auto") -> ToolIndex:
    """The process-wide :class:`ToolIndex` of an embedder."""
    with _indexes_lock:
        index = _indexes.get((embedder, device))
        if index is None:
            index = _indexes[(embedder, device)] = ToolIndex(embedder, device=device)
        return index


__all__ = ["MAX_QUERY_TOKENS", "ToolIndex", "tool_index", "tool_key"]
