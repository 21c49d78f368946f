"""The results file: one JSON line per item id, appended as items finish.

Rerunning a batch reads the file first and skips the ids it holds, so a batch stopped by
Ctrl-C, SIGKILL or a crash continues where it was: each line is written whole and
flushed when its item finishes, a line cut off by a kill is dropped on the next start (its
item runs again), and an exclusive lock keeps two batches from writing one file.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from interlace.protocols.errors import UsageError

from .items import BatchResult


class ResultsFile:
    """An open, locked results file (use as a context manager)."""

    def __init__(self, path: Path, *, retry_failed: bool = False) -> None:
        self.path = path
        self.retry_failed = retry_failed
        self.results: dict[str, BatchResult] = {}
        self._handle: IO[str] | None = None

    def __enter__(self) -> ResultsFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise UsageError(
                f"another batch is writing {self.path}; wait for it or choose another --out"
            ) from None
        self._handle = handle
        try:
            self._load()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the lock
            self._handle = None

    @property
    def done_ids(self) -> set[str]:
        """Ids that have a line (they are skipped)."""
        return set(self.results)

    def write(self, result: BatchResult) -> None:
        """Append one result line and flush it to the file system."""
        handle = self._open_handle()
        handle.write(result.line())
        handle.flush()
        self.results[result.id] = result

    def _open_handle(self) -> IO[str]:
        if self._handle is None:
            raise RuntimeError("the results file is not open")  # pragma: no cover
        return self._handle

    def _load(self) -> None:
        handle = self._open_handle()
        handle.seek(0)
        text = handle.read()
        complete, _, torn = text.rpartition("\n")
        if torn:  # the last line was cut off by a kill: its item runs again
            handle.truncate(len(complete) + 1 if complete else 0)
        kept: list[str] = []
        for number, line in enumerate(complete.splitlines() if complete else [], 1):
            if not line.strip():
                continue
            result = self._parse(line, number)
            if result.id in self.results:
                continue  # an id repeated by hand: the first line wins
            if self.retry_failed and result.status == "failed":
                continue
            self.results[result.id] = result
            kept.append(line)
        if self.retry_failed and len(kept) < len(complete.splitlines() if complete else []):
            self._rewrite(kept)
        self._open_handle().seek(0, os.SEEK_END)

    def _parse(self, line: str, number: int) -> BatchResult:
        try:
            return BatchResult.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as error:
            raise UsageError(
                f"{self.path}:{number} is not a result line of interlace batch ({error}); "
                "fix or remove that line, or choose another --out"
            ) from None

    def _rewrite(self, lines: list[str]) -> None:
        """Replace the file's content with ``lines`` (a crash keeps the old or new file)."""
        handle = self._open_handle()
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        os.replace(temporary, self.path)
        fresh = self.path.open("a+", encoding="utf-8")
        fcntl.flock(fresh.fileno(), fcntl.LOCK_EX)
        handle.close()
        self._handle = fresh
