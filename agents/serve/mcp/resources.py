"""Resources: every retrieval store's documents, plus whatever toolsets provide.

Each store is one resource template, ``interlace://stores/STORE/{source}`` (the source path
percent-encoded); ``resources/list`` lists every document of every store. Reading a
document gives two contents: its text (read again from the file, or its chunks joined
when the file is gone) and its chunks' metadata as JSON (id, heading, page, index, and
whether the file changed since it was ingested). Completion offers the sources of a
store. :class:`StoreWatch` notices ingests (by any process) and tells subscribers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import anyio
import anyio.to_thread

from interlace.protocols.catalog import Resource, ResourceContents, ResourceTemplate
from interlace.tools.providers import ResourceProvider

SCHEME = "interlace://stores/"
_MIME = {"markdown": "text/markdown", "html": "text/html", "pdf": "text/plain"}
WATCH_INTERVAL_S = 2.0


def document_uri(store: str, source: str) -> str:
    """The resource URI of document ``source`` in ``store``."""
    return f"{SCHEME}{quote(store, safe='')}/{quote(source, safe='')}"


def _parse(uri: str) -> tuple[str, str] | None:
    if not uri.startswith(SCHEME):
        return None
    store, sep, source = uri.removeprefix(SCHEME).partition("/")
    return (unquote(store), unquote(source)) if sep and source else None


def _template(store: str) -> str:
    return f"{SCHEME}{quote(store, safe='')}/{{source}}"


class StoreResources:
    """The documents of ``stores`` (a mapping that may open stores on first use)."""

    def __init__(self, stores: Mapping[str, Any]) -> None:
        self.stores = stores

    async def list_resources(self) -> Sequence[Resource]:
        found: list[Resource] = []
        for name in self.stores:
            for doc in await self._documents(name):
                found.append(
                    Resource(
                        uri=document_uri(name, doc["source"]),
                        name=_display(doc["source"]),
                        title=doc["title"] or None,
                        description=f"{doc['chunks']} chunks in the retrieval store {name!r}",
                        mime_type=_MIME.get(doc["kind"], "text/plain"),
                    )
                )
        return found

    async def list_resource_templates(self) -> Sequence[ResourceTemplate]:
        return [
            ResourceTemplate(
                uri_template=_template(name),
                name=f"store {name}",
                title=f"Documents of the retrieval store {name!r}",
                description=(
                    f"A document of the retrieval store {name!r} by its source path "
                    "(percent-encoded): its text, then its chunks' metadata as JSON."
                ),
            )
            for name in self.stores
        ]

    async def read_resource(self, uri: str) -> Sequence[ResourceContents] | None:
        parsed = _parse(uri)
        if parsed is None or parsed[0] not in self.stores:
            return None
        store, source = parsed
        doc = await anyio.to_thread.run_sync(_document, self.stores[store], source)
        if doc is None:
            return None
        text, meta = await anyio.to_thread.run_sync(_text_and_meta, doc)
        mime = _MIME.get(doc["kind"], "text/plain")
        return [
            ResourceContents(uri=uri, mime_type=mime, text=text),
            ResourceContents(uri=uri, mime_type="application/json", text=json.dumps(meta)),
        ]

    async def complete_resource(
        self, template: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Sequence[str]:
        names = [name for name in self.stores if _template(name) == template]
        if not names or argument != "source":
            return []
        wanted = value.lower()
        sources = [doc["source"] for doc in await self._documents(names[0])]
        return [quote(s, safe="") for s in sources if wanted in s.lower()][:100]

    async def _documents(self, name: str) -> list[dict[str, Any]]:
        return await anyio.to_thread.run_sync(_documents, self.stores[name])

    def fingerprint(self, name: str) -> tuple[Any, ...]:
        """Something that changes when the store's contents change (cheap to compute)."""
        store = self.stores[name]
        stamp: tuple[Any, ...] = (store.count(),)
        settings = getattr(store, "settings", None)
        if getattr(settings, "mode", "") == "persistent":
            files = sorted(Path(settings.path).glob("*.sqlite3"))  # type: ignore[union-attr]
            stamp += tuple(path.stat().st_mtime_ns for path in files if path.exists())
        return stamp

    def versions(self, name: str) -> dict[str, str]:
        """Each document's URI and the sha of the file version it holds."""
        found: dict[str, str] = {}
        for _, _, meta in self.stores[name].records():
            found[document_uri(name, str(meta.get("source", "")))] = str(meta.get("file_sha"))
        return found


def _documents(store: Any) -> list[dict[str, Any]]:
    """The documents of a store: source, title, kind and number of chunks, by source."""
    found: dict[str, dict[str, Any]] = {}
    for _, _, meta in store.records():
        source = str(meta.get("source", ""))
        entry = found.setdefault(
            source,
            {"source": source, "title": str(meta.get("title", "")), "chunks": 0},
        )
        entry["kind"] = str(meta.get("kind", ""))
        entry["chunks"] += 1
    return sorted(found.values(), key=lambda entry: entry["source"])


def _document(store: Any, source: str) -> dict[str, Any] | None:
    from ..web.citations import document

    return document(store, source)


def _text_and_meta(doc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The document's text (from its file when it is still there) and its metadata."""
    from interlace.tools.retrieval.loaders import SkipFile, load_file

    chunks = doc["chunks"]
    meta = {
        "source": doc["source"],
        "title": doc["title"],
        "kind": doc["kind"],
        "chunks": [{k: v for k, v in chunk.items() if k != "text"} for chunk in chunks],
    }
    try:
        loaded = load_file(Path(doc["source"]), max_bytes=50_000_000)
    except (SkipFile, OSError):
        meta["text_from"] = "chunks"
        return "\n\n".join(chunk["text"] for chunk in chunks), meta
    meta["text_from"] = "file"
    parts: list[str] = []
    heading = ""
    for section in loaded.sections:
        if section.heading and section.heading != heading:
            heading = section.heading
            parts.append(heading)
        parts.append(section.text)
    return "\n\n".join(parts), meta


def _display(source: str) -> str:
    path = Path(source)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return source


class ResourceHub:
    """All resource providers of a server, queried in order."""

    def __init__(self, providers: Callable[[], Sequence[ResourceProvider]]) -> None:
        self.providers = providers

    async def list_resources(self) -> list[Resource]:
        return [r for p in self.providers() for r in await p.list_resources()]

    async def list_templates(self) -> list[ResourceTemplate]:
        return [t for p in self.providers() for t in await p.list_resource_templates()]

    async def read(self, uri: str) -> Sequence[ResourceContents] | None:
        for provider in self.providers():
            found = await provider.read_resource(uri)
            if found:
                return found
        return None

    async def complete(
        self, template: str, argument: str, value: str, context: Mapping[str, str]
    ) -> list[str]:
        for provider in self.providers():
            found = list(await provider.complete_resource(template, argument, value, context))
            if found:
                return found
        return []


class StoreWatch:
    """Polls the stores for changes and reports the URIs that appeared, went or changed."""

    def __init__(self, resources: StoreResources) -> None:
        self.resources = resources
        self._stamps: dict[str, tuple[Any, ...]] = {}
        self._versions: dict[str, dict[str, str]] = {}

    async def changes(self) -> tuple[bool, list[str]]:
        """``(listing changed, URIs whose contents changed)`` since the last call."""
        listing_changed, updated = False, []
        for name in self.resources.stores:
            stamp = await anyio.to_thread.run_sync(self.resources.fingerprint, name)
            if self._stamps.get(name) == stamp:
                continue
            first = name not in self._stamps
            self._stamps[name] = stamp
            new = await anyio.to_thread.run_sync(self.resources.versions, name)
            old = self._versions.get(name, {})
            self._versions[name] = new
            if first:
                continue
            listing_changed |= set(new) != set(old)
            updated += [uri for uri, sha in new.items() if uri in old and old[uri] != sha]
        return listing_changed, updated
