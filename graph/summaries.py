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

They are derived data, so :func:`refresh` recomputes them from the store,
either for the entities that the documents written or removed cite or mention
(:func:`touched`, read before and after the write), or for every entity. The
build (:mod:`graph.pipeline`) calls it after writing; a store whose summaries
are missing or of an older :data:`SUMMARY_VERSION` gets a full refresh at its
next build.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from graph.namespaces import IPKG
from graph.store import Triple, ntriples, to_ox

__all__ = [
    "FULL_REFRESH_DOCUMENTS",
    "SUMMARY_GRAPH",
    "SUMMARY_VERSION",
    "Counts",
    "is_current",
    "refresh",
    "summary_triples",
    "touched",
]

#: The named graph of the summaries.
SUMMARY_GRAPH = URIRef("https://w3id.org/ipkg/graph/summaries")
#: Raised whenever what the summaries hold changes: older ones are then recomputed whole.
SUMMARY_VERSION = 1
#: Writing or removing more documents than this refreshes every entity's summary:
#: one pass over all citations and mentions then costs less than a lookup per entity.
FULL_REFRESH_DOCUMENTS = 50


@dataclass
class Counts:
    """What the summaries count for one entity: its documents and their provinces."""

    documents: set[str] = field(default_factory=set)
    provinces: set[str] = field(default_factory=set)


def _internal(name: str) -> Any:
    from graph.queries import internal_queries

    return internal_queries()[name]


def _rows(store: Any, name: str, **bindings: URIRef) -> list[tuple]:
    query = _internal(name)
    return store.query(query.sparql, bindings or None).rows


def _document_provinces(store: Any) -> dict[str, set[str]]:
    """Document IRI → the provinces its jurisdictions lie in (empty for a national one)."""
    province_of: dict[str, set[str]] = defaultdict(set)
    for region, province in _rows(store, "summary_region_provinces"):
        province_of[str(region)].add(str(province))
    out: dict[str, set[str]] = defaultdict(set)
    for document, region in _rows(store, "summary_document_regions"):
        out[str(document)] |= province_of.get(str(region), set()) if region is not None else set()
    return out


def _count(rows: Iterable[tuple], provinces: dict[str, set[str]], *, documents_only: bool) -> dict[str, Counts]:
    """Entity → its documents and their provinces, from (document, entity) rows.

    With ``documents_only`` only ipkg:Document nodes of some province count.
    """
    out: dict[str, Counts] = defaultdict(Counts)
    for document, entity in rows:
        doc = str(document)
        in_provinces = provinces.get(doc)
        if documents_only and not in_provinces:
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
        yield policy, IPKG.citedByDocuments, Literal(len(counts.documents), datatype=XSD.integer)
        for province in sorted(counts.provinces):
            yield policy, IPKG.citedInProvince, URIRef(province)
    for iri, counts in sorted(institutions.items()):
        institution = URIRef(iri)
        yield institution, IPKG.mentionedInProvinces, Literal(len(counts.provinces), datatype=XSD.integer)
        yield institution, IPKG.mentionedInProvincialDocuments, Literal(len(counts.documents), datatype=XSD.integer)
        for province in sorted(counts.provinces):
            yield institution, IPKG.mentionedInProvince, URIRef(province)


def touched(store: Any, graphs: Iterable[URIRef]) -> set[URIRef]:
    """The policies and entities that these document graphs cite or mention."""
    out: set[URIRef] = set()
    for graph in graphs:
        out.update(row[1] for row in _rows(store, "summary_touched", graph=graph))
    return out


def is_current(store: Any) -> bool:
    """True when the store holds summaries of this :data:`SUMMARY_VERSION`."""
    ask = f"ASK {{ GRAPH <{SUMMARY_GRAPH}> {{ <{SUMMARY_GRAPH}> <{IPKG.summaryVersion}> {SUMMARY_VERSION} }} }}"
    return bool(store.query(ask).boolean)


def refresh(store: Any, entities: Iterable[URIRef] | None = None) -> int:
    """Recompute the summaries of ``entities`` (None: of every entity), in one update.

    Args:
        store: a writable `graph.store.Store`.
        entities: the entities whose citations or mentions may have changed, as
            :func:`touched` gives them before and after a write; others keep theirs.

    Returns:
        How many entities now have a summary among those recomputed.
    """
    provinces = _document_provinces(store)
    if entities is None:
        scope = None
        citations = _rows(store, "summary_citations")
        mentions = _rows(store, "summary_mentions")
        institutions = {str(row[0]) for row in _rows(store, "summary_institutions")}
    else:
        scope = sorted(set(entities))
        if not scope:
            return 0
        citations, mentions, institutions = [], [], set()
        for entity in scope:
            citations += _rows(store, "summary_citations", policy=entity)
            if _rows(store, "summary_institutions", institution=entity):
                institutions.add(str(entity))
                mentions += _rows(store, "summary_mentions", entity=entity)
    policies = _count(citations, provinces, documents_only=False)
    counted = _count((row for row in mentions if str(row[1]) in institutions), provinces, documents_only=True)
    store.update(_replace_update(scope, summary_triples(policies, counted)))
    return len(policies) + len(counted)


def _replace_update(scope: list[URIRef] | None, triples: Iterable[Triple]) -> str:
    """Drop the summaries of ``scope`` (None: all) from both copies, then insert ``triples``."""
    graph = f"<{SUMMARY_GRAPH}>"
    values = "" if scope is None else "VALUES ?x { " + " ".join(str(to_ox(e)) for e in scope) + " }"
    body = ntriples(triples).decode()
    return (f"DELETE {{ GRAPH {graph} {{ ?x ?p ?o }} ?x ?p ?o }} WHERE {{ GRAPH {graph} {{ ?x ?p ?o }} {values} }} ;\n"
            f"INSERT DATA {{ GRAPH {graph} {{\n{body}}}\n{body}}}")
