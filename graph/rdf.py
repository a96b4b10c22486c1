"""Turn one document's extraction into RDF triples (its own named graph).

The triples are written as N-Triples text (`graph.terms`): a build worker hands
them to the store as they are, and :func:`document_triples` reads them back as
rdflib terms for everything else.
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import URIRef
from rdflib.term import Node

from graph.extract.names import leading_region
from graph.fingerprint import extraction_fingerprint
from graph.model import Extraction
from graph.namespaces import DCTERMS, IPKG, ORG, RDF, SKOS, XSD, document_iri, entity_iri, node_iri
from graph.normalise import normalise_text
from graph.regions import gazetteer
from graph.resolve import Resolved, identity_key, institution_iri, region_iri
from graph.spans import SpanIndex
from graph.terms import Statement, decimal, integer, iri, literal, to_rdflib

Triple = tuple[Node, Node, Node]

#: Kinds a document `ipkg:mentions` (policies are `ipkg:cites`).
_MENTIONED = ("institution", "program", "event", "region")


class _Terms:
    """The IRIs a document graph uses, each as N-Triples text, looked up by name (``_T.cites``)."""

    def __init__(self) -> None:
        self.type = iri(RDF.type)
        self.pref_label, self.alt_label = iri(SKOS.prefLabel), iri(SKOS.altLabel)
        self.title, self.issued = iri(DCTERMS.title), iri(DCTERMS.issued)
        self.sub_organization_of = iri(ORG.subOrganizationOf)
        self.dates = {4: str(XSD.gYear), 7: str(XSD.gYearMonth), 10: str(XSD.date)}

    def __getattr__(self, name: str) -> str:
        # ipkg:<name>, made once per name (rdflib makes a new URIRef on every namespace access).
        value = iri(IPKG[name])
        setattr(self, name, value)
        return value


_T = _Terms()


@lru_cache(maxsize=65536)
def zh(text: str) -> str:
    """A Chinese literal, tagged Simplified or Traditional by what it contains."""
    return literal(text, "zh-Hans" if normalise_text(text) == text.strip() else "zh-Hant")


@lru_cache(maxsize=65536)
def _iri(value: URIRef) -> str:
    return iri(value)


def document_triples(result: Extraction, resolved: Resolved) -> list[Triple]:
    """Every triple one document contributes, in a deterministic order (rdflib terms)."""
    return to_rdflib(document_statements(result, resolved))  # type: ignore[return-value]


def document_statements(result: Extraction, resolved: Resolved) -> list[Statement]:
    """Every triple one document contributes, in a deterministic order, as N-Triples terms."""
    doc = result.doc
    raw = doc.raw
    meta = result.metadata
    d = _iri(document_iri(raw.file_name))
    node_of = {key: _iri(value) for key, value in resolved.iri_of.items()}
    t: list[Statement] = [
        (d, _T.type, _T.Document),
        (d, _T.fileName, literal(raw.file_name)),
        (d, _T.sha256, literal(raw.sha256)),
        (d, _T.extractedWith, literal(extraction_fingerprint())),
        (d, _T.encoding, literal(raw.encoding)),
        (d, _T.mediaType, literal(raw.media_type)),
        (d, _T.script, literal(doc.script)),
        (d, _T.level, literal(meta.level or "national")),
        (d, _T.genre, literal(meta.genre or "其他")),
        (d, _T.title, literal(meta.title or raw.file_name, "zh-Hans")),
    ]
    if meta.doc_number:
        t.append((d, _T.docNumber, literal(meta.doc_number)))
    if meta.issued:
        t.append((d, _T.issued, literal(meta.issued, datatype=_T.dates[len(meta.issued)])))
    if meta.jurisdiction:
        t.append((d, _T.jurisdiction, _iri(region_iri(meta.jurisdiction))))
    for issuer in meta.issuers:
        issuer_iri = _issuer_iri(issuer, resolved)
        node = _iri(issuer_iri)
        t.append((d, _T.issuedBy, node))
        t.append((d, _T.mentions, node))
        if issuer_iri not in resolved.entities:
            t += [(node, _T.type, _T.Institution), (node, _T.pref_label, zh(issuer))]

    # A region inside another name (培训(江苏)基地) is part of that name, not a topic of the
    # document; one that opens an institution's name (济南市中院, 韩城市…局) still is.
    spans = SpanIndex((m.start + len(leading_region(m.surface)[0]) if m.kind == "institution" else m.start, m.end)
                      for m in result.mentions if m.kind != "region")
    for mention in result.mentions:
        node = node_of[id(mention)]
        if mention.kind == "policy":
            t.append((d, _T.cites, node))
        elif mention.kind == "region":
            if not spans.covers(mention.start, mention.end):
                t.append((d, _T.mentions, node))
        elif mention.kind in _MENTIONED:
            t.append((d, _T.mentions, node))
    if meta.jurisdiction:
        # A district's document concerns its city and province too.
        for name in (meta.jurisdiction, *(r.name for r in gazetteer().ancestors(meta.jurisdiction))):
            t.append((d, _T.mentions, _iri(region_iri(name))))

    for entity in resolved.entities.values():
        node = _iri(entity.iri)
        t.append((node, _T.type, getattr(_T, entity.cls)))
        t.append((node, _T.pref_label, literal(entity.label, "zh-Hans")))
        t.extend((node, _T.alt_label, zh(label)) for label in sorted(entity.alt_labels))
        if entity.region and entity.kind == "institution":
            t.append((node, _T.locatedIn, _iri(region_iri(entity.region))))
        if entity.parent is not None:
            t.append((node, _T.partOf if entity.kind == "region" else _T.sub_organization_of, _iri(entity.parent)))
        if entity.level:
            t.append((node, _T.adminLevel, literal(entity.level)))

    measure_of: dict[int, str] = {}
    measure_nodes: set[str] = set()
    for measure in result.measures:
        m = _passage(t, "measure", _T.Measure, d, result, measure.start, measure.end)
        measure_nodes.add(m)
        t.append((m, _T.text, literal(measure.text, "zh-Hans")))
        if measure.section:
            t.append((m, _T.section, literal(measure.section)))
        # The document mentions whoever serves its measures or is responsible for them
        # (extraction already has them among its mentions; saved queries rely on it).
        for role, mentions in ((_T.servedBy, measure.served_by), (_T.responsibleUnit, measure.responsible)):
            for mention in mentions:
                node = node_of[id(mention)]
                t += [(m, role, node), (d, _T.mentions, node)]
        for mention in measure.refers_to:
            t.append((m, _T.refersTo, node_of[id(mention)]))
        for mention in (*measure.served_by, *measure.responsible, *measure.refers_to):
            measure_of[id(mention)] = m
    # Counting measures per document over the whole store took 18 s at 10,000 documents
    # (2 million measures); the document's own graph states its count instead.
    t.append((d, _T.measureCount, integer(len(measure_nodes))))

    for mention in result.mentions:
        node = _passage(t, "mention", _T.Mention, d, result, mention.start, mention.end, link=_T.inDocument,
                        salt=mention.kind)
        t.append((node, _T.mentionOf, node_of[id(mention)]))
        if id(mention) in measure_of:
            t.append((node, _T.inMeasure, measure_of[id(mention)]))

    for target in result.targets:
        node = _passage(t, "target", _T.Target, d, result, target.start, target.end, salt=target.indicator)
        t += [
            (node, _T.indicator, _iri(entity_iri("indicator", identity_key(target.indicator)))),
            (node, _T.value, decimal(target.value)),
            (node, _T.unit, literal(target.unit)),
        ]
        if target.year:
            t.append((node, _T.year, integer(target.year)))
        if target.region:
            t.append((node, _T.region, _iri(region_iri(target.region))))
        if target.qualifier:
            t.append((node, _T.qualifier, literal(target.qualifier)))
    return list(dict.fromkeys(t))  # without repeats, first occurrence first


def _passage(t: list[Statement], kind: str, cls: str, d: str, result: Extraction, start: int, end: int,
             *, link: str = "", salt: str = "") -> str:
    """A node read from one passage, with its provenance: document, offsets, quote."""
    s, e = result.doc.original_span(start, end)
    node = iri(node_iri(kind + salt, result.doc.raw.file_name, s, e))
    t += [
        (node, _T.type, cls),
        (node, link or _T.statedIn, d),
        (node, _T.charStart, integer(s)),
        (node, _T.charEnd, integer(e)),
        (node, _T.quote, literal(result.doc.raw.text[s:e])),
    ]
    return node


def _issuer_iri(issuer: str, resolved: Resolved) -> URIRef:
    for entity in resolved.entities.values():
        if entity.kind == "institution" and entity.label == issuer:
            return entity.iri
    scope = leading_region(issuer)[1] or ("national" if issuer.startswith(("国家", "中国", "中共中央", "国务院")) else "")
    return institution_iri(issuer, scope)


__all__ = ["document_statements", "document_triples", "zh"]
