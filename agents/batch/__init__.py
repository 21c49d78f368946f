"""Batch runs: many items through one system, locally on asyncio or on a Ray cluster.

``interlace batch CONFIG INPUTS.jsonl --out RESULTS.jsonl`` from the command line;
``System.batch(items)`` from Python. See docs/scale.md.
"""

from .items import BatchItem, BatchOptions, BatchResult, Summary, as_items, read_items
from .local import EventSink, run_item, run_local
from .on_ray import RaySettings, SystemSource, run_on_ray
from .results import ResultsFile

__all__ = [
    "BatchItem",
    "BatchOptions",
    "BatchResult",
    "EventSink",
    "RaySettings",
    "ResultsFile",
    "Summary",
    "SystemSource",
    "as_items",
    "read_items",
    "run_item",
    "run_local",
    "run_on_ray",
]
