"""Command line: python -m graph {build,query,export,stats,validate,serve}."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

DEFAULT_STORE = Path("data/store")
#: Output suffixes that mean "write one RDF file" rather than "a store folder".
FILE_SUFFIXES = (".ttl", ".nt", ".nq", ".trig", ".jsonld", ".rdf")

EXIT_OK, EXIT_FAILED, EXIT_PARTIAL = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `… | head`: the reader is gone, which is not an error
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a clear line, not a traceback, for expected failures
        from graph.store import StoreError

        if isinstance(exc, StoreError | FileNotFoundError | ValueError):
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
        raise


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m graph", description="ipkg: Chinese IP-policy knowledge graph.")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build documents into a store or an RDF file",
                       description="Read documents (.txt .html .docx .pdf, files or folders) into the graph.")
    b.add_argument("inputs", nargs="*", metavar="INPUT", help="document files or folders")
    b.add_argument("--out", default=None,
                   help=f"OUT.ttl|.nt|.nq|.trig|.jsonld writes one file; a folder is an embedded store "
                        f"(default {DEFAULT_STORE})")
    _endpoint_args(b)
    b.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    b.add_argument("--force", action="store_true", help="rebuild documents even when unchanged")
    b.add_argument("--remove", nargs="*", default=[], metavar="FILE", help="file names to drop from the store")
    b.add_argument("--prune", action="store_true",
                   help="drop documents in the store that are not among the inputs (mirror a folder)")
    b.add_argument("--no-validate", action="store_true",
                   help="skip the SHACL check of the documents built in this run")
    b.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    b.set_defaults(func=cmd_build)

    q = sub.add_parser("query", help="run a SPARQL query (read-only)")
    q.add_argument("source", metavar="STORE_OR_FILE", nargs="?", default=str(DEFAULT_STORE))
    q.add_argument("sparql", nargs="?", help="the query text, @FILE.rq, or omit with --saved")
    q.add_argument("--saved", help="name of a saved query in ontology/queries/")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="saved-query parameter")
    q.add_argument("--format", choices=("table", "csv", "json"), default="table")
    q.add_argument("--timeout", type=float, default=30.0, help="seconds before the query is stopped")
    q.add_argument("--max-rows", type=int, default=10000)
    _endpoint_args(q)
    q.set_defaults(func=cmd_query)

    e = sub.add_parser("export", help="export a subgraph around seed entities")
    e.add_argument("source", metavar="STORE_OR_FILE", nargs="?", default=str(DEFAULT_STORE))
    e.add_argument("--seed", action="append", required=True, help="a label or IRI (repeatable)")
    e.add_argument("--hops", type=int, default=1, choices=(1, 2, 3))
    e.add_argument("--format", default="ttl", help="ttl, jsonld, nt, trig, graphml, gexf, csv, html")
    e.add_argument("--out", required=True)
    _endpoint_args(e)
    e.set_defaults(func=cmd_export)

    s = sub.add_parser("stats", help="counts by class")
    s.add_argument("source", metavar="STORE_OR_FILE", nargs="?", default=str(DEFAULT_STORE))
    _endpoint_args(s)
    s.set_defaults(func=cmd_stats)

    v = sub.add_parser("validate", help="validate against the SHACL shapes")
    v.add_argument("source", metavar="STORE_OR_FILE", nargs="?", default=str(DEFAULT_STORE))
    v.add_argument("--sources", nargs="*", default=[], help="document files, to check quotes against offsets")
    v.set_defaults(func=cmd_validate)

    sv = sub.add_parser("serve", help="serve the embedded store read-only over the SPARQL protocol")
    sv.add_argument("source", metavar="STORE", nargs="?", default=str(DEFAULT_STORE))
    sv.add_argument("--bind", default="127.0.0.1:7878", help="host:port (default: localhost only)")
    sv.add_argument("--timeout", type=float, default=60.0, help="seconds before the server stops a query (0: never)")
    sv.set_defaults(func=cmd_serve)
    return p


def _endpoint_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", default=os.environ.get("IPKG_ENDPOINT"),
                   help="a SPARQL 1.1 server instead of the embedded store")
    p.add_argument("--user", default=os.environ.get("IPKG_USER"))
    p.add_argument("--password", default=os.environ.get("IPKG_PASSWORD"))


def _open(source: str, args: argparse.Namespace, *, read_only: bool = True):
    """A store for a store folder, an RDF file (loaded into memory) or an endpoint.

    A store folder is opened at its published version (`graph.storage`), under a
    lease that keeps that version on disk until the store is closed.
    """
    from graph import storage, summaries
    from graph.namespaces import ONTOLOGY_GRAPH
    from graph.store import open_store

    if getattr(args, "endpoint", None):
        return open_store(endpoint=args.endpoint, user=args.user, password=args.password, read_only=read_only)
    path = Path(source)
    if path.is_file():
        store = open_store(None)
        store.load_file(path, ONTOLOGY_GRAPH.__class__("https://w3id.org/ipkg/graph/loaded"))
        summaries.refresh(store)  # what the rankings read, for a file from elsewhere too
        return store
    if not path.exists():
        raise FileNotFoundError(f"{source}: no such store or file")
    return storage.open_current(path)


def _one_line(text: str) -> str:
    """A file name or reason as one printable line (a newline in a name stays escaped)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def cmd_build(args: argparse.Namespace) -> int:
    """`build`: documents → store or file."""
    from graph.pipeline import build, print_progress, remove

    if not args.inputs and not args.remove and not args.prune:
        raise ValueError("give documents to build, or --remove FILE…")
    out = Path(args.out) if args.out else DEFAULT_STORE
    to_file = out.suffix.lower() in FILE_SUFFIXES and not args.endpoint
    with _writable(args, out, to_file) as store:
        progress = None if args.quiet or not sys.stderr.isatty() else print_progress
        report = build(args.inputs, store, jobs=args.jobs, force=args.force, progress=progress,
                       validate=not args.no_validate, prune=args.prune)
        if args.remove:
            report.removed += remove(args.remove, store)
        for path, reason in report.failed:
            print(f"error: {_one_line(path)}: {_one_line(reason)}", file=sys.stderr)
        if to_file:
            out.parent.mkdir(parents=True, exist_ok=True)
            store.dump(out)
    where = args.endpoint or str(out)
    again = f" ({len(report.reextracted)} read again with this version's rules)" if report.reextracted else ""
    print(f"built {len(report.built)}{again}, unchanged {len(report.unchanged)}, failed {len(report.failed)}, "
          f"removed {len(report.removed)}; {report.triples} triples in {report.seconds:.2f} s "
          f"({report.jobs} {'process' if report.jobs == 1 else 'processes'}; summaries {report.summary_seconds:.2f} s"
          f"{f'; compaction {report.compact_seconds:.2f} s' if report.compact_seconds else ''}) "
          f"→ {where}", file=sys.stderr)
    _report_validation(report, args.no_validate)
    if report.failed:
        return EXIT_PARTIAL if report.built or report.unchanged else EXIT_FAILED
    return EXIT_OK


@contextlib.contextmanager
def _writable(args: argparse.Namespace, out: Path, to_file: bool) -> Iterator:
    """The store a build writes: an endpoint, an in-memory store (for a file), or a new version of a folder.

    A store folder is built through `graph.storage.begin_build`: one build at a
    time, on a copy of the published version, published only when the build
    ends cleanly, so readers (the app, `serve`) never see half a build.
    """
    from graph import storage
    from graph.store import open_store

    if args.endpoint or to_file:
        store = (open_store(endpoint=args.endpoint, user=args.user, password=args.password) if args.endpoint
                 else open_store(None))
        try:
            yield store
        finally:
            store.close()
        return
    with storage.begin_build(out) as store:
        yield store


def _report_validation(report, skipped: bool) -> None:
    """Say what SHACL checked: the documents built in this run, each with the ontology."""
    if skipped:
        print("SHACL: not run (--no-validate)", file=sys.stderr)
        return
    if not report.built:
        print("SHACL: nothing built in this run, nothing checked", file=sys.stderr)
        return
    scope = (f"{report.validated} document(s) built in this run, each with the ontology; "
             "`python -m graph validate` checks the whole graph")
    if not report.violations:
        print(f"SHACL: conforms ({scope})", file=sys.stderr)
        return
    print(f"SHACL: {len(report.violations)} result(s) ({scope})", file=sys.stderr)
    for name, message in report.violations[:20]:
        print(f"  {name}: {message}", file=sys.stderr)
    if len(report.violations) > 20:
        print(f"  … and {len(report.violations) - 20} more", file=sys.stderr)


def _as_rdflib(store):
    from rdflib import Graph

    res = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    graph = Graph()
    for triple in res.triples:
        graph.add(triple)
    return graph


def cmd_query(args: argparse.Namespace) -> int:
    """`query`: run SPARQL and print a table, CSV or JSON."""
    from rdflib import Literal

    store = _open(args.source, args)
    if args.saved:
        from graph.queries import run_saved

        params = dict(p.split("=", 1) for p in args.param)
        res = run_saved(store, args.saved, **params)
    else:
        if not args.sparql:
            raise ValueError("give a query, @FILE.rq, or --saved NAME")
        text = Path(args.sparql[1:]).read_text("utf-8") if args.sparql.startswith("@") else args.sparql
        from graph.queries import prepare

        res = store.query(prepare(text), timeout_s=args.timeout, max_rows=args.max_rows)
    if res.kind == "ask":
        print(json.dumps(res.boolean) if args.format == "json" else str(res.boolean).lower())
        return EXIT_OK
    if res.kind == "graph":
        from rdflib import Graph

        g = Graph()
        for t in res.triples:
            g.add(t)
        print(g.serialize(format="json-ld" if args.format == "json" else "turtle"))
        return EXIT_OK
    rows = [["" if v is None else str(v) for v in row] for row in res.rows]
    if args.format == "json":
        print(json.dumps([dict(zip(res.variables, row, strict=True)) for row in rows], ensure_ascii=False, indent=1))
    elif args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(res.variables)
        w.writerows(rows)
        print(buf.getvalue(), end="")
    else:
        _print_table(res.variables, rows)
    if res.truncated:
        print(f"(truncated at {args.max_rows} rows)", file=sys.stderr)
    del Literal
    return EXIT_OK


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    widths = [min(w, 60) for w in widths]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c[:60].ljust(w) for c, w in zip(r, widths, strict=True)))
    print(f"({len(rows)} rows)")


def cmd_export(args: argparse.Namespace) -> int:
    """`export`: a subgraph around seeds, in any export format."""
    from graph.export import export_subgraph

    store = _open(args.source, args)
    try:
        seeds = _resolve_seeds(store, args.seed)
        data = export_subgraph(store, seeds, args.hops, args.format, args.out)
    finally:
        store.close()
    print(f"wrote {args.out} ({len(data)} bytes)", file=sys.stderr)
    return EXIT_OK


def _resolve_seeds(store, seeds: list[str]) -> list:
    """IRIs for `--seed` values: an IRI as it is, a name as every entity that has it exactly."""
    from rdflib import URIRef

    from graph.queries import search_entities

    out: list[URIRef] = []
    for seed in seeds:
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", seed):
            out.append(URIRef(seed))
            continue
        exact = [hit.iri for hit in search_entities(store, seed, limit=200) if hit.score == 0]
        if not exact:
            raise ValueError(f"no entity is named {seed!r}; give its exact name or IRI")
        out.extend(iri for iri in exact if iri not in out)
    return out


def cmd_stats(args: argparse.Namespace) -> int:
    """`stats`: documents, triples and instances per class."""
    from graph.queries import counts_by_class

    store = _open(args.source, args)
    print(f"triples: {len(store)}")
    for name, count in counts_by_class(store).items():
        print(f"{name:<20} {count}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """`validate`: SHACL shapes and, with --sources, offsets against quotes."""
    from graph.validate import check_offsets, read_sources, validate

    store = _open(args.source, args)
    graph = _as_rdflib(store)
    result = validate(graph)
    print("conforms" if result.conforms else f"{len(result.violations)} violation(s)")
    for v in result.violations[:50]:
        print(f"  {v}")
    bad = check_offsets(graph, read_sources(args.sources)) if args.sources else []
    for b in bad[:50]:
        print(f"  offset mismatch: {b}")
    return EXIT_OK if result.conforms and not bad else EXIT_FAILED


def cmd_serve(args: argparse.Namespace) -> int:
    """`serve`: Oxigraph's own SPARQL server (`oxigraph serve-read-only`) over an embedded store.

    The server answers the SPARQL 1.1 Protocol at /query (and the Graph Store
    Protocol's read side at /store), with the store's merged default graph (the
    deduplicated union of the documents' graphs), as `query` sees the store; a
    store built before that view existed is served with Oxigraph's union default
    graph instead. It serves the version published when it
    starts, leased (`graph.storage.hold_current`) so that later builds leave it
    on disk; restart it to serve a newer build. Stopping this command stops the
    server.
    """
    from graph import storage

    binary = _oxigraph_binary()
    root = Path(args.source)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such store (build one with `python -m graph build … --out DIR`)")
    with storage.hold_current(root) as (version, folder):
        cmd = [binary, "serve-read-only", "--location", str(folder), "--bind", args.bind]
        if _needs_union(folder):
            cmd.append("--union-default-graph")
        if args.timeout:
            cmd += ["--timeout-s", str(max(1, round(args.timeout)))]
        label = f"version {version}" if version is not None else "store"
        print(f"serving {root} ({label}) read-only at http://{args.bind}/query", file=sys.stderr, flush=True)
        server = subprocess.Popen(cmd)

        def stop(signum: int, frame: object) -> None:
            server.terminate()

        # The lease lives in this process, so the server runs as its child; a stop
        # request for this process is passed on to it.
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            return server.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if server.poll() is None:
                server.kill()
                server.wait()


def _needs_union(folder: Path) -> bool:
    """True for a store without the merged default graph (see `graph.store`)."""
    from graph.store import OxigraphStore

    with OxigraphStore(folder, read_only=True) as store:
        return store.needs_union()


def _oxigraph_binary() -> str:
    """The `oxigraph` server installed with this Python (pip install oxigraph), else on PATH."""
    here = Path(sys.executable).with_name("oxigraph")
    found = str(here) if here.exists() else shutil.which("oxigraph")
    if not found:
        raise FileNotFoundError("the oxigraph server is not installed: pip install oxigraph")
    return found
