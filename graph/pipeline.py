"""The build: files → triples per document → store, in parallel and incrementally.

Documents are independent until they meet in the store, so each one is
processed on its own (in worker processes when there is more than one) into
the triples of its own named graph; entity IRIs are functions of what they
name (`graph.namespaces`), so a document resolves to the same nodes whether it
is built alone or with ten thousand others, and nothing else is rebuilt when
it is added. A document whose bytes have not changed since the last build is
skipped; a changed one replaces its graph whole (`Store.replace_graph`, or,
where a store offers it, `write_graphs`: batches of documents as N-Triples
bytes, serialised in the workers and parsed by the store, so the parent never
touches a term). A document's passage nodes (its measures, mentions and
targets, with their offsets and quotes) are its alone, so they are stored once,
in the merged default graph, outside its named graph
(`graph.store.split_passages`). `remove` (or `prune=True`) drops the graph,
its passages, and what only that document said. After writing or removing, the
per-entity summaries that whole-graph rankings read (`graph.summaries`) move by
what those documents add or take away.

Parallel builds fork workers from a warmed-up parent (lexicons, gazetteer and,
when validating, the SHACL shapes already loaded), so a worker costs a few
milliseconds to start, and they stream results back in input order with a
bounded number in flight: a store that writes slower than the workers extract
never makes the parent hold thousands of documents' triples.

Validation (``validate=True``) runs pySHACL in the workers on each document's
own graph plus the ontology, which is what a document graph must satisfy on its
own: the store keeps every document's graph self-contained. Checks that span
documents need the whole graph: ``python -m graph validate STORE``.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import URIRef

from graph import summaries
from graph.fingerprint import extraction_fingerprint
from graph.ingest import IngestError, iter_inputs, read_document
from graph.namespaces import DOCUMENT_GRAPHS, IPKG, ONTOLOGY_GRAPH, document_graph

ONTOLOGY_FILE = Path(__file__).resolve().parent.parent / "ontology" / "ipkg.ttl"
#: Fewer documents than this are built in-process: with forked, warmed-up
#: workers a pool costs ~50 ms, which one document's extraction already exceeds.
PARALLEL_THRESHOLD = 2
#: Documents per task sent to a worker (at most; fewer when there are few).
MAX_CHUNK = 8
#: Documents (or triples) per write, for stores that take several graphs at once.
#: Each bulk load lands in RocksDB as new files that compaction merges with the
#: rest of the store, so fewer, larger loads cost less as the store grows (3,000
#: documents: 213 s at 50 per batch, 192 s at 200); the price is memory, as one batch
#: is written while the next fills (a 10,000-document build peaked at 2.0 GB against
#: 0.8 at 50 while passages were stored twice; 1.3 GB since).
BATCH_DOCUMENTS = 200
BATCH_TRIPLES = 600_000
#: An embedded store is compacted (`OxigraphStore.compact`) once at least this many
#: documents were written or removed since its last compaction, or once it holds more
#: table files than COMPACT_TABLE_FILES: a lookup reads every file whose keys overlap.
#: Compacting a fresh 1,000-document build (49 files) made four saved queries 1.7-3.4x
#: faster for 4.7 s; at 10,000 documents it costs 50 s, so not after every write. Small
#: writes add up too: 30 one-document builds on the compacted 10,000-document store
#: left only 7 more files (RocksDB merges them) but queries up to 1.8x slower (and 60
#: no faster), which the file count alone missed.
COMPACT_DOCUMENTS = 50
COMPACT_TABLE_FILES = 400
#: Up to this many input names, the stored hashes are looked up name by name
#: rather than by reading every document's hash from the store.
LOOKUP_BY_NAME = 64

__all__ = [
    "ONTOLOGY_FILE", "PARALLEL_THRESHOLD", "BuildReport", "Processed", "build", "compact_if_worthwhile",
    "ensure_ontology", "print_progress", "process_file", "remove", "stored_hashes", "stored_versions",
]


@dataclass(frozen=True)
class Processed:
    """One document's outcome: its graph's triples, or the reason it failed.

    Attributes:
        path: the input file.
        file_name: its base name, which keys the document in the store.
        sha256: hash of the file's bytes.
        triples: the document graph's triples (rdflib terms); empty when the
            graph was asked for as ``ntriples``.
        ntriples: the triples the document's named graph keeps, as N-Triples
            bytes, when asked for.
        passages: its passage triples as N-Triples bytes (stored once, in the
            merged default graph: `graph.store.split_passages`), when asked for.
        count: number of triples in the document's graph.
        error: why the file could not be built ("" when it was).
        seconds: time spent reading, extracting and converting it.
        violations: SHACL results on this document's graph, when validated.
        validated: True when SHACL ran on it.
        contribution: what the document adds to the summaries (`graph.summaries`).
    """

    path: Path
    file_name: str
    sha256: str = ""
    triples: tuple = ()
    ntriples: bytes = b""
    passages: bytes = b""
    count: int = 0
    error: str = ""
    seconds: float = 0.0
    violations: tuple[str, ...] = ()
    validated: bool = False
    contribution: summaries.Contribution | None = None


@dataclass
class BuildReport:
    """What a build did.

    Attributes:
        built: file names extracted and written in this run.
        unchanged: file names skipped because the store holds the same bytes, read with
            the same extraction code and rules (`graph.fingerprint`).
        reextracted: file names among ``built`` whose bytes were unchanged but which had been
            read with other extraction code or rules.
        failed: ``(path, reason)`` for inputs that could not be built.
        removed: file names whose graphs were dropped (``remove`` / ``prune``).
        triples: triples written.
        seconds: wall time of the whole build.
        bytes_read: size of the files built.
        jobs: worker processes used (1: in-process).
        validated: documents checked with SHACL in this run.
        violations: ``(file name, message)`` for every SHACL result on them.
        summary_seconds: time spent keeping the summaries in step (`graph.summaries`).
        compact_seconds: time spent compacting the store after the writes (0 when it was not).
    """

    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    reextracted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0
    bytes_read: int = 0
    jobs: int = 1
    validated: int = 0
    violations: list[tuple[str, str]] = field(default_factory=list)
    summary_seconds: float = 0.0
    compact_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no input failed."""
        return not self.failed


# --------------------------------------------------------------------------- one document


def process_file(path: str | Path, validate: bool = False, as_ntriples: bool = False) -> Processed:
    """Read, normalise, segment, extract, resolve and convert one file. Never raises.

    Args:
        path: the document file.
        validate: also check the document's graph (with the ontology) against the SHACL shapes.
        as_ntriples: give the graph as N-Triples bytes (``Processed.ntriples``)
            instead of rdflib triples.
    """
    from graph.extract import extract
    from graph.normalise import normalise
    from graph.rdf import document_statements
    from graph.resolve import resolve
    from graph.segment import segment
    from graph.terms import to_rdflib

    start = time.perf_counter()
    path = Path(path)
    try:
        raw = read_document(path)
        result = extract(segment(normalise(raw)))
        stated = document_statements(result, resolve(result))
        # rdflib terms only where they are used: the store takes the N-Triples text as it is.
        triples = _shared_terms(to_rdflib(stated)) if validate or not as_ntriples else ()
    except IngestError as exc:
        return Processed(path, path.name, error=exc.reason)
    except Exception as exc:  # one bad document must not stop the build
        return Processed(path, path.name, error=f"internal error: {type(exc).__name__}: {exc}")
    violations: tuple[str, ...] = ()
    if validate:
        try:
            violations = _shacl(triples)
        except Exception as exc:  # a validator crash is reported, not hidden, and not fatal
            violations = (f"SHACL could not run: {type(exc).__name__}: {exc}",)
    data = once = b""
    share = summaries.contribution(stated)
    if as_ntriples:
        from graph.store import split_ntriples

        (data, once), triples = split_ntriples(stated), ()
    return Processed(path, raw.file_name, raw.sha256, triples, data, once, len(stated),
                     seconds=time.perf_counter() - start, violations=violations, validated=validate,
                     contribution=share)


def _shared_terms(triples: Iterable[tuple]) -> tuple:
    """The triples with equal terms shared as one object.

    Pickle writes a shared object once, so a worker's result crosses the
    process boundary at about half the size and unpickles faster (most of a
    document's terms are repeated predicates, classes and its own IRI).
    """
    memo: dict[Any, Any] = {}
    return tuple((memo.setdefault(s, s), memo.setdefault(p, p), memo.setdefault(o, o)) for s, p, o in triples)


@cache
def _ontology_triples() -> tuple:
    from graph.validate import ONTOLOGY_PATH, load_graph

    return tuple(load_graph(ONTOLOGY_PATH))


def _shacl(triples: Iterable[tuple]) -> tuple[str, ...]:
    """SHACL results on one document's graph together with the ontology."""
    from rdflib import Graph

    from graph.validate import validate

    graph = Graph()
    for t in _ontology_triples():  # embedded, so validate() uses this graph without copying it
        graph.add(t)
    for t in triples:
        graph.add(t)
    report = validate(graph)
    return tuple(f"{v.severity}: {v.focus} {v.path or ''}: {v.message}" for v in report.violations)


def _warm_up(validate: bool) -> None:
    """Load what every document needs (lexicons, gazetteer, shapes) once, before forking."""
    import hashlib as _h

    from graph.extract import extract
    from graph.model import RawDocument
    from graph.normalise import normalise
    from graph.rdf import document_triples
    from graph.resolve import resolve
    from graph.segment import segment

    text = ("陕西省知识产权局关于印发《知识产权强国建设纲要（2021—2035年）》的通知\n"
            "一、加强西安市知识产权保护中心建设。到2025年，发明专利拥有量达到10件。")
    raw = RawDocument(Path("warm-up.txt"), "warm-up.txt", text, "utf-8", "text/plain", _h.sha256(text.encode()).hexdigest())
    result = extract(segment(normalise(raw)))
    triples = document_triples(result, resolve(result))
    summaries.contribution(triples)  # loads the ontology's institution classes
    if validate:
        _shacl(triples)


def _process_chunk(paths: Sequence[Path], validate: bool, as_ntriples: bool) -> list[Processed]:
    return [process_file(p, validate, as_ntriples) for p in paths]


# --------------------------------------------------------------------------- running them


def _pool_context() -> Any:
    """Fork where the platform has it: workers inherit the warmed-up parent for free.

    The parent may hold an open store (RocksDB threads); the workers never touch
    it, they only extract, so forking is safe here.
    """
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


#: Niceness added to workers: the parent's store writer is the narrow part of a
#: large build, and with every core extracting it would get a fraction of one.
WORKER_NICENESS = 5


def _start_worker(parent: int) -> None:
    """Worker set-up: lower priority than the writing parent, and die with it."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(WORKER_NICENESS)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """A worker ends when its build does, even one killed with SIGKILL.

    Linux delivers SIGKILL to the worker when the parent dies (PR_SET_PDEATHSIG);
    the pid check closes the race where the parent died before the call.
    """
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def _run_parallel(paths: list[Path], jobs: int, validate: bool, as_ntriples: bool) -> Iterator[Processed]:
    """Process `paths` in `jobs` workers; yield results in input order.

    At most a few chunks per worker are in flight, so results never pile up
    in the parent however slow the consumer (the store) is.
    """
    chunk = max(1, min(MAX_CHUNK, len(paths) // (jobs * 4)))
    chunks = [paths[i:i + chunk] for i in range(0, len(paths), chunk)]
    _warm_up(validate)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context(), initializer=_start_worker,
                             initargs=(os.getpid(),)) as pool:
        pending: deque[Future[list[Processed]]] = deque()
        todo = iter(chunks)
        for part in todo:
            pending.append(pool.submit(_process_chunk, part, validate, as_ntriples))
            if len(pending) >= jobs * 3:
                break
        while pending:
            results = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(_process_chunk, nxt, validate, as_ntriples))
            yield from results


def build(inputs: Iterable[str | Path], store: Any, *, jobs: int | None = None, force: bool = False,
          progress: Callable[[int, int, str], None] | None = None, validate: bool = False,
          prune: bool = False) -> BuildReport:
    """Build `inputs` (files or folders) into `store`, skipping unchanged documents.

    Args:
        inputs: files or folders of documents.
        store: a `graph.store.Store`.
        jobs: worker processes (default: every core; 1 builds in this process).
        force: rebuild documents even when unchanged.
        progress: called as progress(done, total, file_name) after each document.
        validate: check every document built in this run against the SHACL shapes.
        prune: drop the documents in the store that are not among `inputs` (a
            folder build then mirrors the folder: deleted files leave the graph).

    Returns:
        What was built, skipped, removed and what failed.
    """
    started = time.perf_counter()
    report = BuildReport()
    paths: list[Path] = []
    for item in inputs:
        try:
            paths.extend(iter_inputs([item]))
        except IngestError as exc:
            report.failed.append((str(exc.path), exc.reason))
    # A document is keyed by its file name; a second file of the same name would overwrite it.
    by_name: dict[str, Path] = {}
    for path in paths:
        if path.name in by_name:
            report.failed.append((str(path), f"another input has the same file name: {by_name[path.name]}"))
        else:
            by_name[path.name] = path
    graphs = set(store.graphs())
    ensure_ontology(store, graphs)
    # Only documents whose graph exists can be unchanged: a new one needs no lookup at all.
    present = [name for name in by_name if document_graph(name) in graphs]
    known = {} if not present else stored_versions(store, None if len(present) > LOOKUP_BY_NAME else present)
    todo = []
    # Same bytes read with other rules give other triples: such a document is built again.
    fingerprint = extraction_fingerprint()
    for name, path in by_name.items():
        sha, was = known.get(name, ("", ""))
        same_bytes = bool(sha) and sha == _sha256(path)
        if not force and same_bytes and was == fingerprint:
            report.unchanged.append(name)
        else:
            if same_bytes and was != fingerprint:
                report.reextracted.append(name)
            todo.append(path)
    if prune:
        gone = sorted(set(stored_hashes(store)) - set(by_name))
        report.removed = remove(gone, store, compact=False)
    # What the documents about to be rewritten counted for in the summaries, read before they go.
    summarise = _Summariser(store, [document_graph(p.name) for p in todo if document_graph(p.name) in graphs],
                            len(todo), fresh=not any(str(g).startswith(DOCUMENT_GRAPHS) for g in graphs))

    cores = os.cpu_count() or 1
    report.jobs = max(1, min(jobs or cores, len(todo))) if len(todo) >= PARALLEL_THRESHOLD else 1
    writer = _Writer(store, report, progress, len(todo))
    as_ntriples = writer.batch_write is not None  # such a store takes the workers' N-Triples as they are
    results = (_run_parallel(todo, report.jobs, validate, as_ntriples) if report.jobs > 1
               else (process_file(p, validate, as_ntriples) for p in todo))
    try:
        for item in results:
            if item.error:
                report.failed.append((str(item.path), item.error))
                writer.count(item.file_name)
            else:
                writer.add(item)
        writer.flush()
    finally:
        writer.close()
    report.summary_seconds = summarise(writer.contributions, [document_graph(name) for name in report.built])
    report.compact_seconds = compact_if_worthwhile(store, len(report.built) + len(report.removed))
    report.seconds = time.perf_counter() - started
    return report


class _Summariser:
    """Keeps the summaries (`graph.summaries`) in step with a write of ``count`` documents.

    Made before the write, it reads the share of the summaries of the
    ``existing`` graphs about to be replaced or removed; called after it with
    the contributions of the documents written, it moves the summaries by the
    difference. A store that held no other document gets summaries from the
    contributions alone; a large write, or a store whose summaries are missing
    or outdated, recomputes every one from the store.
    """

    def __init__(self, store: Any, existing: Sequence[URIRef], count: int, fresh: bool = False) -> None:
        self.store, self.fresh = store, fresh
        self.full = count > summaries.FULL_REFRESH_DOCUMENTS or not summaries.is_current(store)
        self.old = {} if self.full else {g: summaries.stored_contributions(store, [g]) for g in existing}
        if not self.full:
            summaries.invalidate(store)  # until the summaries have moved with the write

    def __call__(self, written: Sequence[summaries.Contribution], replaced: Sequence[URIRef]) -> float:
        """Bring the summaries up to date after the write; returns the seconds it took.

        Args:
            written: the contributions of the documents written.
            replaced: the graphs written or removed (an existing graph whose document
                failed to build is still there, and still counted).
        """
        started = time.perf_counter()
        if self.full and self.fresh:
            summaries.write_all(self.store, written)
        elif self.full:
            summaries.refresh(self.store)
        else:
            removed = [c for g in replaced for c in self.old.get(g, ())]
            summaries.apply(self.store, added=written, removed=removed)
        return time.perf_counter() - started


class _Writer:
    """Writes processed documents to the store, in batches when the store can take them.

    A store with ``write_graphs(items)`` (``(graph, N-Triples, passage N-Triples)``)
    gets up to :data:`BATCH_DOCUMENTS` documents or :data:`BATCH_TRIPLES`
    triples per call, in a background thread: Oxigraph parses and indexes
    without the GIL, so the parent keeps feeding the workers meanwhile instead
    of leaving them idle. At most one batch is being written while the next one
    fills. Any other store gets one ``replace_graph`` per document, in line.
    """

    def __init__(self, store: Any, report: BuildReport, progress: Callable[[int, int, str], None] | None,
                 total: int) -> None:
        self.store, self.report, self.progress, self.total = store, report, progress, total
        self.batch_write = getattr(store, "write_graphs", None)
        self.pending: list[Processed] = []
        self.pending_triples = 0
        self.done = 0
        #: What every document written adds to the summaries.
        self.contributions: list[summaries.Contribution] = []
        self.thread: ThreadPoolExecutor | None = None
        self.writing: tuple[Future[None], list[Processed]] | None = None

    def count(self, name: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, name)

    def add(self, item: Processed) -> None:
        if self.batch_write is None:
            self.store.replace_graph(document_graph(item.file_name), item.triples)
            self._record(item)
            return
        self.pending.append(item)
        self.pending_triples += item.count
        if len(self.pending) >= BATCH_DOCUMENTS or self.pending_triples >= BATCH_TRIPLES:
            self.flush(wait=False)

    def flush(self, wait: bool = True) -> None:
        """Start writing the pending batch; with ``wait``, return once everything is written."""
        self._finish_writing()
        if self.pending:
            if self.thread is None:
                self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ipkg-store-writer")
            batch, self.pending, self.pending_triples = self.pending, [], 0
            items = [(document_graph(i.file_name), i.ntriples, i.passages) for i in batch]
            self.writing = (self.thread.submit(self.batch_write, items), batch)
        if wait:
            self._finish_writing()

    def close(self) -> None:
        """Stop the writer thread (after the batch it is writing, if any)."""
        if self.thread is not None:
            self.thread.shutdown()
            self.thread = None

    def _finish_writing(self) -> None:
        if self.writing is None:
            return
        future, batch = self.writing
        self.writing = None
        future.result()  # a failed write raises here, in the build's own thread
        for item in batch:
            self._record(item)

    def _record(self, item: Processed) -> None:
        report = self.report
        report.built.append(item.file_name)
        if item.contribution is not None:
            self.contributions.append(item.contribution)
        report.triples += item.count
        report.bytes_read += _size(item.path)
        if item.validated:
            report.validated += 1
            report.violations.extend((item.file_name, v) for v in item.violations)
        self.count(item.file_name)


def remove(file_names: Iterable[str], store: Any, *, compact: bool = True) -> list[str]:
    """Drop documents (by file name) and everything only they said; returns the names dropped.

    With ``compact``, a large removal compacts the store (:func:`compact_if_worthwhile`).
    """
    present = set(store.graphs())
    chosen: dict[URIRef, str] = {}
    for name in file_names:
        graph = document_graph(Path(name).name)
        if graph in present and graph not in chosen:
            chosen[graph] = name
    summarise = _Summariser(store, list(chosen), len(chosen))
    for graph in chosen:
        store.remove_graph(graph)
    if chosen:
        summarise([], list(chosen))
    if compact:
        compact_if_worthwhile(store, len(chosen))
    return list(chosen.values())


def compact_if_worthwhile(store: Any, changed: int) -> float:
    """Compact an embedded store after ``changed`` documents were written or removed, if worth it.

    Otherwise the store counts them towards its next compaction.

    Returns:
        The seconds spent (0.0 when the store was left as it is or cannot compact).
    """
    compact = getattr(store, "compact", None)
    if compact is None or getattr(store, "read_only", False) or getattr(store, "path", None) is None:
        return 0.0
    since = store.documents_since_compaction() + changed
    if since < COMPACT_DOCUMENTS and store.table_files() <= COMPACT_TABLE_FILES:
        if changed:
            store.note_documents_written(changed)
        return 0.0
    started = time.perf_counter()
    compact()
    return time.perf_counter() - started


def ensure_ontology(store: Any, graphs: set | None = None) -> None:
    """Load the ontology into its own named graph (once).

    Args:
        store: the store.
        graphs: the store's named graphs, when the caller already has them.
    """
    if ONTOLOGY_GRAPH not in (graphs if graphs is not None else set(store.graphs())) and ONTOLOGY_FILE.is_file():
        store.load_file(ONTOLOGY_FILE, ONTOLOGY_GRAPH)


_HASHES = (f"SELECT ?f ?h ?x WHERE {{ ?d <{IPKG.fileName}> ?f ; <{IPKG.sha256}> ?h "
           f"OPTIONAL {{ ?d <{IPKG.extractedWith}> ?x }} }}")


def stored_versions(store: Any, names: Sequence[str] | None = None) -> dict[str, tuple[str, str]]:
    """File name → (sha256, extraction fingerprint) of the documents already in the store.

    The fingerprint is "" for a document built before graphs recorded it.

    Args:
        store: the store.
        names: only these file names (one small lookup each: adding a document to
            a large store need not read every document's hash); None for all.
    """
    if names is None:
        return {str(f): (str(h), str(x or "")) for f, h, x in store.query(_HASHES).rows}
    from rdflib import Literal

    out: dict[str, tuple[str, str]] = {}
    for name in names:
        for f, h, x in store.query(_HASHES, {"f": Literal(name)}).rows:
            out[str(f)] = (str(h), str(x or ""))
    return out


def stored_hashes(store: Any, names: Sequence[str] | None = None) -> dict[str, str]:
    """File name → sha256 of the documents already in the store (see :func:`stored_versions`)."""
    return {name: sha for name, (sha, _) in stored_versions(store, names).items()}


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def print_progress(done: int, total: int, name: str) -> None:
    """A one-line progress bar on stderr."""
    width = 30
    filled = int(width * done / max(1, total))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:40]:<40}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
