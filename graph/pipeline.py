"""The build: files → triples per document → store, in parallel and incrementally.

Documents are independent until they meet in the store, so each one is
processed on its own (in worker processes for larger builds) into the
triples of its own named graph. A document whose bytes have not changed
since the last build is skipped; a changed one replaces its graph whole;
`remove` drops the graph, and with it what only that document said.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from graph.ingest import IngestError, iter_inputs, read_document
from graph.namespaces import IPKG, ONTOLOGY_GRAPH, document_graph

ONTOLOGY_FILE = Path(__file__).resolve().parent.parent / "ontology" / "ipkg.ttl"
#: Below this many documents, worker start-up costs more than it saves.
PARALLEL_THRESHOLD = 8


@dataclass(frozen=True)
class Processed:
    """One document's outcome: its graph and triples, or the reason it failed."""

    path: Path
    file_name: str
    sha256: str = ""
    triples: tuple = ()
    error: str = ""
    seconds: float = 0.0


@dataclass
class BuildReport:
    """What a build did."""

    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no input failed."""
        return not self.failed


def process_file(path: str | Path) -> Processed:
    """Read, normalise, segment, extract, resolve and convert one file. Never raises."""
    from graph.extract import extract
    from graph.normalise import normalise
    from graph.rdf import document_triples
    from graph.resolve import resolve
    from graph.segment import segment

    start = time.perf_counter()
    path = Path(path)
    try:
        raw = read_document(path)
        result = extract(segment(normalise(raw)))
        triples = tuple(document_triples(result, resolve(result)))
        return Processed(path, raw.file_name, raw.sha256, triples, seconds=time.perf_counter() - start)
    except IngestError as exc:
        return Processed(path, path.name, error=exc.reason)
    except Exception as exc:  # one bad document must not stop the build
        return Processed(path, path.name, error=f"internal error: {type(exc).__name__}: {exc}")


def build(inputs: Iterable[str | Path], store, *, jobs: int | None = None, force: bool = False,
          progress: Callable[[int, int, str], None] | None = None) -> BuildReport:
    """Build `inputs` (files or folders) into `store`, skipping unchanged documents.

    Args:
        inputs: files or folders of documents.
        store: a `graph.store.Store`.
        jobs: worker processes (default: all cores for large builds, 1 for small ones).
        force: rebuild documents even when unchanged.
        progress: called as progress(done, total, file_name) after each document.
    """
    started = time.perf_counter()
    report = BuildReport()
    paths: list[Path] = []
    for item in inputs:
        try:
            paths.extend(iter_inputs([item]))
        except IngestError as exc:
            report.failed.append((str(exc.path), exc.reason))
    ensure_ontology(store)
    known = {} if force else stored_hashes(store)
    todo = []
    for path in paths:
        if not force and path.name in known and known[path.name] == _sha256(path):
            report.unchanged.append(path.name)
        else:
            todo.append(path)
    jobs = jobs or (os.cpu_count() or 1)
    results: Iterable[Processed]
    if jobs > 1 and len(todo) >= PARALLEL_THRESHOLD:
        pool = ProcessPoolExecutor(max_workers=jobs)
        results = pool.map(process_file, todo, chunksize=max(1, min(32, len(todo) // (jobs * 8) or 1)))
    else:
        pool = None
        results = map(process_file, todo)
    try:
        for done, item in enumerate(results, 1):
            if item.error:
                report.failed.append((str(item.path), item.error))
            else:
                store.replace_graph(document_graph(item.file_name), item.triples)
                report.built.append(item.file_name)
                report.triples += len(item.triples)
            if progress:
                progress(done, len(todo), item.file_name)
    finally:
        if pool is not None:
            pool.shutdown()
    report.seconds = time.perf_counter() - started
    return report


def remove(file_names: Iterable[str], store) -> list[str]:
    """Drop documents (by file name) and everything only they said."""
    removed = []
    for name in file_names:
        graph = document_graph(Path(name).name)
        if graph in set(store.graphs()):
            store.remove_graph(graph)
            removed.append(name)
    return removed


def ensure_ontology(store) -> None:
    """Load the ontology into its own named graph (once)."""
    if ONTOLOGY_GRAPH not in set(store.graphs()) and ONTOLOGY_FILE.is_file():
        store.load_file(ONTOLOGY_FILE, ONTOLOGY_GRAPH)


def stored_hashes(store) -> dict[str, str]:
    """File name → sha256 of every document already in the store."""
    res = store.query(f"SELECT ?f ?h WHERE {{ ?d <{IPKG.fileName}> ?f ; <{IPKG.sha256}> ?h }}")
    return {str(f): str(h) for f, h in res.rows}


def _sha256(path: Path) -> str:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def print_progress(done: int, total: int, name: str) -> None:
    """A one-line progress bar on stderr."""
    width = 30
    filled = int(width * done / max(1, total))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:40]:<40}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
