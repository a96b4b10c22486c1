"""Project the RDF graph onto networkx, and select neighbourhoods (ego networks) of it.

The projection (:func:`to_networkx`) keeps what a person reads as a network
and folds the rest into attributes:

* nodes: entities, documents, measures and targets (any IRI that is an end
  of a relation or carries an ipkg class), with ``label``, ``cls`` (short
  class name, most specific first), ``region`` (label of
  locatedIn / jurisdiction / region), ``quote`` (its source passage) and ``iri``;
  a selection (:class:`Subgraph`) adds ``depth`` (hops from the seeds) and, where
  the cap hid some of a node's neighbours, ``more`` (how many);
* edges: one per (subject, relation, object) between nodes, keyed by the
  relation's short name, with ``relation``, ``predicate`` and ``quote``
  (the provenance passage: a measure's or target's own quote for its
  edges, or a mention's quote for a document's edge to what it mentions);
* left out: literal values (they become attributes), types and schema
  links, and ``ipkg:Mention`` nodes, which fold into edge quotes.

Attribute values are strings, except the integers ``depth`` and ``more``
(GraphML and GEXF take both).

A selection (:func:`select_subgraph`, :func:`ego_network`) goes breadth first
from seeds, with filters and a cap on the nodes, over either source of
neighbours:

* a :class:`~graph.store.Store`: one bound query per node (``ego_neighbours``),
  for the CLI and SPARQL endpoints, where reading the whole graph would cost
  more than the neighbourhood;
* an :class:`EntityIndex`: every node's names and classes and every relation,
  read once with two queries (``entity_index``, ``edges``) and kept in memory;
  the app searches and draws ego networks from it in milliseconds, where a
  query per node takes seconds.

The selection rules (filters, the cap, which nodes go first when it bites,
the "+N more" counts) are one function, and both sources answer the same
question under the same definition of a relation (``edges.rq`` and
``ego_neighbours.rq`` share it), so they select the same nodes.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from rdflib import BNode, Graph, Literal, URIRef

from graph.namespaces import DCTERMS, IPKG, OWL, PROV, RDF, RDFS, SKOS
from graph.queries import (
    CLASS_ORDER,
    INSTITUTION_CLASSES,
    local_name,
    node_label,
    primary_class,
    run_saved,
    to_simplified,
)
from graph.store import QueryResult, Store, Term, Triple

if TYPE_CHECKING:  # networkx loads when a network is first projected: pages that draw none skip it
    import networkx as nx

__all__ = [
    "SKIPPED_PREDICATES",
    "Edge",
    "EntityIndex",
    "GraphNode",
    "Subgraph",
    "describe",
    "ego_network",
    "network_from_result",
    "select_subgraph",
    "to_networkx",
]

#: Predicates that never become edges: typing, schema, and mention bookkeeping.
SKIPPED_PREDICATES: frozenset[URIRef] = frozenset({
    RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range,
    OWL.inverseOf, OWL.equivalentClass, OWL.sameAs, SKOS.inScheme,
    PROV.wasDerivedFrom,  # super-property of statedIn / inDocument: would double edges
    IPKG.mentionOf, IPKG.inDocument, IPKG.inMeasure,
})
_REGION_PREDICATES = (IPKG.locatedIn, IPKG.jurisdiction, IPKG.region)
_SCHEMA_TYPES = frozenset({
    OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.Ontology,
    OWL.TransitiveProperty, RDF.Property, OWL.AnnotationProperty,
})


def _first(values: list[Term] | None) -> Term | None:
    """The smallest value, so the same triples always give the same attribute."""
    return min(values, key=str) if values else None


def to_networkx(
    triples: Iterable[Triple] | Graph,
    *,
    nodes: Iterable[Term] | None = None,
    relations: Iterable[str] | None = None,
) -> nx.MultiDiGraph:
    """Project RDF triples (a CONSTRUCT result, a subgraph) onto a MultiDiGraph.

    Args:
        triples: the triples, or an rdflib Graph.
        nodes: if given, only these IRIs become nodes; triples about other
            terms still supply labels, regions and quotes.
        relations: if given, only edges whose relation short name (or full
            predicate IRI) is listed.

    Returns:
        A ``networkx.MultiDiGraph`` keyed by IRI strings (see the module docstring).
    """
    import networkx as nx
    by_subject: dict[Term, dict[URIRef, list[Term]]] = defaultdict(lambda: defaultdict(list))
    edges: list[Triple] = []
    for s, p, o in triples:
        by_subject[s][p].append(o)  # type: ignore[index]
        if not isinstance(o, Literal) and p not in SKIPPED_PREDICATES:
            edges.append((s, p, o))

    def types(term: Term) -> list[Term]:
        return by_subject[term].get(RDF.type, []) if term in by_subject else []

    def is_mention(term: Term) -> bool:
        return IPKG.Mention in types(term) or IPKG.mentionOf in by_subject.get(term, {})

    def is_schema(term: Term) -> bool:
        return any(t in _SCHEMA_TYPES for t in types(term))

    type_objects = {o for s, props in by_subject.items() for o in props.get(RDF.type, [])}
    wanted_rel = set(relations) if relations is not None else None
    allowed = {URIRef(str(n)) for n in nodes} if nodes is not None else None

    def keep_node(term: Term) -> bool:
        if not isinstance(term, URIRef | BNode):
            return False
        if allowed is not None:
            return term in allowed
        return not (is_mention(term) or is_schema(term) or term in type_objects)

    # Mention quotes for (document, entity) pairs: provenance of document edges.
    mention_quote: dict[tuple[Term, Term], str] = {}
    for _m, props in by_subject.items():
        if IPKG.mentionOf in props and IPKG.inDocument in props:
            quote = _first(props.get(IPKG.quote))
            if quote is None:
                continue
            for entity in props[IPKG.mentionOf]:
                for doc in props[IPKG.inDocument]:
                    key = (doc, entity)
                    if key not in mention_quote or str(quote) < mention_quote[key]:
                        mention_quote[key] = str(quote)

    g = nx.MultiDiGraph()

    def label_of(term: Term) -> str:
        props = by_subject.get(term, {})
        return node_label(
            term, _first(props.get(SKOS.prefLabel)), _first(props.get(DCTERMS.title)),
            _first(props.get(IPKG.text)), _first(props.get(IPKG.fileName)),
        )

    def add_node(term: Term) -> str:
        key = str(term)
        if key in g:
            return key
        props = by_subject.get(term, {})
        region = ""
        for pred in _REGION_PREDICATES:
            target = _first(props.get(pred))
            if target is not None:
                region = label_of(target)
                break
        g.add_node(
            key,
            label=label_of(term),
            cls=primary_class(types(term)) or "Other",
            region=region,
            quote=str(_first(props.get(IPKG.quote)) or ""),
            iri=key,
        )
        return key

    for s, props in by_subject.items():
        typed = any(str(t).startswith(str(IPKG)) for t in props.get(RDF.type, []))
        if keep_node(s) and (typed or allowed is not None):
            add_node(s)
    for s, p, o in sorted(edges, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
        name = local_name(p)
        if wanted_rel is not None and name not in wanted_rel and str(p) not in wanted_rel:
            continue
        if not (keep_node(s) and keep_node(o)):
            continue
        own_quote = _first(by_subject[s].get(IPKG.quote))
        quote = str(own_quote) if own_quote is not None else mention_quote.get((s, o), "")
        u, v = add_node(s), add_node(o)
        if not g.has_edge(u, v, key=name):
            g.add_edge(u, v, key=name, relation=name, predicate=str(p), quote=quote)
    return g


# --------------------------------------------------------------------------- entity index

#: The index's file format; a file of another version is read as absent.
_INDEX_VERSION = 1
_LABEL_KINDS = ("pref", "title", "text", "file", "quote")


def _lang_key(term: Term | None) -> str:
    """"zh", "en" or "" for a literal's language tag."""
    lang = (getattr(term, "language", None) or "").lower()
    return "zh" if lang.startswith("zh") else "en" if lang.startswith("en") else ""


def _class_rank(name: str) -> tuple[float, str]:
    rank = CLASS_ORDER.index(name) if name in CLASS_ORDER else CLASS_ORDER.index("Institution") - 0.5
    return (rank, name)


@dataclass
class GraphNode:
    """One node as the app shows it: its names, classes and own passage.

    Attributes:
        iri: the node.
        cls: the most specific ipkg class it is stated to have (short name), "Other" without one.
        classes: every ipkg class it has, superclasses included, most specific first.
        labels: preferred label by language ("zh", "en", "" for untagged).
        aliases: alternative labels.
        names: the other names it may go by: title, text, file name, quote (by kind).
        graphs: the named graphs that state it is a document (documents only).
    """

    iri: str
    cls: str = "Other"
    classes: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    names: dict[str, str] = field(default_factory=dict)
    graphs: tuple[str, ...] = ()

    def label(self, lang: str = "zh") -> str:
        """Preferred label in ``lang``, else in Chinese or any, else title, text, file name, quote, IRI end."""
        lang = "en" if str(lang).startswith("en") else "zh"
        for key in (lang, "zh", "", "en"):
            if self.labels.get(key):
                return self.labels[key]
        for kind in _LABEL_KINDS[1:]:
            if self.names.get(kind):
                return self.names[kind]
        return local_name(self.iri)

    def short_label(self, lang: str = "zh", width: int = 18) -> str:
        """The label cut to ``width`` characters (a measure's label is a sentence)."""
        text = " ".join(self.label(lang).split())
        return text if len(text) <= width else text[: width - 1] + "…"

    @property
    def quote(self) -> str:
        """The node's own source passage (measures and targets), or ""."""
        return self.names.get("quote", "")


class Edge(NamedTuple):
    """One relation between two nodes of the index."""

    s: str
    name: str  # the predicate's short name (servedBy)
    o: str
    quote: str  # the passage behind it, or ""
    predicate: str  # the predicate's IRI
    graphs: tuple[str, ...]  # the named graphs that state it


class Neighbour(NamedTuple):
    """One node next to another, as a source of neighbours reports it."""

    name: str  # the relation's short name
    predicate: str
    other: str
    classes: frozenset[str]  # ipkg class short names, superclasses included
    cls: str  # the most specific one
    regions: frozenset[str]  # region IRIs it lies in (see ego_neighbours.rq)


def nodes_from_rows(rows: Iterable[Sequence[Term | None]]) -> dict[str, GraphNode]:
    """Nodes from ``(node, kind, value)`` rows as ``entity_index.rq`` gives them."""
    nodes: dict[str, GraphNode] = {}
    stated: dict[str, set[str]] = defaultdict(set)
    inherited: dict[str, set[str]] = defaultdict(set)
    for s, kind, value in rows:
        if s is None or isinstance(s, BNode) or value is None:
            continue
        node = nodes.setdefault(str(s), GraphNode(str(s)))
        kind = str(kind)
        if kind == "class":
            stated[node.iri].add(str(value))
        elif kind == "super":
            inherited[node.iri].add(local_name(value))
        elif kind == "graph":
            node.graphs = tuple(sorted({*node.graphs, str(value)}))
        elif kind == "alt":
            node.aliases = (*node.aliases, str(value))
        elif kind == "pref":
            key = _lang_key(value)
            if str(value) < node.labels.get(key, "\uffff"):  # the same label every time
                node.labels[key] = str(value)
        elif str(value) < node.names.get(kind, "\uffff"):
            node.names[kind] = str(value)
    for iri, node in nodes.items():
        names = {local_name(c) for c in stated.get(iri, ())} | inherited.get(iri, set())
        node.classes = tuple(sorted(names, key=_class_rank))
        node.cls = primary_class(stated.get(iri, ())) or "Other"  # the stated classes, not NamedEntity
        node.aliases = tuple(sorted(set(node.aliases) - set(node.labels.values())))
    return nodes


class EntityIndex:
    """Every node's names and classes and every relation, in memory.

    Built from a store with two queries (:meth:`from_store`), saved to and read
    from JSON (:meth:`save`, :meth:`load`), shared read-only by the app's sessions.
    """

    def __init__(self, nodes: dict[str, GraphNode], edges: list[Edge]) -> None:
        self.nodes = nodes
        self.edges = edges
        self.out: dict[str, list[int]] = defaultdict(list)
        self.inc: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(edges):
            self.out[e.s].append(i)
            self.inc[e.o].append(i)
        self._keys: list[tuple[str, str, bool]] | None = None  # (folded name, iri, preferred?)
        self._regions: dict[str, frozenset[str]] | None = None

    # -- building and saving

    @classmethod
    def from_store(cls, store: Store, *, timeout_s: float | None = 120.0) -> EntityIndex:
        """Read the index from a store (queries ``entity_index`` and ``edges``)."""
        nodes = nodes_from_rows(run_saved(store, "entity_index", timeout_s=timeout_s).rows)
        edges: list[Edge] = []
        res = run_saved(store, "edges", timeout_s=timeout_s)
        for s, p, o, quote, graphs in res.rows:
            if s is None or o is None or p is None:
                continue
            edges.append(Edge(str(s), local_name(p), str(o), "" if quote is None else str(quote), str(p),
                              tuple(sorted(str(graphs or "").split()))))
            for end in (str(s), str(o)):
                nodes.setdefault(end, GraphNode(end))
        return cls(nodes, edges)

    def to_json(self) -> dict[str, Any]:
        """The index as plain JSON data (see :meth:`from_json`)."""
        return {
            "version": _INDEX_VERSION,
            "nodes": [[n.iri, n.cls, list(n.classes), n.labels, list(n.aliases), n.names, list(n.graphs)]
                      for n in self.nodes.values()],
            "edges": [[*e[:5], list(e.graphs)] for e in self.edges],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EntityIndex:
        """The index from :meth:`to_json`'s data.

        Raises:
            ValueError: the data is not an index of this version.
        """
        if not isinstance(data, Mapping) or data.get("version") != _INDEX_VERSION:
            raise ValueError("not an entity index of this version")
        nodes = {
            iri: GraphNode(iri, cls_, tuple(classes), dict(labels), tuple(aliases), dict(names), tuple(graphs))
            for iri, cls_, classes, labels, aliases, names, graphs in data["nodes"]
        }
        edges = [Edge(s, name, o, quote, pred, tuple(graphs)) for s, name, o, quote, pred, graphs in data["edges"]]
        return cls(nodes, edges)

    def save(self, path: str | Path) -> None:
        """Write the index to a JSON file (through a temporary file, so readers never see half of it)."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # one per writer: two servers may save at once
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")), "utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> EntityIndex:
        """Read an index written by :meth:`save`.

        Raises:
            OSError: the file cannot be read.
            ValueError: it holds no index of this version.
        """
        return cls.from_json(json.loads(Path(path).read_text("utf-8")))

    # -- lookup

    @property
    def empty(self) -> bool:
        """True when the index holds no node."""
        return not self.nodes

    def size(self) -> tuple[int, int]:
        """Nodes and relations in the index."""
        return len(self.nodes), len(self.edges)

    def get(self, iri: str) -> GraphNode:
        """The node for ``iri`` (a bare node when unknown)."""
        return self.nodes.get(str(iri)) or GraphNode(str(iri))

    def of_class(self, *classes: str) -> list[GraphNode]:
        """Nodes having any of ``classes`` (short names, superclasses count)."""
        wanted = set(classes)
        return [n for n in self.nodes.values() if wanted.intersection(n.classes)]

    def class_counts(self) -> Counter[str]:
        """Nodes per most specific class."""
        return Counter(n.cls for n in self.nodes.values())

    def relation_names(self) -> list[str]:
        """The short names of every relation in the graph, sorted."""
        return sorted({e.name for e in self.edges})

    def search(self, text: str, *, classes: Iterable[str] = (), limit: int = 50) -> list[GraphNode]:
        """Nodes whose label or alias contains ``text``, in Simplified or Traditional script.

        Ranked as :func:`graph.queries.search_entities` ranks: exact, then prefix,
        then anywhere in the name; preferred labels before aliases, shorter names
        first; named things before measures and targets, whose names are sentences.
        """
        query = to_simplified(str(text)).strip().casefold()
        raw = str(text).strip().casefold()
        if not query:
            return []
        if self._keys is None:
            keys = []
            for node in self.nodes.values():
                names = [*node.labels.values()] or [node.label()]
                keys += [(to_simplified(n).casefold(), node.iri, True) for n in set(names)]
                keys += [(to_simplified(a).casefold(), node.iri, False) for a in node.aliases]
            self._keys = keys
        wanted = set(classes)
        best: dict[str, tuple[int, int, int]] = {}
        for key, iri, preferred in self._keys:
            if query in key or raw in key:
                rank = 0 if key in (query, raw) else 1 if key.startswith((query, raw)) else 2
                score = (rank, 0 if preferred else 1, len(key))
                if iri not in best or score < best[iri]:
                    best[iri] = score
        hits = [self.nodes[i] for i in best if not wanted or wanted.intersection(self.nodes[i].classes)]
        hits.sort(key=lambda n: (n.cls in ("Measure", "Target"), best[n.iri], n.iri))
        return hits[:limit]

    # -- neighbours

    def regions_of(self, iri: str) -> frozenset[str]:
        """The regions a node lies in, by the rule of ``ego_neighbours.rq``.

        Where it is located, its jurisdiction or region, the jurisdiction of the
        document it is stated in, the node itself if it is a region, and every
        region those are part of.
        """
        if self._regions is None:
            self._regions = self._region_map()
        return self._regions.get(iri, frozenset())

    def _region_map(self) -> dict[str, frozenset[str]]:
        direct = {str(IPKG.locatedIn), str(IPKG.jurisdiction), str(IPKG.region)}
        part_of: dict[str, list[str]] = defaultdict(list)
        jurisdiction: dict[str, list[str]] = defaultdict(list)
        for e in self.edges:
            if e.predicate == str(IPKG.partOf):
                part_of[e.s].append(e.o)
            elif e.predicate == str(IPKG.jurisdiction):
                jurisdiction[e.s].append(e.o)
        is_region = {iri for iri, n in self.nodes.items() if "Region" in n.classes}
        out: dict[str, frozenset[str]] = {}
        for iri in self.nodes:
            start = {iri}
            for i in self.out.get(iri, ()):
                e = self.edges[i]
                if e.predicate in direct:
                    start.add(e.o)
                elif e.predicate == str(IPKG.statedIn):
                    start.update(jurisdiction.get(e.o, ()))
            seen, stack = set(start), list(start)
            while stack:  # partOf*, cycles included
                for up in part_of.get(stack.pop(), ()):
                    if up not in seen:
                        seen.add(up)
                        stack.append(up)
            regions = frozenset(seen & is_region)
            if regions:
                out[iri] = regions
        return out

    def neighbours(self, iri: str, graphs: frozenset[str] | None = None) -> Iterator[Neighbour]:
        """The nodes one relation away from ``iri``, either way (only relations stated in ``graphs``, if given)."""
        for indices, end in ((self.out.get(iri, ()), 2), (self.inc.get(iri, ()), 0)):
            for i in indices:
                e = self.edges[i]
                if graphs is not None and graphs.isdisjoint(e.graphs):
                    continue
                other = e[end]
                node = self.get(other)
                yield Neighbour(e.name, e.predicate, other, frozenset(node.classes), node.cls, self.regions_of(other))

    def document_graphs(self, documents: Iterable[str]) -> frozenset[str]:
        """The named graphs that state the given documents."""
        return frozenset(g for d in documents for g in self.get(str(d)).graphs)

    # -- projection

    def to_networkx(self, sub: Subgraph, lang: str = "zh") -> nx.MultiDiGraph:
        """The selected nodes and the relations among them, as :func:`to_networkx` projects them.

        Labels are in ``lang`` where the graph has them.
        """
        import networkx as nx

        members = {str(n) for n in sub.nodes}
        wanted = set(sub.relations) if sub.relations else None
        graphs = frozenset(sub.graphs) or None
        g = nx.MultiDiGraph(hidden=sub.hidden, seeds=" ".join(str(s) for s in sub.seeds))
        for iri in map(str, sub.nodes):
            node = self.get(iri)
            region = ""
            for pred in _REGION_PREDICATES:
                targets = [self.edges[i].o for i in self.out.get(iri, ()) if self.edges[i].predicate == str(pred)]
                if targets:
                    region = self.get(min(targets)).label(lang)
                    break
            g.add_node(iri, label=node.label(lang), cls=node.cls, region=region, quote=node.quote, iri=iri,
                       **_selection_attrs(sub, URIRef(iri)))
        for iri in map(str, sub.nodes):
            for i in self.out.get(iri, ()):
                e = self.edges[i]
                if e.o not in members or (wanted and e.name not in wanted and e.predicate not in wanted):
                    continue
                if graphs is not None and graphs.isdisjoint(e.graphs):
                    continue
                if not g.has_edge(e.s, e.o, key=e.name):
                    g.add_edge(e.s, e.o, key=e.name, relation=e.name, predicate=e.predicate, quote=e.quote)
        return g


# --------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Subgraph:
    """The neighbourhood of some seeds, with what the cap left out.

    Attributes:
        seeds: the seeds that exist in the source.
        nodes: the selected nodes, seeds first, then by hop.
        triples: everything stated about the selected nodes (their literals,
            types, regions, mentions, and the relations among them); empty for
            a selection from an index until :func:`describe` fills it in.
        hidden: nodes reached but not selected because of the cap ("+N more").
        relations: the relation filter used, if any.
        depth: hops from the seeds of each selected node.
        more: for a selected node, how many of its neighbours the cap hid.
        graphs: the named graphs the selection was restricted to (a document filter).
    """

    seeds: tuple[URIRef, ...]
    nodes: tuple[URIRef, ...]
    triples: tuple[Triple, ...]
    hidden: int
    relations: tuple[str, ...] | None = None
    depth: Mapping[URIRef, int] = field(default_factory=dict)
    more: Mapping[URIRef, int] = field(default_factory=dict)
    graphs: tuple[str, ...] = ()

    def to_networkx(self) -> nx.MultiDiGraph:
        """The selected nodes and the relations among them, projected from ``triples``."""
        g = to_networkx(self.triples, nodes=self.nodes, relations=self.relations)
        g.graph["hidden"] = self.hidden
        g.graph["seeds"] = " ".join(str(s) for s in self.seeds)
        for node in self.nodes:
            if str(node) in g:
                g.nodes[str(node)].update(_selection_attrs(self, node))
        return g


def _selection_attrs(sub: Subgraph, node: URIRef) -> dict[str, int]:
    attrs = {"depth": sub.depth.get(node, 0)}
    if sub.more.get(node):
        attrs["more"] = sub.more[node]
    return attrs


def _class_names(types: Iterable[str]) -> frozenset[str]:
    """Short names of the ipkg classes among type IRIs; other IRIs as they are."""
    return frozenset(local_name(t) if str(t).startswith(str(IPKG)) else str(t) for t in types)


def _class_ok(classes: frozenset[str], wanted: set[str] | None) -> bool:
    if wanted is None or classes & wanted:
        return True
    # Without the ontology graph loaded, subclass links are unknown: know Institution's here.
    return "Institution" in wanted and bool(classes & INSTITUTION_CLASSES)


#: When the cap bites, a hop's named entities go first, then documents, then measures and targets.
_LATE_CLASSES = {"Document": 1, "Measure": 2, "Target": 2}


def _remaining(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    return max(deadline - time.monotonic(), 0.001)


def _as_set(value: str | URIRef | Iterable[str | URIRef] | None) -> list[str]:
    """One IRI or several, as a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [str(value)] if value else []
    return [str(v) for v in value if v]


def store_neighbours(store: Store, node: str, graphs: Sequence[str] | None = None, *,
                     deadline: float | None = None) -> Iterator[tuple[Neighbour, str, str | None]]:
    """``(neighbour, "out" or "in", named graph or None)`` for each node one relation from ``node``.

    One ``ego_neighbours`` query (one ``ego_neighbours_in_graph`` per graph, when
    ``graphs`` are given, and then each neighbour comes with its graph).
    """
    runs = ([(None, run_saved(store, "ego_neighbours", node=URIRef(node), timeout_s=_remaining(deadline)))]
            if graphs is None else
            [(g, run_saved(store, "ego_neighbours_in_graph", node=URIRef(node), g=URIRef(g),
                           timeout_s=_remaining(deadline))) for g in graphs])
    for graph, res in runs:
        for p, direction, other, types, regions in res.rows:
            if not isinstance(other, URIRef):
                continue
            type_iris = str(types or "").split()
            yield (Neighbour(local_name(p), str(p), str(other), _class_names(type_iris),
                             primary_class(type_iris) or "Other", frozenset(str(regions or "").split())),
                   str(direction), graph)


def _store_neighbours(store: Store, graphs: Sequence[str] | None,
                      deadline: float | None) -> Callable[[str], Iterator[Neighbour]]:
    """Neighbours read from the store, one query per node (per graph with a document filter)."""

    def neighbours(node: str) -> Iterator[Neighbour]:
        return (nb for nb, _direction, _graph in store_neighbours(store, node, graphs, deadline=deadline))

    return neighbours


def select_subgraph(
    source: Store | EntityIndex,
    seeds: Sequence[str | URIRef],
    hops: int = 1,
    *,
    classes: Iterable[str] | None = None,
    relations: Iterable[str] | None = None,
    region: str | URIRef | Iterable[str | URIRef] | None = None,
    document: str | URIRef | Iterable[str | URIRef] | None = None,
    cap: int = 300,
    timeout_s: float | None = 60.0,
) -> Subgraph:
    """Select the neighbourhood of ``seeds``, breadth first, relations followed both ways.

    Args:
        source: a store (one bound query per node; the triples are read too) or
            an :class:`EntityIndex` (in memory; :func:`describe` reads the triples).
        seeds: IRIs to start from (always kept, whatever the filters).
        hops: how far to go, 1 to 3.
        classes: keep only neighbours of these ipkg classes (short names or IRIs;
            subclasses count).
        relations: follow only these relations (short names like ``servedBy`` or IRIs).
        region: keep only neighbours in this region or these regions (IRIs; parts
            count, and a measure lies where its document applies) or with no region
            at all (policies, programmes).
        document: follow only what this document or these documents (IRIs) state.
        cap: at most this many nodes; the rest is counted in ``hidden`` and, per
            node that reached them, in ``more``. When the cap bites, a hop's named
            entities are kept before its documents, and those before its measures
            and targets.
        timeout_s: time limit for the whole selection (store only).

    Returns:
        The :class:`Subgraph`.
    """
    if not 1 <= hops <= 3:
        raise ValueError("hops must be 1, 2 or 3")
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    wanted_cls = set(_class_names(str(c) for c in classes)) if classes else None
    wanted_rel = tuple(relations) if relations else None
    regions = frozenset(_as_set(region))
    documents = _as_set(document)

    graphs: frozenset[str] | None = None
    if isinstance(source, EntityIndex):
        if documents:
            graphs = source.document_graphs(documents) or frozenset({"urn:ipkg:no-such-graph"})
        index = source

        def neighbours(node: str) -> Iterator[Neighbour]:
            return index.neighbours(node, graphs)
    else:
        if documents:
            found = {str(r[0]) for d in documents
                     for r in run_saved(source, "document_graph", document=URIRef(d),
                                        timeout_s=_remaining(deadline)).rows}
            graphs = frozenset(found or {"urn:ipkg:no-such-graph"})
        neighbours = _store_neighbours(source, sorted(graphs) if graphs is not None else None, deadline)

    start = list(dict.fromkeys(str(s) for s in seeds if s))
    selected: dict[str, int] = {s: 0 for s in start[:max(cap, 1)]}
    hidden: set[str] = {s for s in start if s not in selected}
    more: Counter[str] = Counter()
    frontier = list(selected)
    for hop in range(1, hops + 1):
        found_at: dict[str, tuple[int, str]] = {}  # this hop's candidates → (display priority, who found it)
        for node in frontier:
            for nb in neighbours(node):
                if nb.other in selected or nb.other in found_at:
                    continue
                if wanted_rel and nb.name not in wanted_rel and nb.predicate not in wanted_rel:
                    continue
                if not _class_ok(nb.classes, wanted_cls):
                    continue
                if regions and nb.regions and regions.isdisjoint(nb.regions):
                    continue
                found_at[nb.other] = (_LATE_CLASSES.get(nb.cls, 0), node)
        frontier = []
        for other in sorted(found_at, key=lambda o: found_at[o][0]):  # stable: discovery order within a rank
            if len(selected) >= cap:
                if other not in hidden:
                    hidden.add(other)
                    more[found_at[other][1]] += 1
                continue
            selected[other] = hop
            frontier.append(other)
        if not frontier:
            break

    if isinstance(source, EntityIndex):
        existing = tuple(URIRef(s) for s in start if s in selected and s in source.nodes)
        triples: tuple[Triple, ...] = ()
    else:
        triples = _describe_nodes(source, list(selected), graphs, deadline)
        existing = tuple(URIRef(s) for s in start if s in selected and any(str(t[0]) == s for t in triples))
    return Subgraph(
        seeds=existing,
        nodes=tuple(URIRef(n) for n in selected),
        triples=triples,
        hidden=len(hidden - set(selected)),
        relations=wanted_rel,
        depth={URIRef(n): d for n, d in selected.items()},
        more={URIRef(n): k for n, k in more.items()},
        graphs=tuple(sorted(graphs or ())),
    )


def _describe_nodes(store: Store, nodes: Sequence[str], graphs: frozenset[str] | None,
                    deadline: float | None) -> tuple[Triple, ...]:
    """Everything stated about ``nodes`` (``node_description``), relations to other nodes left out."""
    chosen = set(nodes)
    triples: dict[Triple, None] = {}
    for node in nodes:
        iri = URIRef(node)
        results = (
            [run_saved(store, "node_description", node=iri, timeout_s=_remaining(deadline))]
            if graphs is None else
            [run_saved(store, "node_description_in_graph", node=iri, g=URIRef(g), timeout_s=_remaining(deadline))
             for g in sorted(graphs)]
        )
        for res in results:
            for s, p, o in res.triples:
                # Relations to nodes outside the selection would dangle; regions stay for labels.
                if (s == iri and isinstance(o, URIRef) and str(o) not in chosen
                        and p != RDF.type and p not in _REGION_PREDICATES):
                    continue
                triples[(s, p, o)] = None
    return tuple(sorted(triples, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))))


def describe(store: Store, sub: Subgraph, *, timeout_s: float | None = 120.0) -> Subgraph:
    """``sub`` with its triples read from ``store`` (for a selection made from an index)."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    graphs = frozenset(sub.graphs) or None
    triples = _describe_nodes(store, [str(n) for n in sub.nodes], graphs, deadline)
    return Subgraph(sub.seeds, sub.nodes, triples, sub.hidden, sub.relations, sub.depth, sub.more, sub.graphs)


def ego_network(
    source: Store | EntityIndex,
    seeds: Sequence[str | URIRef],
    hops: int = 1,
    classes: Iterable[str] | None = None,
    relations: Iterable[str] | None = None,
    region: str | URIRef | Iterable[str | URIRef] | None = None,
    document: str | URIRef | Iterable[str | URIRef] | None = None,
    cap: int = 300,
    *,
    timeout_s: float | None = 60.0,
    lang: str = "zh",
) -> tuple[nx.MultiDiGraph, int]:
    """The network around ``seeds`` and how many more nodes the cap hid.

    Same arguments as :func:`select_subgraph`; ``lang`` picks the labels of an
    index's nodes.

    Returns:
        ``(graph, hidden_count)``; the graph also carries ``graph.graph["hidden"]``.
    """
    sub = select_subgraph(
        source, seeds, hops, classes=classes, relations=relations, region=region,
        document=document, cap=cap, timeout_s=timeout_s,
    )
    g = source.to_networkx(sub, lang) if isinstance(source, EntityIndex) else sub.to_networkx()
    return g, sub.hidden


def network_from_result(res: QueryResult, index: EntityIndex, *, lang: str = "zh",
                        limit: int = 500) -> nx.MultiDiGraph:
    """A query result as a network: CONSTRUCT/DESCRIBE triples projected as they are,
    or the nodes a SELECT result names, with the relations among them.

    Names come from the index where the result has none. At most ``limit`` nodes
    are kept; ``graph.graph["hidden"]`` counts the rest (for a SELECT result, the
    IRIs left out once the drawing was full).
    """
    import networkx as nx

    def known(iri: str) -> GraphNode | None:
        node = index.get(iri)  # a StoreIndex reads it from the store
        return node if node.cls != "Other" or node.labels or node.names else None

    if res.kind == "graph":
        g = to_networkx(res.triples)
        keep = list(g.nodes)[:limit]
        for iri in keep:
            node = known(iri)
            if node is not None:
                attrs = g.nodes[iri]
                attrs["label"] = node.label(lang)
                if attrs.get("cls") in (None, "", "Other"):
                    attrs["cls"] = node.cls
        out = nx.MultiDiGraph(g.subgraph(keep))
        out.graph["hidden"] = max(0, g.number_of_nodes() - limit)
        return out
    candidates = list(dict.fromkeys(str(t) for row in res.rows for t in row if isinstance(t, URIRef)))
    nodes: list[URIRef] = []
    looked = 0
    for iri in candidates:  # looked up one by one (a StoreIndex asks the store) until the drawing is full
        if len(nodes) == limit:
            break
        looked += 1
        if known(iri) is not None:
            nodes.append(URIRef(iri))
    sub = Subgraph(seeds=(), nodes=tuple(nodes), triples=(), hidden=len(candidates) - looked,
                   depth={n: 1 for n in nodes})
    return index.to_networkx(sub, lang)
