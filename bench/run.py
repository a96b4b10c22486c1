"""Benchmark: build, incremental build and saved-query latency at 100, 1,000 and 10,000 documents.

    .venv/bin/python -m bench.run                     # the full run (about an hour on 2 cores)
    .venv/bin/python -m bench.run --sizes 100 --repeat 5 --results /tmp/r.md   # a quick look

What it measures, all in this one run on this machine:

1. **Build** (ingest + extract + store) of a synthetic corpus (`bench.corpus`,
   seed 0) of each size into a fresh on-disk store, through the real command
   (`python -m graph build DIR --out STORE --no-validate -q`) in a fresh process:
   wall time, documents/s, MB/s, and peak memory as the sum of the proportional
   set size (PSS) of the build process and its workers, sampled every 0.2 s.
   The largest size below 10,000 is also built with `--jobs 1` (the parallel
   speed-up), the smallest with SHACL on (what validation costs), and the five
   bundled documents with SHACL into a Turtle file, five times (the 3 s aim).
2. **Incremental** on the largest store: re-running the same build (nothing
   changed), adding one new document, changing it, removing it, each a fresh
   `python -m graph build` process with its default SHACL check.
3. **Saved queries** (`ontology/queries/*.rq`, parameters below) at each size:
   p50 and p95 latency over up to `--repeat` runs after one warm-up run, on
   the embedded Oxigraph store (read-only), on an in-memory rdflib Graph holding
   the same triples (run in a child process so a query that never ends can be
   stopped; up to `--rdflib-max` documents: ten thousand would need ~40 GB),
   and through `python -m graph serve` (Oxigraph's SPARQL server) over HTTP.

Prints the tables and writes them to bench/RESULTS.md. Nothing here runs in the
test suite; tests/test_pipeline.py checks the generator and the pipeline on 20
documents.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import itertools
import math
import multiprocessing
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpus import document, generate  # noqa: E402

OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"
SIZES = (100, 1000, 10000)

#: Parameters for the saved queries; "{doc}" is the first document's file name.
#: Queries not listed run with the example values their headers give (e.g. …).
PARAMS: dict[str, dict[str, Any]] = {
    "describe_entity": {"entity": "{agency}"},
    "documents_by_region_level_genre": {"region": "陕西省"},
    "documents_citing_policy": {"policy": "知识产权强国建设纲要"},
    "ego_network": {"entity": "国家知识产权局"},
    "institutions_across_provinces": {},
    "institutions_serving_measure": {"keyword": "知识产权保护中心"},
    "measures_of_institution": {"institution": "国家知识产权局"},
    "policies_cited_by_document": {"document": "{doc}"},
    "policies_most_cited": {},
    "regions_with_protection_center": {},
    "responsible_units_per_measure": {"document": "{doc}"},
    "targets": {"indicator": "发明专利", "region": "陕西省"},
}
MAX_ROWS = 10000  # what `python -m graph query` returns by default
QUERY_TIMEOUT_S = 300.0
#: Where queries are timed: the embedded store; an in-memory rdflib Graph holding the
#: same triples; Oxigraph's server through HTTP.
BACKENDS = ("oxigraph", "rdflib", "server")

#: The issue's aims.
AIM_BUILD_S, AIM_PEAK_MB, AIM_ADD_S, AIM_P50_MS, AIM_RATIO, AIM_GROWTH, AIM_FIVE_S = 600, 4096, 2.0, 200, 20, 12, 3.0


# --------------------------------------------------------------------------- measuring processes


def _ppids() -> dict[int, int]:
    out = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            out[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return out


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for child, parent in _ppids().items():
        children.setdefault(parent, []).append(child)
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children.get(p, []))
    return out


def _pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    m = re.search(r"^Pss:\s+(\d+)", text, re.M)
    return int(m.group(1)) if m else 0


class PeakMemory(threading.Thread):
    """Samples the summed PSS of a process and its descendants until stopped."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(p) for p in _tree(self.pid)))
            self.done.wait(self.interval)

    def stop(self) -> float:
        self.done.set()
        self.join()
        return self.peak_kb / 1024


@dataclass
class Run:
    """One `python -m graph …` process: how long, how much memory, what it said."""

    wall: float
    peak_mb: float
    code: int
    stderr: str

    def build_seconds(self) -> float | None:
        m = re.search(r"triples in ([\d.]+) s", self.stderr)
        return float(m.group(1)) if m else None

    def count(self, what: str) -> int:
        m = re.search(rf"{what} (\d+)", self.stderr)
        return int(m.group(1)) if m else 0

    def triples(self) -> int:
        m = re.search(r"; (\d+) triples", self.stderr)
        return int(m.group(1)) if m else 0


def run_graph(*args: str, check: bool = True) -> Run:
    """Run `python -m graph ARGS` in a fresh process, timing it and sampling its memory."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "graph", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    sampler = PeakMemory(proc.pid)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    run = Run(wall, sampler.stop(), proc.returncode, err)
    if check and proc.returncode != 0:
        raise SystemExit(f"python -m graph {' '.join(args)} failed ({proc.returncode}):\n{err}")
    return run


# --------------------------------------------------------------------------- corpus


def corpus(n: int, seed: int) -> tuple[Path, int]:
    """A folder with the first `n` documents of the corpus of `seed` (hard links); its size in bytes."""
    pool = OUT / f"corpus-seed{seed}"
    paths = generate(n, pool, seed=seed)
    folder = OUT / f"docs-{n}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for p in paths:
        os.link(p, folder / p.name)
    return folder, sum(p.stat().st_size for p in paths)


# --------------------------------------------------------------------------- builds


@dataclass
class BuildRow:
    label: str
    docs: int
    bytes: int
    run: Run
    jobs: str

    def _reported_s(self, part: str, missing: str) -> str:
        """Seconds the build line reports for ``part`` ("summaries 1.26 s"), or ``missing``."""
        found = re.search(rf"{part} ([\d.]+) s", self.run.stderr)
        return found.group(1) if found else missing

    @property
    def summary_s(self) -> str:
        """Of the wall time, what keeping the summaries in step took (graph.summaries)."""
        return self._reported_s("summaries", "?")

    @property
    def compact_s(self) -> str:
        """Of the wall time, what compacting the store took (graph.pipeline.compact_if_worthwhile); the
        build line leaves it out when there was none."""
        return self._reported_s("compaction", "0")

    @property
    def docs_per_s(self) -> float:
        return self.docs / self.run.wall

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.run.wall


def timed_build(folder: Path, store: Path, docs: int, size: int, label: str, *extra: str) -> BuildRow:
    if store.exists():
        shutil.rmtree(store)
    print(f"  build {label} …", file=sys.stderr, flush=True)
    run = run_graph("build", str(folder), "--out", str(store), "-q", *extra)
    jobs = re.search(r"\((\d+) process", run.stderr)
    row = BuildRow(label, docs, size, run, jobs.group(1) if jobs else "?")
    print(f"    {run.wall:.1f} s (summaries {row.summary_s} s, compaction {row.compact_s} s), "
          f"{row.docs_per_s:.1f} docs/s, "
          f"peak {run.peak_mb:.0f} MB", file=sys.stderr)
    return row


def breakdown(folder: Path, sample: int = 60) -> dict[str, float]:
    """Milliseconds per document of each part of a build, measured one by one in this process.

    Extraction with the N-Triples a worker sends (what a worker does), the trip
    of its result to the parent (pickle both ways), the store write a build does
    (`write_graphs` in batches through the bulk loader, as into a new version),
    the same write as one transaction per batch, the one-SPARQL-update-per-document
    write (`replace_graph`, which stores without `write_graphs` get), and SHACL on
    the document's graph.
    """
    import pickle
    import tempfile

    from graph.namespaces import document_graph
    from graph.pipeline import BATCH_DOCUMENTS, _shacl, _warm_up, process_file
    from graph.store import OxigraphStore

    paths = sorted(folder.iterdir())[:sample]
    _warm_up(True)
    started = time.perf_counter()
    results = [process_file(p, as_ntriples=True) for p in paths]
    n = len(results)
    out = {"extract, with N-Triples for the store": (time.perf_counter() - started) / n * 1000}
    # The same graphs as rdflib triples, for the what-ifs that take them (not timed).
    triples = [process_file(p).triples for p in paths]
    started = time.perf_counter()
    for r in results:
        pickle.loads(pickle.dumps(r))
    out["result to parent"] = (time.perf_counter() - started) / n * 1000
    items = [(document_graph(r.file_name), r.ntriples, r.passages) for r in results]
    batches = [items[i:i + BATCH_DOCUMENTS] for i in range(0, n, BATCH_DOCUMENTS)]
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        for label, bulk in (("store write (write_graphs, bulk loader)", True),
                            ("what-if: write_graphs, one transaction per batch", False)):
            store = OxigraphStore(Path(tmp) / label[:12], bulk_writes=bulk)
            started = time.perf_counter()
            for batch in batches:
                store.write_graphs(batch)
            store.close()
            out[label] = (time.perf_counter() - started) / n * 1000
        store = OxigraphStore(Path(tmp) / "update")
        started = time.perf_counter()
        for r, t in zip(results, triples, strict=True):
            store.replace_graph(document_graph(r.file_name), t)
        store.close()
        out["what-if: replace_graph, one SPARQL update per document"] = (time.perf_counter() - started) / n * 1000
    started = time.perf_counter()
    for t in triples[:20]:
        _shacl(t)
    out["SHACL on the document's graph"] = (time.perf_counter() - started) / min(20, n) * 1000
    out["triples per document"] = sum(len(t) for t in triples) / n
    return out


def five_bundled(runs: int) -> list[float]:
    """Wall times of building the five bundled documents with SHACL into Turtle, fresh processes."""
    out = OUT / "five.ttl"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "graph", "build", str(ROOT / "data" / "corpus"), "--out", str(out)],
                       cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


# --------------------------------------------------------------------------- queries


@dataclass
class Timing:
    runs: list[float] = field(default_factory=list)
    rows: int | None = None
    note: str = ""

    def pct(self, q: float) -> float | None:
        if not self.runs:
            return None
        ordered = sorted(self.runs)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    @property
    def p50(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None


def query_params(store: Any, first_doc: str) -> dict[str, dict[str, Any]]:
    """Each saved query's parameters, with placeholders resolved against the store."""
    from graph.queries import saved_queries

    agency = store.query(
        "SELECT ?e WHERE { ?e <http://www.w3.org/2004/02/skos/core#prefLabel> ?l . FILTER(STR(?l) = \"国家知识产权局\") }"
        " LIMIT 1").rows
    fill = {"{doc}": first_doc, "{agency}": str(agency[0][0]) if agency else "https://w3id.org/ipkg/id/none"}
    out = {}
    for name, q in saved_queries().items():
        params = PARAMS.get(name)
        if params is None:  # a query added later: its headers' examples of required parameters
            params = {}
            for p in q.parameters:
                m = re.search(r"\(e\.g\. ([^)]+)\)", p.description)
                if m and ("必填" in p.description or "required" in p.description):
                    params[p.name] = m.group(1)
        out[name] = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
    return out


class RdflibStore:
    """An in-memory rdflib Graph behind the Store seam's query() (for run_saved)."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    def query(self, sparql: str, bindings: Any = None, *, timeout_s: float | None = None,
              max_rows: int | None = None) -> Any:
        from graph.store import QueryResult

        # rdflib binds parameters its own way (initBindings): it cannot evaluate the
        # constant GROUP BY keys that the SEP-0007 text rewrite (bind_query) produces.
        res = self.graph.query(sparql, initBindings=dict(bindings or {}))
        if res.type == "ASK":
            return QueryResult(kind="ask", boolean=bool(res.askAnswer))
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            return QueryResult(kind="graph", triples=list(res)[:max_rows])
        rows = [tuple(r) for r in res][:max_rows]
        return QueryResult(kind="select", variables=[str(v) for v in res.vars], rows=rows)


def _open_backend(kind: str, target: str) -> tuple[Any, int]:
    """The store a child process times queries on, and how many triples it holds."""
    from graph import storage
    from graph.store import from_ox, open_store

    if kind == "server":
        return open_store(endpoint=target, read_only=True), 0
    src = storage.open_current(target)
    if kind == "oxigraph":
        return src, len(src)
    if kind == "rdflib":
        from rdflib import Graph

        graph = Graph()
        for q in src.quads():
            graph.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
        src.close()
        return RdflibStore(graph), len(graph)
    raise ValueError(f"unknown backend {kind!r}")


def _query_child(kind: str, target: str, conn: Any) -> None:
    """Open a backend, then time (name, params) requests until told to stop."""
    from graph.queries import run_saved

    started = time.perf_counter()
    store, triples = _open_backend(kind, target)
    conn.send(("ready", triples, time.perf_counter() - started))
    while True:
        msg = conn.recv()
        if msg is None:
            return
        name, params = msg
        t0 = time.perf_counter()
        try:
            res = run_saved(store, name, max_rows=MAX_ROWS, **params)
            conn.send(("ok", time.perf_counter() - t0, len(res)))
        except Exception as exc:  # reported in the table, not fatal
            conn.send(("error", f"{type(exc).__name__}: {exc}", 0))


class QueryRunner:
    """One backend in a child process, so a query past the cap can be stopped (by killing it).

    pyoxigraph cannot cancel a running query, and an abandoned one would keep a
    core busy and slow every later measurement; rdflib has no time limit at all.
    """

    def __init__(self, kind: str, target: str) -> None:
        self.kind, self.target = kind, target
        self.proc: Any = None
        self.load_s = 0.0
        self.triples = 0

    def start(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # a clean process: no inherited stores or threads
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_query_child, args=(self.kind, self.target, child), daemon=True)
        self.proc.start()
        self.conn = parent
        kind, self.triples, self.load_s = self.conn.recv()
        assert kind == "ready"

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.is_alive():
                with contextlib.suppress(OSError):
                    self.conn.send(None)
                self.proc.join(5)
                if self.proc.is_alive():
                    self.proc.kill()
                    self.proc.join()
            self.proc = None

    def time(self, params: dict[str, dict[str, Any]], repeat: int, budget_s: float, cap_s: float,
             skip: dict[str, str], on_timeout: Any = None) -> dict[str, Timing]:
        """Up to `repeat` timed runs per query after one warm-up, within about `budget_s` each.

        A warm-up that takes longer than the budget is the only sample; one past
        `cap_s` is stopped and recorded as "> cap". Queries in `skip` (name →
        note) are not run.
        """
        out = {}
        for name, kw in params.items():
            t = Timing()
            out[name] = t
            if name in skip:
                t.note = skip[name]
                continue
            spent = 0.0
            for i in range(repeat + 1):
                if self.proc is None:
                    self.start()
                self.conn.send((name, kw))
                if not self.conn.poll(cap_s):
                    self.proc.kill()
                    self.proc.join()
                    self.proc = None
                    if on_timeout:
                        on_timeout()
                    t.note = f"> {cap_s:.0f} s"
                    break
                kind, value, rows = self.conn.recv()
                if kind == "error":
                    t.note = str(value)[:80]
                    break
                t.rows = rows
                spent += value
                if i > 0 or value >= budget_s:  # the warm-up counts only when it is the only run
                    t.runs.append(value)
                if len(t.runs) >= repeat or (spent >= budget_s and t.runs):
                    break
        return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`python -m graph serve STORE` on a free port (Oxigraph's server, read-only)."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self) -> str:
        import requests

        port = _free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graph", "serve", str(self.store), "--bind", f"127.0.0.1:{port}", "--timeout", "0"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.post(f"{self.base}/query", data={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return self.base
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise SystemExit("python -m graph serve did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def restart(self) -> None:
        """After a query past the cap: the server would go on computing it, so start afresh (same port)."""
        port = int(self.base.rsplit(":", 1)[1])
        self.stop()
        import requests

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graph", "serve", str(self.store), "--bind", f"127.0.0.1:{port}", "--timeout", "0"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.ConnectionError):
                if requests.post(f"{self.base}/query", data={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)


# --------------------------------------------------------------------------- report


def _ms(v: float | None) -> str:
    if v is None:
        return "–"
    ms = v * 1000
    return f"{ms:.0f}" if ms >= 10 else f"{ms:.1f}"


def _pair(t: Timing | None) -> str:
    if t is None:
        return "not run"
    if t.note and not t.runs:
        return t.note
    return f"{_ms(t.p50)} / {_ms(t.pct(0.95))}"


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import pyoxigraph
    import rdflib

    return (f"{os.cpu_count()} cores ({cpu or platform.processor()}), {mem:.0f} GB RAM, Python "
            f"{platform.python_version()}, pyoxigraph {pyoxigraph.__version__}, rdflib {rdflib.__version__}")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per query and backend (at most)")
    ap.add_argument("--budget", type=float, default=10.0, help="seconds per query and backend before stopping early")
    ap.add_argument("--rdflib-max", type=int, default=1000, help="largest size also loaded into rdflib")
    ap.add_argument("--cap", type=float, default=60.0,
                    help="seconds after which one query is stopped (and not run at larger sizes)")
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--reuse-stores", action="store_true",
                    help="time queries on the stores a previous run built (bench/out/store-N) instead of rebuilding")
    args = ap.parse_args(argv)
    sizes = sorted(args.sizes)
    started = time.time()
    load_before = _load()
    print(f"bench: sizes {sizes}, seed {args.seed}; load average {load_before}", file=sys.stderr)

    five = five_bundled(5)
    print(f"  five bundled documents: {' '.join(f'{t:.2f}' for t in five)} s", file=sys.stderr)
    folder, _ = corpus(sizes[0], args.seed)
    parts = breakdown(folder)
    print("  breakdown: " + ", ".join(f"{k} {v:.0f}" for k, v in parts.items()), file=sys.stderr)
    builds: list[BuildRow] = []
    queries: dict[int, dict[str, dict[str, Timing]]] = {}
    params_used: dict[str, dict[str, Any]] = {}
    incremental: list[tuple[str, Run]] = []
    loads: dict[tuple[str, int], tuple[int, float]] = {}
    capped: dict[str, dict[str, str]] = {kind: {} for kind in BACKENDS}
    for n in sizes:
        folder, size = corpus(n, args.seed)
        store = OUT / f"store-{n}"
        if args.reuse_stores and (store / "CURRENT_VERSION").is_file():
            print(f"  reusing {store} (not rebuilt, no build figures)", file=sys.stderr)
        else:
            builds.extend(_builds(sizes, n, folder, store, size))
        from graph import storage

        first_doc = sorted(p.name for p in folder.iterdir())[0]
        with storage.open_current(store) as embedded:
            params = query_params(embedded, first_doc)
        params_used = params
        per: dict[str, dict[str, Timing]] = {}
        for kind in BACKENDS:
            if kind == "rdflib" and n > args.rdflib_max:
                continue
            print(f"  queries at {n:,}: {kind} …", file=sys.stderr, flush=True)
            server = None
            if kind == "server":
                server = Server(store)
                target = server.start()
            else:
                target = str(store)
            runner = QueryRunner(kind, target)
            try:
                runner.start()
                loads[(kind, n)] = (runner.triples, runner.load_s)
                per[kind] = runner.time(params, args.repeat, args.budget, args.cap, capped[kind],
                                        on_timeout=server.restart if server else None)
            finally:
                runner.stop()
                if server:
                    server.stop()
            for name, t in per[kind].items():  # past the cap here, past it at any larger size
                if t.note.startswith(">") and name not in capped[kind]:
                    capped[kind][name] = f"{t.note} at {n:,}"
        queries[n] = per
        partial = report(args, sizes, five, parts, builds, queries, params_used, incremental, loads, load_before,
                         time.time() - started)
        args.results.write_text(partial, "utf-8")  # so a run that breaks later still leaves its tables

    # Incremental builds on the largest store (fresh processes, default SHACL check).
    n = sizes[-1]
    folder = OUT / f"docs-{n}"
    store = OUT / f"store-{n}"
    print(f"  incremental on {n:,} …", file=sys.stderr, flush=True)
    incremental.append(("re-run the same build (nothing changed)", run_graph("build", str(folder), "--out", str(store), "-q")))
    extra = OUT / "extra"
    shutil.rmtree(extra, ignore_errors=True)
    extra.mkdir()
    name, content = document(args.seed, n)  # a document no corpus of this size holds
    new = extra / name
    new.write_bytes(content)
    incremental.append(("add one new document", run_graph("build", str(new), "--out", str(store), "-q")))
    new.write_bytes(content + "\n四、其他\n本方案自印发之日起施行。\n".encode())
    incremental.append(("change that document", run_graph("build", str(new), "--out", str(store), "-q")))
    incremental.append(("remove that document", run_graph("build", "--remove", name, "--out", str(store), "-q")))
    incremental.append(("add one new document, --no-validate",
                        run_graph("build", str(new), "--out", str(store), "-q", "--no-validate")))
    incremental.append(("remove it again", run_graph("build", "--remove", name, "--out", str(store), "-q")))

    text = report(args, sizes, five, parts, builds, queries, params_used, incremental, loads, load_before,
                  time.time() - started)
    print(text)
    args.results.write_text(text, "utf-8")
    print(f"wrote {args.results}", file=sys.stderr)
    return 0


def _builds(sizes: list[int], n: int, folder: Path, store: Path, size: int) -> list[BuildRow]:
    """The builds at size `n`: the fresh build; with SHACL at the smallest size; one serial build."""
    rows = [timed_build(folder, store, n, size, f"{n:,}", "--no-validate")]
    if n == sizes[0]:
        rows.append(timed_build(folder, OUT / "store-shacl", n, size, f"{n:,} with SHACL"))
        shutil.rmtree(OUT / "store-shacl")
    serial_at = max([m for m in sizes if m < 10000] or [sizes[0]])
    if (n == serial_at and len(sizes) > 1) or len(sizes) == 1:
        rows.append(timed_build(folder, OUT / "store-serial", n, size, f"{n:,}, one process", "--no-validate",
                                "--jobs", "1"))
        shutil.rmtree(OUT / "store-serial")
    return rows


def _ratio(num: Timing | None, den: Timing | None, bound: bool = False) -> str:
    """num p50 ÷ den p50, with the direction of the bound when one side hit the cap."""
    def cap(t: Timing) -> float | None:
        return float(re.sub(r"[^\d.]", "", t.note.split(" at ")[0])) if t.note.startswith(">") else None

    if num is None or den is None:
        return "–"
    if num.p50 and den.p50:
        r = num.p50 / den.p50
        return f"{'≥ ' if bound else ''}{r:.0f}×" if r >= 10 else f"{'≥ ' if bound else ''}{r:.1f}×"
    if num.p50 and cap(den):
        return f"< {num.p50 / cap(den):.2g}×"
    if cap(num) and den.p50:
        return f"> {cap(num) / den.p50:.0f}×"
    return "?"


def report(args: argparse.Namespace, sizes: list[int], five: list[float], parts: dict[str, float],
           builds: list[BuildRow],
           queries: dict[int, dict[str, dict[str, Timing]]], params: dict[str, dict[str, Any]],
           incremental: list[tuple[str, Run]], loads: dict[tuple[str, int], tuple[int, float]], load_before: str,
           elapsed: float) -> str:
    cmd = "" if sizes == list(SIZES) else " --sizes " + " ".join(map(str, sizes))
    lines = [
        "# ipkg benchmark results",
        "",
        f"Produced by `.venv/bin/python -m bench.run{cmd}` on {datetime.date.today().isoformat()} in "
        f"{elapsed / 60:.0f} min: {machine()}. Load average (1, 5, 15 min) {load_before} at the start, "
        f"{_load()} at the end: the machine is shared, so absolute times are noisy; ratios measured side by "
        "side in the same run are the steadier figures.",
        "",
        f"Corpus: `bench.corpus`, seed {args.seed}: synthetic documents recombined from the bundled corpus "
        "(the first N documents of a larger corpus are the corpus of N).",
        "",
        "## Build (ingest + extract + store)",
        "",
        "A fresh `python -m graph build DIR --out STORE -q --no-validate` into an empty on-disk store; "
        "peak memory is the summed PSS of the build process and its workers; the wall time includes the "
        "per-entity summaries (`graph.summaries`) and the compaction of the store when one is due "
        "(`graph.pipeline.compact_if_worthwhile`), whose shares are given.",
        "",
        "| documents | MB | processes | wall s | of which summaries s | of which compaction s | documents/s "
        "| MB/s | peak memory MB | triples |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for b in builds:
        lines.append(f"| {b.label} | {b.bytes / 1e6:.1f} | {b.jobs} | {b.run.wall:.1f} | {b.summary_s} | {b.compact_s} | "
                     f"{b.docs_per_s:.1f} | "
                     f"{b.mb_per_s:.3f} | {b.run.peak_mb:.0f} | {b.run.triples():,} |")
    main_builds = {b.docs: b for b in builds if b.label == f"{b.docs:,}"}
    growth = [f"{a:,} → {c:,} documents: {main_builds[c].run.wall / main_builds[a].run.wall:.1f}× the time"
              for a, c in itertools.pairwise(sorted(main_builds))]
    if growth:
        lines += ["", "Growth: " + "; ".join(growth) + "."]
    extract_ms = parts["extract, with N-Triples for the store"] + parts["result to parent"]
    write_ms = parts["store write (write_graphs, bulk loader)"]
    lines += ["", f"Where a document's build time goes (first {min(60, sizes[0])} documents, one at a time in one process; "
                  f"{parts['triples per document']:.0f} triples per document):", "",
              "| part | ms per document |", "|---|---:|"]
    lines += [f"| {k} | {v:.0f} |" for k, v in parts.items() if k != "triples per document"]
    lines += ["", "Extraction runs in the workers, the store write in a thread of the parent, overlapping: the "
                  f"write alone allows at most {1000 / write_ms:.0f} documents/s, extraction on "
                  f"{os.cpu_count()} cores at most {(os.cpu_count() or 1) * 1000 / extract_ms:.0f}; they share "
                  "the cores (the bulk loader uses more than one thread)."]
    lines += ["", "Five bundled documents with SHACL into Turtle, fresh process (`python -m graph build data/corpus "
                  f"--out five.ttl`), 5 runs: {', '.join(f'{t:.2f}' for t in five)} s; minimum **{min(five):.2f} s**."]
    lines += ["", f"## Incremental builds on the {sizes[-1]:,}-document store", "",
              "Each a fresh `python -m graph build … --out STORE -q` with its default SHACL check of the documents "
              "it builds.", "",
              "| operation | wall s (whole command) | pipeline s | built | unchanged | removed |", "|---|---:|---:|---:|---:|---:|"]
    for label, run in incremental:
        lines.append(f"| {label} | {run.wall:.2f} | {run.build_seconds() or 0:.2f} | {run.count('built')} | "
                     f"{run.count('unchanged')} | {run.count('removed')} |")
    rdflib_sizes = [n for n in sizes if "rdflib" in queries.get(n, {})]
    for n in sizes:
        if n not in queries:
            continue
        per = queries[n]
        lines += ["", f"## Saved queries at {n:,} documents: p50 / p95 ms", ""]
        facts = []
        for kind, what in (("oxigraph", "embedded store"), ("rdflib", "rdflib Graph")):
            if (kind, n) in loads:
                triples, secs = loads[(kind, n)]
                facts.append(f"{what}: {triples:,} triples"
                             + (f" (loaded in {secs:.0f} s)" if kind != "oxigraph" else ""))
        lines.append("; ".join(facts) + ".")
        ref_n = n if "rdflib" in per else max(rdflib_sizes, default=None)
        if "rdflib" not in per:
            lines += ["", f"rdflib is not loaded at {n:,} documents (it would need more memory than this machine has); "
                          f"the ratios compare with rdflib at {ref_n:,} documents, a lower bound." if ref_n else ""]
        lines += ["", "| query | rows | Oxigraph | rdflib | rdflib ÷ Oxigraph | SPARQL server (HTTP) |",
                  "|---|---:|---:|---:|---:|---:|"]
        ref = queries[ref_n].get("rdflib", {}) if ref_n else {}
        for name in sorted(per["oxigraph"]):
            ox_t = per["oxigraph"][name]
            rows = ox_t.rows if ox_t.rows is not None else "–"
            rd_t = per.get("rdflib", {}).get(name)
            lines.append(
                f"| {name} | {rows} | {_pair(ox_t)} | {_pair(rd_t) if rd_t else '–'} | "
                f"{_ratio(ref.get(name), ox_t, ref_n != n)} | {_pair(per.get('server', {}).get(name))} |")
    lines += aims(sizes, five, main_builds, incremental, queries)
    lines += ["", "Parameters: " + "; ".join(f"`{k}` {v}" for k, v in sorted(params.items()) if v) + ". "
              f"Rows are capped at {MAX_ROWS:,} (the CLI's default); latency includes converting every row to "
              f"rdflib terms, as the app and the CLI do. A query past {args.cap:.0f} s is stopped, shown as "
              "“> cap”, and not run again at larger sizes."]
    return "\n".join(lines) + "\n"


def aims(sizes: list[int], five: list[float], builds: dict[int, BuildRow], incremental: list[tuple[str, Run]],
         queries: dict[int, dict[str, dict[str, Timing]]]) -> list[str]:
    """The issue's aims, each with what this run measured."""
    top = max(queries, default=sizes[-1])
    big = builds.get(top)
    rows = []

    def row(aim: str, measured: str, ok: bool | None) -> None:
        rows.append(f"| {aim} | {measured} | {'met' if ok else 'not met' if ok is not None else '–'} |")

    if big:
        row(f"{top:,} documents build in < {AIM_BUILD_S // 60} min", f"{big.run.wall / 60:.1f} min", big.run.wall < AIM_BUILD_S)
        row(f"peak memory < {AIM_PEAK_MB / 1024:.0f} GB", f"{big.run.peak_mb / 1024:.2f} GB", big.run.peak_mb < AIM_PEAK_MB)
    for label, add in incremental:
        if label.startswith("add"):
            row(f"{label} to {top:,} < {AIM_ADD_S:.0f} s",
                f"{add.wall:.2f} s (pipeline {add.build_seconds() or 0:.2f} s)", add.wall < AIM_ADD_S)
    ox_t = queries.get(top, {}).get("oxigraph", {})
    slow = [k for k, t in ox_t.items() if t.p50 is None or t.p50 * 1000 >= AIM_P50_MS]
    worst = max((t.p50 for t in ox_t.values() if t.p50), default=None)
    row(f"every saved query p50 < {AIM_P50_MS} ms at {top:,}",
        f"{len(ox_t) - len(slow)} of {len(ox_t)} under; over: {', '.join(sorted(slow)) or 'none'}"
        f" (slowest measured {_ms(worst)} ms)", not slow)
    for n, per in queries.items():
        if "rdflib" not in per:
            continue
        ratios = {k: _ratio(t, per["oxigraph"][k]) for k, t in per["rdflib"].items()}
        good = [k for k, r in ratios.items() if r.startswith(">") or (r[0].isdigit() and float(r[:-1]) >= AIM_RATIO)]
        row(f"rdflib ÷ Oxigraph ≥ {AIM_RATIO}× for every query at {n:,}",
            f"{len(good)} of {len(ratios)}; " + ", ".join(f"{k} {r}" for k, r in sorted(ratios.items())),
            len(good) == len(ratios))
    ordered = sorted(builds)
    for a, c in itertools.pairwise(ordered):
        factor = builds[c].run.wall / builds[a].run.wall
        row(f"{a:,} → {c:,}: time ≤ {AIM_GROWTH / 10 * c / a:.0f}×", f"{factor:.1f}×", factor <= AIM_GROWTH / 10 * c / a)
    row(f"five bundled documents with SHACL < {AIM_FIVE_S:.0f} s (fresh process, best of 5)", f"{min(five):.2f} s",
        min(five) < AIM_FIVE_S)
    return ["", "## Aims", "", "| aim | measured | |", "|---|---|---|", *rows]


if __name__ == "__main__":
    sys.exit(main())
