"""Per-entity summaries kept in the store, so whole-graph rankings need not regroup it.

Two saved queries rank entities over every document: the most cited policies
(``policies_most_cited``) and the institutions that appear in several provinces
(``institutions_across_provinces``). Grouping all of the graph's citations and
mentions for them took 2–3 s per query at 10,000 documents (640,000 mention
edges), so the build keeps their answers per entity, as triples of their own
named graph, :data:`SUMMARY_GRAPH` (merged into the default graph like every
named graph):

* a policy that a document cites: ``ipkg:citedByDocuments`` (how many
  documents cite it) and ``ipkg:citedInProvince`` (each province of a citing
  document);
* an institution that a document of a province mentions:
  ``ipkg:mentionedInProvinces`` and ``ipkg:mentionedInProvincialDocuments``
  (how many provinces and such documents) and ``ipkg:mentionedInProvince``
  (each of those provinces).

A document's provinces are the province-level regions its jurisdictions lie in
(``ipkg:partOf*``); a national document has none. The counts are what the two
queries used to compute on the fly; ``tests/test_summaries.py`` checks them
against that computation after builds, changes and removals.

They are derived data, kept in step with every write by :mod:`graph.pipeline`
in the cheapest exact way:

* a build into a store that holds no other document computes them from what
  each worker read off its document's own graph (:func:`contribution`), without
  reading the store (:func:`write_all`);
* new documents add their counts and provinces to the current summaries of
  the entities they cite or mention: a new document cannot have been counted;
* a document changed or removed takes its counts away, read from its named
  graph before the write (:func:`stored_contributions`); a province it brought
  stays only while another document of that province still cites or mentions
  the entity (:func:`apply`, which also adds the new documents' counts);
* a store whose summaries are missing or of an older :data:`SUMMARY_VERSION`,
  or a write of many documents, recomputes every entity from the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from graph import terms
from graph.namespaces import IPKG
from graph.store import Triple, ntriples, statements, to_ox
from graph.terms import Statement

__all__ = [
    "FULL_REFRESH_DOCUMENTS",
    "SUMMARY_GRAPH",
    "SUMMARY_VERSION",
    "Contribution",
    "Counts",
    "apply",
    "contribution",
    "invalidate",
    "is_current",
    "refresh",
    "stored_contributions",
    "summary_triples",
    "write_all",
]

#: The named graph of the summaries.
SUMMARY_GRAPH = URIRef("https://w3id.org/ipkg/graph/summaries")
#: Raised whenever what the summaries hold changes: older ones are then recomputed whole.
SUMMARY_VERSION = 1
#: Writing or removing more documents than this recomputes every summary from the store
#: instead of moving them. Moving costs a few lookups per entity involved (0.01–0.09 s for
#: one document's ~35 entities at 10,000 documents); recomputing, 18–28 s there. The bound
#: is cautious: where the two costs cross has not been measured.
FULL_REFRESH_DOCUMENTS = 50


@dataclass
class Counts:
    """What the summaries count for one entity: its documents (or how many) and their provinces."""

    documents: set[str] = field(default_factory=set)
    provinces: set[str] = field(default_factory=set)
    counted: int = 0  # documents already counted in the store's summary, beyond ``documents``

    @property
    def total(self) -> int:
        return self.counted + len(self.documents)


@dataclass(frozen=True)
class Contribution:
    """What one document adds to the summaries, read off its own graph by the build worker.

    Attributes:
        document: the document's IRI.
        provinces: the provinces its jurisdictions lie in (none for a national document).
        cites: the policies it cites.
        institutions: the institutions it mentions.
    """

    document: str
    provinces: frozenset[str]
    cites: frozenset[str]
    institutions: frozenset[str]


@cache
def institution_classes() -> frozenset[URIRef]:
    """ipkg:Institution and its subclasses, from the ontology file."""
    from rdflib import Graph

    from graph.pipeline import ONTOLOGY_FILE  # the pipeline, which imports this module, names the file

    onto = Graph().parse(ONTOLOGY_FILE)
    return frozenset(onto.transitive_subjects(RDFS.subClassOf, IPKG.Institution))


#: The predicates a contribution is read from, by what they say (as N-Triples text: a document
#: graph has ~3,000 triples, and plain string comparison is fast).
_TYPE, _LINK, _PART_OF, _LEVEL = range(4)
_READ = {terms.iri(p): what for p, what in ((RDF.type, _TYPE), (IPKG.cites, _LINK), (IPKG.mentions, _LINK),
                                             (IPKG.jurisdiction, _LINK), (IPKG.partOf, _PART_OF),
                                             (IPKG.adminLevel, _LEVEL))}
_DOCUMENT, _CITES, _MENTIONS, _JURISDICTION = map(terms.iri, (IPKG.Document, IPKG.cites, IPKG.mentions,
                                                               IPKG.jurisdiction))
_PROVINCE_LEVEL = terms.literal("province")


@cache
def _institution_terms() -> frozenset[str]:
    return frozenset(map(terms.iri, institution_classes()))


def contribution(triples: Iterable[Triple] | Iterable[Statement]) -> Contribution | None:
    """A document graph's share of the summaries, as the store would count it (None: no document).

    Its provinces are found as the store finds them, through the ``ipkg:partOf``
    and ``ipkg:adminLevel`` triples of the graph itself: a document graph states
    its jurisdiction's chain up to the province (`graph.rdf`). Takes rdflib
    triples or statements (`graph.terms`).
    """
    kinds = _institution_terms()
    read = _READ.get
    document = None
    links: list[tuple[str, str, str]] = []
    parents: dict[str, set[str]] = defaultdict(set)
    provinces_level: set[str] = set()
    institutions: set[str] = set()
    for s, p, o in statements(triples):
        what = read(p)
        if what is None:
            continue
        if what == _TYPE:
            if o == _DOCUMENT:
                document = s
            elif o in kinds:
                institutions.add(s)
        elif what == _LINK:
            links.append((s, p, o))
        elif what == _PART_OF:
            parents[s].add(o)
        elif o == _PROVINCE_LEVEL:
            provinces_level.add(s)
    if document is None:
        return None
    mine = [(p, o) for s, p, o in links if s == document]
    seen: set[str] = set()
    todo = [o for p, o in mine if p == _JURISDICTION]
    while todo:  # the jurisdictions and everything they are part of
        region = todo.pop()
        if region not in seen:
            seen.add(region)
            todo.extend(parents.get(region, ()))
    return Contribution(
        _iri_text(document),
        frozenset(_iri_text(r) for r in seen & provinces_level),
        frozenset(_iri_text(o) for p, o in mine if p == _CITES),
        frozenset(_iri_text(o) for p, o in mine if p == _MENTIONS and o in institutions),
    )


def _iri_text(term: str) -> str:
    return term[1:-1]


def _internal(name: str) -> Any:
    from graph.queries import internal_queries

    return internal_queries()[name]


def _run(store: Any, name: str, **bindings: URIRef) -> Any:
    """The answer of the internal query ``name`` (ontology/queries/_internal) with these bindings."""
    return store.query(_internal(name).sparql, bindings or None)


def _rows(store: Any, name: str, **bindings: URIRef) -> list[tuple]:
    return _run(store, name, **bindings).rows


def _document_provinces(store: Any) -> dict[str, set[str]]:
    """Document IRI → the provinces its jurisdictions lie in (empty for a national one)."""
    province_of: dict[str, set[str]] = defaultdict(set)
    for region, province in _rows(store, "summary_region_provinces"):
        province_of[str(region)].add(str(province))
    out: dict[str, set[str]] = defaultdict(set)
    for document, region in _rows(store, "summary_document_regions"):
        out[str(document)] |= province_of.get(str(region), set()) if region is not None else set()
    return out


def _counts_of(contributions: Iterable[Contribution]) -> tuple[dict[str, Counts], dict[str, Counts]]:
    """Policies' and institutions' counts over these documents alone."""
    contributions = list(contributions)
    provinces = {c.document: set(c.provinces) for c in contributions}
    cites = ((c.document, policy) for c in contributions for policy in c.cites)
    mentions = ((c.document, inst) for c in contributions for inst in c.institutions)
    return (_count(cites, provinces, provincial_only=False), _count(mentions, provinces, provincial_only=True))


def _count(rows: Iterable[tuple], provinces: dict[str, set[str]], *, provincial_only: bool) -> dict[str, Counts]:
    """Entity → its documents and their provinces, from (document, entity) rows.

    With ``provincial_only`` only documents of some province count (``provinces``
    lists only ipkg:Document nodes, so others never do).
    """
    out: dict[str, Counts] = defaultdict(Counts)
    for document, entity in rows:
        doc = str(document)
        in_provinces = provinces.get(doc)
        if provincial_only and not in_provinces:
            continue
        counts = out[str(entity)]
        counts.documents.add(doc)
        if in_provinces:
            counts.provinces |= in_provinces
    return dict(out)


def summary_triples(policies: dict[str, Counts], institutions: dict[str, Counts]) -> Iterator[Triple]:
    """The summary triples of counted policies and institutions (see the module docstring)."""
    yield SUMMARY_GRAPH, IPKG.summaryVersion, Literal(SUMMARY_VERSION)
    for iri, counts in sorted(policies.items()):
        policy = URIRef(iri)
        yield policy, IPKG.citedByDocuments, Literal(counts.total, datatype=XSD.integer)
        for province in sorted(counts.provinces):
            yield policy, IPKG.citedInProvince, URIRef(province)
    for iri, counts in sorted(institutions.items()):
        institution = URIRef(iri)
        yield institution, IPKG.mentionedInProvinces, Literal(len(counts.provinces), datatype=XSD.integer)
        yield institution, IPKG.mentionedInProvincialDocuments, Literal(counts.total, datatype=XSD.integer)
        for province in sorted(counts.provinces):
            yield institution, IPKG.mentionedInProvince, URIRef(province)


def stored_contributions(store: Any, graphs: Iterable[URIRef]) -> list[Contribution]:
    """The contributions of documents already in the store, read from their named graphs."""
    out = []
    for graph in graphs:
        found = contribution(_run(store, "summary_graph_triples", graph=graph).triples)
        if found is not None:
            out.append(found)
    return out


def is_current(store: Any) -> bool:
    """True when the store holds summaries of this :data:`SUMMARY_VERSION`."""
    ask = f"ASK {{ GRAPH <{SUMMARY_GRAPH}> {{ <{SUMMARY_GRAPH}> <{IPKG.summaryVersion}> {SUMMARY_VERSION} }} }}"
    return bool(store.query(ask).boolean)


def invalidate(store: Any) -> None:
    """Mark the summaries outdated until the next :func:`apply`, :func:`refresh` or :func:`write_all`.

    Called before a write: should the write stop half-way (an endpoint store has
    no transaction across documents), the next build recomputes every summary
    rather than moving ones that no longer match the store.
    """
    marker = f"<{SUMMARY_GRAPH}> <{IPKG.summaryVersion}> ?v"
    store.update(f"DELETE {{ GRAPH <{SUMMARY_GRAPH}> {{ {marker} }} {marker} }} "
                 f"WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ {marker} }} }}")


def refresh(store: Any) -> int:
    """Recompute every summary from the store, in one update; returns how many entities have one."""
    provinces = _document_provinces(store)
    institutions = {str(row[0]) for row in _rows(store, "summary_institutions")}
    policies = _count(_rows(store, "summary_citations"), provinces, provincial_only=False)
    counted = _count((row for row in _rows(store, "summary_mentions") if str(row[1]) in institutions),
                     provinces, provincial_only=True)
    store.update(_replace_update(None, summary_triples(policies, counted)))
    return len(policies) + len(counted)


def write_all(store: Any, contributions: Iterable[Contribution]) -> int:
    """Replace every summary with those of these documents, which must be all the store holds.

    The build's path for a store it fills from empty: nothing is read back.
    Returns how many entities have a summary.
    """
    policies, institutions = _counts_of(contributions)
    triples = list(summary_triples(policies, institutions))
    write = getattr(store, "write_graphs", None)
    if write is not None:  # the bulk path: the graph is replaced as a whole
        write([(SUMMARY_GRAPH, ntriples(triples), b"")])
    else:
        store.update(_replace_update(None, triples))
    return len(policies) + len(institutions)


_COUNT = {IPKG.citedByDocuments, IPKG.mentionedInProvincialDocuments}
_PROVINCE = {IPKG.citedInProvince, IPKG.mentionedInProvince}


def apply(store: Any, added: Iterable[Contribution], removed: Iterable[Contribution]) -> int:
    """Update the summaries after documents were added and removed (a change is both).

    Call it once the store holds the new state. ``removed`` are the contributions
    of the documents as the summaries counted them (:func:`stored_contributions`,
    read before the write). Counts move by the documents added and removed; a
    province a removed document brought stays when another document of that
    province still cites or mentions the entity (one ASK). Reads only the
    summaries of the entities involved. Returns how many entities changed.
    """
    plus, minus = _counts_of(added), _counts_of(removed)
    still = ("summary_still_cited_in", "policy"), ("summary_still_mentioned_in", "institution")
    result: tuple[dict[str, Counts], dict[str, Counts]] = ({}, {})
    for kind in (0, 1):
        ask, param = still[kind]
        for name in sorted(set(plus[kind]) | set(minus[kind])):
            entity = URIRef(name)
            counted, provinces = 0, set()
            for p, o in _rows(store, "summary_of", entity=entity):
                if p in _COUNT:
                    counted = int(o)
                elif p in _PROVINCE:
                    provinces.add(str(o))
            gone, new = minus[kind].get(name, Counts()), plus[kind].get(name, Counts())
            counted += len(new.documents) - len(gone.documents)
            for province in gone.provinces & provinces:
                if not _run(store, ask, **{param: entity, "province": URIRef(province)}).boolean:
                    provinces.discard(province)
            result[kind][name] = Counts(provinces=provinces | new.provinces, counted=max(counted, 0))
    scope = sorted(URIRef(name) for name in (*result[0], *result[1]))
    kept = {kind: {n: c for n, c in result[kind].items() if c.total} for kind in (0, 1)}
    # With the version marker again (scope never holds the graph's own name, so it stays once).
    store.update(_replace_update([*scope, SUMMARY_GRAPH], summary_triples(kept[0], kept[1])))
    return len(scope)


def _replace_update(scope: list[URIRef] | None, triples: Iterable[Triple]) -> str:
    """Drop the summaries of ``scope`` (None: all) from both copies, then insert ``triples``."""
    graph = f"<{SUMMARY_GRAPH}>"
    values = "" if scope is None else "VALUES ?x { " + " ".join(str(to_ox(e)) for e in scope) + " }"
    body = ntriples(triples).decode()
    return (f"DELETE {{ GRAPH {graph} {{ ?x ?p ?o }} ?x ?p ?o }} WHERE {{ GRAPH {graph} {{ ?x ?p ?o }} {values} }} ;\n"
            f"INSERT DATA {{ GRAPH {graph} {{\n{body}}}\n{body}}}")
