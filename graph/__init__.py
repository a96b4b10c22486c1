"""ipkg: Chinese intellectual-property policy documents as one RDF knowledge graph.

The public API is `__all__`; names are imported on first use so that
`python -m graph` and the app start without loading what they don't need.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "build": "graph.pipeline",
    "process_file": "graph.pipeline",
    "BuildReport": "graph.pipeline",
    "read_document": "graph.ingest",
    "IngestError": "graph.ingest",
    "normalise": "graph.normalise",
    "segment": "graph.segment",
    "extract": "graph.extract",
    "resolve": "graph.resolve",
    "document_triples": "graph.rdf",
    "open_store": "graph.store",
    "Store": "graph.store",
    "QueryResult": "graph.store",
    "saved_queries": "graph.queries",
    "run_saved": "graph.queries",
    "validate": "graph.validate",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'graph' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
