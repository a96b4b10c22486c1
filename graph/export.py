"""One table of export formats, and the subgraph export the app and CLI use.

Adding a format is one writer function plus one row in :data:`FORMATS`.
A writer takes the subgraph's triples and its network projection and
returns bytes:

========  ===========  =====================================================
name      suffix       content
========  ===========  =====================================================
ttl       .ttl         Turtle (deterministic: sorted, project prefixes)
jsonld    .jsonld      JSON-LD
nt        .nt          N-Triples, one sorted line per triple
trig      .trig        TriG (the subgraph in the default graph)
graphml   .graphml     the network (nodes, edges, string attributes)
gexf      .gexf        the network for Gephi
csv       .zip         ``nodes.csv`` + ``edges.csv`` in one zip (see below)
html      .html        standalone network page (graph.visual), no CDN
========  ===========  =====================================================

CSV: a network is two tables, so ``csv`` is a zip holding ``nodes.csv``
(id, label, class, region, quote, iri) and ``edges.csv`` (source, target,
relation, predicate, quote, source_label, target_label). Files are UTF-8
with a byte-order mark, so Excel opens the Chinese text correctly, and the
zip entries carry a fixed timestamp so the same subgraph gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
from rdflib import URIRef

from graph.network import Subgraph, select_subgraph, to_networkx
from graph.store import Store, Triple, serialize_triples
from graph.visual import network_html

__all__ = [
    "FORMATS",
    "ExportFormat",
    "export_graph",
    "export_subgraph",
    "subgraph_triples",
]

#: A writer gets the triples and their network projection, returns the file's bytes.
Writer = Callable[[Sequence[Triple], nx.MultiDiGraph], bytes]


@dataclass(frozen=True)
class ExportFormat:
    """One row of the format table."""

    name: str
    suffix: str
    media_type: str
    label: str
    write: Writer
    needs_network: bool  # True: the writer reads the projection, not the triples

    @property
    def file_name(self) -> str:
        """A default file name (``ipkg-subgraph.ttl``)."""
        return f"ipkg-subgraph{self.suffix}"


def _rdf_writer(fmt: str) -> Writer:
    def write(triples: Sequence[Triple], _g: nx.MultiDiGraph) -> bytes:
        return serialize_triples(triples, fmt)

    return write


def _plain_graph(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attribute values are all strings or numbers (GraphML/GEXF need that)."""
    out = nx.MultiDiGraph()
    for key, value in g.graph.items():
        out.graph[key] = value if isinstance(value, int | float | str) else str(value)
    for n, attrs in g.nodes(data=True):
        out.add_node(str(n), **{k: _plain(v) for k, v in attrs.items()})
    for u, v, k, attrs in g.edges(keys=True, data=True):
        out.add_edge(str(u), str(v), key=str(k), **{a: _plain(b) for a, b in attrs.items()})
    return out


def _plain(value: object) -> str | int | float:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | str):
        return value
    return "" if value is None else str(value)


def _write_graphml(_t: Sequence[Triple], g: nx.MultiDiGraph) -> bytes:
    buf = io.BytesIO()
    nx.write_graphml(_plain_graph(g), buf, encoding="utf-8")
    return buf.getvalue()


def _write_gexf(_t: Sequence[Triple], g: nx.MultiDiGraph) -> bytes:
    buf = io.BytesIO()
    nx.write_gexf(_plain_graph(g), buf, encoding="utf-8")
    return buf.getvalue()


def _csv_bytes(header: list[str], rows: Iterable[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def _write_csv_zip(_t: Sequence[Triple], g: nx.MultiDiGraph) -> bytes:
    nodes = _csv_bytes(
        ["id", "label", "class", "region", "quote", "iri"],
        ([str(n), str(a.get("label", "")), str(a.get("cls", "")), str(a.get("region", "")),
          str(a.get("quote", "")), str(a.get("iri", n))] for n, a in g.nodes(data=True)),
    )
    labels = {n: str(a.get("label", "")) for n, a in g.nodes(data=True)}
    edges = _csv_bytes(
        ["source", "target", "relation", "predicate", "quote", "source_label", "target_label"],
        ([str(u), str(v), str(a.get("relation", k)), str(a.get("predicate", "")),
          str(a.get("quote", "")), labels.get(u, ""), labels.get(v, "")]
         for u, v, k, a in g.edges(keys=True, data=True)),
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (("nodes.csv", nodes), ("edges.csv", edges)):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def _write_html(_t: Sequence[Triple], g: nx.MultiDiGraph) -> bytes:
    return network_html(g, height="90vh", title="ipkg").encode("utf-8")


#: The export formats by name, in the order a menu shows them.
FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("ttl", ".ttl", "text/turtle", "Turtle", _rdf_writer("ttl"), False),
        ExportFormat("jsonld", ".jsonld", "application/ld+json", "JSON-LD", _rdf_writer("jsonld"), False),
        ExportFormat("nt", ".nt", "application/n-triples", "N-Triples", _rdf_writer("nt"), False),
        ExportFormat("trig", ".trig", "application/trig", "TriG", _rdf_writer("trig"), False),
        ExportFormat("graphml", ".graphml", "application/graphml+xml", "GraphML", _write_graphml, True),
        ExportFormat("gexf", ".gexf", "application/gexf+xml", "GEXF (Gephi)", _write_gexf, True),
        ExportFormat("csv", ".zip", "application/zip", "CSV (nodes + edges, zip)", _write_csv_zip, True),
        ExportFormat("html", ".html", "text/html", "HTML network page", _write_html, True),
    )
}


def _format(fmt: str) -> ExportFormat:
    try:
        return FORMATS[fmt.lower().lstrip(".")]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}") from None


def export_graph(
    triples: Sequence[Triple],
    fmt: str,
    *,
    graph: nx.MultiDiGraph | None = None,
    out_path: str | Path | None = None,
) -> bytes:
    """Write triples (and their network) in one of :data:`FORMATS`.

    Args:
        triples: the RDF triples (a subgraph, a CONSTRUCT result).
        fmt: a format name from :data:`FORMATS`.
        graph: the network projection, if already made (else projected here).
        out_path: also write the bytes to this file.

    Returns:
        The file content.
    """
    spec = _format(fmt)
    if graph is None and spec.needs_network:
        graph = to_networkx(triples)
    data = spec.write(triples, graph if graph is not None else nx.MultiDiGraph())
    if out_path is not None:
        path = Path(out_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return data


def _whole_store(store: Store) -> list[Triple]:
    from graph.queries import run_saved

    return list(run_saved(store, "all_triples").triples)


def subgraph_triples(
    store: Store,
    seeds: Sequence[str | URIRef],
    hops: int = 1,
    **filters: object,
) -> list[Triple]:
    """The triples of the neighbourhood of ``seeds`` (the whole graph when there are none).

    Args:
        store: the store.
        seeds: IRIs to start from.
        hops: 1 to 3.
        **filters: ``classes``, ``relations``, ``region``, ``document``, ``cap``,
            ``timeout_s``, as for :func:`graph.network.select_subgraph`.
    """
    if not seeds:
        return _whole_store(store)
    return list(select_subgraph(store, seeds, hops, **filters).triples)  # type: ignore[arg-type]


def export_subgraph(
    store: Store,
    seeds: Sequence[str | URIRef],
    hops: int,
    fmt: str,
    out_path: str | Path | None = None,
    **filters: object,
) -> bytes:
    """Select the neighbourhood of ``seeds`` and write it in format ``fmt``.

    Args:
        store: the store.
        seeds: IRIs to start from; none exports the whole graph.
        hops: 1 to 3.
        fmt: a format name from :data:`FORMATS` (ttl, jsonld, nt, trig, graphml, gexf, csv, html).
        out_path: also write the bytes to this file.
        **filters: as for :func:`subgraph_triples`.

    Returns:
        The file content.
    """
    spec = _format(fmt)
    if not seeds:
        return export_graph(_whole_store(store), spec.name, out_path=out_path)
    sub: Subgraph = select_subgraph(store, seeds, hops, **filters)  # type: ignore[arg-type]
    graph = sub.to_networkx() if spec.needs_network else None
    return export_graph(sub.triples, spec.name, graph=graph, out_path=out_path)
