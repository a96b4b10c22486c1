"""Turn one document's extraction into RDF triples (its own named graph)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from graph.extract.names import leading_region
from graph.model import Extraction
from graph.namespaces import DCTERMS, IPKG, ORG, RDF, SKOS, XSD, document_iri, node_iri
from graph.normalise import normalise_text
from graph.regions import gazetteer
from graph.resolve import Resolved, institution_iri, region_iri
from graph.spans import SpanIndex

Triple = tuple[Node, Node, Node]

#: Kinds a document `ipkg:mentions` (policies are `ipkg:cites`).
_MENTIONED = ("institution", "program", "event", "region")

# rdflib makes a new URIRef on every namespace attribute access; a document's
# provenance nodes would otherwise make tens of thousands of them.
_TYPE, _INTEGER = RDF.type, XSD.integer
_CHAR_START, _CHAR_END, _QUOTE, _STATED_IN = IPKG.charStart, IPKG.charEnd, IPKG.quote, IPKG.statedIn
_MENTION, _IN_DOCUMENT, _MENTION_OF, _IN_MEASURE = IPKG.Mention, IPKG.inDocument, IPKG.mentionOf, IPKG.inMeasure


@lru_cache(maxsize=65536)
def zh(text: str) -> Literal:
    """A Chinese literal, tagged Simplified or Traditional by what it contains."""
    return Literal(text, lang="zh-Hans" if normalise_text(text) == text.strip() else "zh-Hant")


def document_triples(result: Extraction, resolved: Resolved) -> list[Triple]:
    """Every triple one document contributes, in a deterministic order."""
    doc = result.doc
    raw = doc.raw
    meta = result.metadata
    d = document_iri(raw.file_name)
    t: list[Triple] = [
        (d, RDF.type, IPKG.Document),
        (d, IPKG.fileName, Literal(raw.file_name)),
        (d, IPKG.sha256, Literal(raw.sha256)),
        (d, IPKG.encoding, Literal(raw.encoding)),
        (d, IPKG.mediaType, Literal(raw.media_type)),
        (d, IPKG.script, Literal(doc.script)),
        (d, IPKG.level, Literal(meta.level or "national")),
        (d, IPKG.genre, Literal(meta.genre or "其他")),
        (d, DCTERMS.title, Literal(meta.title or raw.file_name, lang="zh-Hans")),
    ]
    if meta.doc_number:
        t.append((d, IPKG.docNumber, Literal(meta.doc_number)))
    if meta.issued:
        dtype = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(meta.issued)]
        t.append((d, DCTERMS.issued, Literal(meta.issued, datatype=dtype)))
    if meta.jurisdiction:
        t.append((d, IPKG.jurisdiction, region_iri(meta.jurisdiction)))
    for issuer in meta.issuers:
        iri = _issuer_iri(issuer, resolved)
        t.append((d, IPKG.issuedBy, iri))
        t.append((d, IPKG.mentions, iri))
        if iri not in resolved.entities:
            t += [(iri, RDF.type, IPKG.Institution), (iri, SKOS.prefLabel, zh(issuer))]

    # A region inside another name (培训(江苏)基地) is part of that name, not a topic of the
    # document; one that opens an institution's name (济南市中院, 韩城市…局) still is.
    spans = SpanIndex((m.start + len(leading_region(m.surface)[0]) if m.kind == "institution" else m.start, m.end)
                      for m in result.mentions if m.kind != "region")
    for mention in result.mentions:
        iri = resolved.iri_of[id(mention)]
        if mention.kind == "policy":
            t.append((d, IPKG.cites, iri))
        elif mention.kind == "region":
            if not spans.covers(mention.start, mention.end):
                t.append((d, IPKG.mentions, iri))
        elif mention.kind in _MENTIONED:
            t.append((d, IPKG.mentions, iri))
    if meta.jurisdiction:
        # A district's document concerns its city and province too.
        for name in (meta.jurisdiction, *(r.name for r in gazetteer().ancestors(meta.jurisdiction))):
            t.append((d, IPKG.mentions, region_iri(name)))

    for entity in resolved.entities.values():
        t.append((entity.iri, RDF.type, IPKG[entity.cls]))
        t.append((entity.iri, SKOS.prefLabel, Literal(entity.label, lang="zh-Hans")))
        t.extend((entity.iri, SKOS.altLabel, zh(label)) for label in sorted(entity.alt_labels))
        if entity.region and entity.kind == "institution":
            t.append((entity.iri, IPKG.locatedIn, region_iri(entity.region)))
        if entity.parent is not None:
            t.append((entity.iri, IPKG.partOf if entity.kind == "region" else ORG.subOrganizationOf, entity.parent))
        if entity.level:
            t.append((entity.iri, IPKG.adminLevel, Literal(entity.level)))

    measure_of: dict[int, URIRef] = {}
    for measure in result.measures:
        m = _passage(t, "measure", IPKG.Measure, d, result, measure.start, measure.end)
        t.append((m, IPKG.text, Literal(measure.text, lang="zh-Hans")))
        if measure.section:
            t.append((m, IPKG.section, Literal(measure.section)))
        # The document mentions whoever serves its measures or is responsible for them
        # (extraction already has them among its mentions; saved queries rely on it).
        for role, mentions in ((IPKG.servedBy, measure.served_by), (IPKG.responsibleUnit, measure.responsible)):
            for mention in mentions:
                iri = resolved.iri_of[id(mention)]
                t += [(m, role, iri), (d, IPKG.mentions, iri)]
        for mention in measure.refers_to:
            t.append((m, IPKG.refersTo, resolved.iri_of[id(mention)]))
        for mention in (*measure.served_by, *measure.responsible, *measure.refers_to):
            measure_of[id(mention)] = m

    for mention in result.mentions:
        node = _passage(t, "mention", _MENTION, d, result, mention.start, mention.end, link=_IN_DOCUMENT,
                        salt=mention.kind)
        t.append((node, _MENTION_OF, resolved.iri_of[id(mention)]))
        if id(mention) in measure_of:
            t.append((node, _IN_MEASURE, measure_of[id(mention)]))

    for target in result.targets:
        node = _passage(t, "target", IPKG.Target, d, result, target.start, target.end, salt=target.indicator)
        from graph.resolve import entity_iri, identity_key

        t += [
            (node, IPKG.indicator, entity_iri("indicator", identity_key(target.indicator))),
            (node, IPKG.value, Literal(Decimal(str(target.value)), datatype=XSD.decimal)),
            (node, IPKG.unit, Literal(target.unit)),
        ]
        if target.year:
            t.append((node, IPKG.year, Literal(target.year, datatype=XSD.integer)))
        if target.region:
            t.append((node, IPKG.region, region_iri(target.region)))
        if target.qualifier:
            t.append((node, IPKG.qualifier, Literal(target.qualifier)))
    return _dedupe(t)


def _passage(t: list[Triple], kind: str, cls: URIRef, d: URIRef, result: Extraction, start: int, end: int,
             *, link: URIRef = _STATED_IN, salt: str = "") -> URIRef:
    """A node read from one passage, with its provenance: document, offsets, quote."""
    s, e = result.doc.original_span(start, end)
    node = node_iri(kind + salt, result.doc.raw.file_name, s, e)
    t += [
        (node, _TYPE, cls),
        (node, link, d),
        (node, _CHAR_START, _integer(s)),
        (node, _CHAR_END, _integer(e)),
        (node, _QUOTE, Literal(result.doc.raw.text[s:e])),
    ]
    return node


@lru_cache(maxsize=65536)
def _integer(value: int) -> Literal:
    return Literal(value, datatype=_INTEGER)


def _issuer_iri(issuer: str, resolved: Resolved) -> URIRef:
    for entity in resolved.entities.values():
        if entity.kind == "institution" and entity.label == issuer:
            return entity.iri
    scope = leading_region(issuer)[1] or ("national" if issuer.startswith(("国家", "中国", "中共中央", "国务院")) else "")
    return institution_iri(issuer, scope)


def _dedupe(triples: list[Triple]) -> list[Triple]:
    seen: set[Triple] = set()
    out = []
    for triple in triples:
        if triple not in seen and not isinstance(triple[2], BNode):
            seen.add(triple)
            out.append(triple)
    return out


__all__ = ["document_triples", "zh"]
