"""Project the RDF graph onto networkx: nodes are things, edges are relations.

The projection keeps what a person reads as a network and folds the rest
into attributes:

* nodes: entities, documents, measures and targets (any IRI that is an end
  of a relation or carries an ipkg class), with ``label``, ``cls`` (short
  class name, most specific first), ``region`` (label of
  locatedIn / jurisdiction / region), ``quote`` (its source passage) and ``iri``;
* edges: one per (subject, relation, object) between nodes, keyed by the
  relation's short name, with ``relation``, ``predicate`` and ``quote``
  (the provenance passage: a measure's or target's own quote for its
  edges, or a mention's quote for a document's edge to what it mentions);
* left out: literal values (they become attributes), types and schema
  links, and ``ipkg:Mention`` nodes, which fold into edge quotes.

Every attribute value is a string (GraphML and GEXF need plain values).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx
from rdflib import BNode, Graph, Literal, URIRef

from graph.namespaces import DCTERMS, IPKG, OWL, PROV, RDF, RDFS, SKOS
from graph.queries import CLASS_ORDER, local_name, node_label, primary_class, run_saved
from graph.store import Store, Term, Triple

__all__ = [
    "SKIPPED_PREDICATES",
    "Subgraph",
    "ego_network",
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
_INSTITUTION_KINDS = frozenset(CLASS_ORDER[: CLASS_ORDER.index("Institution") + 1])


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


# --------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Subgraph:
    """The neighbourhood of some seeds, as triples, with what the cap left out.

    Attributes:
        seeds: the seeds that exist in the store.
        nodes: the selected nodes, seeds first, then by hop.
        triples: everything stated about the selected nodes (their literals,
            types, regions, mentions, and the relations among them).
        hidden: nodes reached but not selected because of the cap ("+N more").
        relations: the relation filter used, if any.
    """

    seeds: tuple[URIRef, ...]
    nodes: tuple[URIRef, ...]
    triples: tuple[Triple, ...]
    hidden: int
    relations: tuple[str, ...] | None = None

    def to_networkx(self) -> nx.MultiDiGraph:
        """The selected nodes and the relations among them as a MultiDiGraph."""
        g = to_networkx(self.triples, nodes=self.nodes, relations=self.relations)
        g.graph["hidden"] = self.hidden
        g.graph["seeds"] = " ".join(str(s) for s in self.seeds)
        return g


def _class_ok(type_iris: list[str], wanted: set[str] | None) -> bool:
    if wanted is None:
        return True
    names = {local_name(t) for t in type_iris if t.startswith(str(IPKG))}
    if names & wanted or set(type_iris) & wanted:
        return True
    # Without the ontology graph loaded, subclass links are unknown: know Institution's here.
    return "Institution" in wanted and bool(names & _INSTITUTION_KINDS)


_LATE_CLASSES = {"Document": 1, "Measure": 2, "Target": 2}


def _priority(type_iris: list[str]) -> int:
    """0 for named entities, 1 for documents, 2 for measures and targets."""
    return _LATE_CLASSES.get(primary_class(type_iris), 0)


def _remaining(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    return max(deadline - time.monotonic(), 0.001)


def select_subgraph(
    store: Store,
    seeds: Sequence[str | URIRef],
    hops: int = 1,
    *,
    classes: Iterable[str] | None = None,
    relations: Iterable[str] | None = None,
    region: str | URIRef | None = None,
    document: str | URIRef | None = None,
    cap: int = 300,
    timeout_s: float | None = 60.0,
) -> Subgraph:
    """Select the neighbourhood of ``seeds`` with SPARQL (breadth first, bound parameters).

    Args:
        store: the store.
        seeds: IRIs to start from (always kept, whatever the filters).
        hops: how far to go, 1 to 3.
        classes: keep only neighbours of these ipkg classes (short names or IRIs;
            subclasses count).
        relations: follow only these relations (short names like ``servedBy`` or IRIs).
        region: keep only neighbours in this region (an IRI; parts of it count) or
            with no region at all (measures, policies, regions themselves).
        document: follow only what this document (its IRI) states.
        cap: at most this many nodes; the rest is counted in ``hidden``. When the
            cap bites, a hop's named entities are kept before its documents, and
            those before its measures and targets.
        timeout_s: time limit for the whole selection.

    Returns:
        The :class:`Subgraph`.
    """
    if not 1 <= hops <= 3:
        raise ValueError("hops must be 1, 2 or 3")
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    wanted_cls = set(classes) if classes else None
    wanted_rel = tuple(relations) if relations else None
    region_iri = str(region) if region else None

    graph: URIRef | None = None
    if document is not None:
        rows = run_saved(store, "document_graph", document=URIRef(str(document)),
                         timeout_s=_remaining(deadline)).rows
        graph = rows[0][0] if rows else URIRef("urn:ipkg:no-such-graph")  # type: ignore[assignment]

    start = [URIRef(str(s)) for s in dict.fromkeys(str(s) for s in seeds)]
    selected: dict[URIRef, int] = {s: 0 for s in start[:max(cap, 1)]}
    hidden: set[URIRef] = {s for s in start if s not in selected}
    frontier = list(selected)
    for hop in range(1, hops + 1):
        found: dict[URIRef, int] = {}  # this hop's candidates → display priority
        for node in frontier:
            if graph is None:
                res = run_saved(store, "ego_neighbours", node=node, timeout_s=_remaining(deadline))
            else:
                res = run_saved(store, "ego_neighbours_in_graph", node=node, g=graph,
                                timeout_s=_remaining(deadline))
            for row in res.dicts():
                other, pred = row["other"], row["p"]
                if not isinstance(other, URIRef) or other in selected or other in found:
                    continue
                if wanted_rel and local_name(pred) not in wanted_rel and str(pred) not in wanted_rel:
                    continue
                type_iris = str(row["types"] or "").split()
                if not _class_ok(type_iris, wanted_cls):
                    continue
                regions = str(row["regions"] or "").split()
                if region_iri and regions and region_iri not in regions:
                    continue
                found[other] = _priority(type_iris)
        # When the cap bites, named things go first and the many measures last.
        frontier = []
        for other in sorted(found, key=found.__getitem__):  # stable: discovery order within a rank
            if len(selected) >= cap:
                hidden.add(other)
                continue
            selected[other] = hop
            frontier.append(other)
        if not frontier:
            break

    chosen = set(selected)
    triples: dict[Triple, None] = {}
    for node in selected:
        if graph is None:
            res = run_saved(store, "node_description", node=node, timeout_s=_remaining(deadline))
        else:
            res = run_saved(store, "node_description_in_graph", node=node, g=graph,
                            timeout_s=_remaining(deadline))
        for s, p, o in res.triples:
            # Relations to nodes outside the selection would dangle; regions stay for labels.
            if (s == node and isinstance(o, URIRef) and o not in chosen
                    and p != RDF.type and p not in _REGION_PREDICATES):
                continue
            triples[(s, p, o)] = None
    existing = tuple(s for s in start if s in selected and any(t[0] == s for t in triples))
    return Subgraph(
        seeds=existing,
        nodes=tuple(selected),
        triples=tuple(sorted(triples, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))),
        hidden=len(hidden - chosen),
        relations=wanted_rel,
    )


def ego_network(
    store: Store,
    seeds: Sequence[str | URIRef],
    hops: int = 1,
    classes: Iterable[str] | None = None,
    relations: Iterable[str] | None = None,
    region: str | URIRef | None = None,
    document: str | URIRef | None = None,
    cap: int = 300,
    *,
    timeout_s: float | None = 60.0,
) -> tuple[nx.MultiDiGraph, int]:
    """The network around ``seeds`` and how many more nodes the cap hid.

    Same arguments as :func:`select_subgraph`.

    Returns:
        ``(graph, hidden_count)``; the graph also carries ``graph.graph["hidden"]``.
    """
    sub = select_subgraph(
        store, seeds, hops, classes=classes, relations=relations, region=region,
        document=document, cap=cap, timeout_s=timeout_s,
    )
    return sub.to_networkx(), sub.hidden
