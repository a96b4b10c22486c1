"""Resolve mentions to entities with stable IRIs, across documents.

An entity's IRI is a function of its kind, its canonical name and the scope
that name is unique in (a region's full name, "national", or "" for a kind
of service institution such as TISC), so the same thing named in two
documents is one node, 省知识产权局 in a Shaanxi and in a Hubei text are two,
and documents can be built one at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef

from graph.model import Extraction, Mention
from graph.namespaces import entity_iri
from graph.normalise import normalise_text
from graph.regions import gazetteer

#: Mention kind → ontology class local name (institutions refine it by subtype).
CLASSES = {"policy": "Policy", "institution": "Institution", "program": "Program", "event": "Event",
           "region": "Region", "indicator": "Indicator"}
INSTITUTION_CLASSES = {"GovernmentAgency", "InternalUnit", "ProtectionCenter", "ServiceCenter", "Platform",
                       "Court", "University", "Association", "Base", "Fund"}


@dataclass
class Entity:
    """A resolved node: what the graph says about one real-world thing."""

    iri: URIRef
    kind: str
    cls: str
    label: str
    alt_labels: set[str] = field(default_factory=set)
    region: str = ""  # full region name, for locatedIn
    parent: URIRef | None = None  # internal unit → its agency; region → its parent region
    level: str = ""  # regions only


@dataclass
class Resolved:
    """One document's entities and the IRI each mention resolved to."""

    entities: dict[URIRef, Entity]
    iri_of: dict[int, URIRef]  # id(mention) → IRI


def display_name(name: str) -> str:
    """The label form of a name: Simplified, folded, no stray spaces, one dash style."""
    return re.sub(r"[—–―－]+", "—", re.sub(r"\s+", "", normalise_text(name)))


def identity_key(name: str) -> str:
    """What two spellings of one name share (quotes, brackets and dash styles ignored)."""
    key = display_name(name).strip("《》")
    # Dash styles vary between documents; the label keeps whatever the key keeps.
    return re.sub(r"[—–―－-]+", "—", key)


def resolve(result: Extraction) -> Resolved:
    """Resolve every mention (and target indicator) of one document."""
    entities: dict[URIRef, Entity] = {}
    iri_of: dict[int, URIRef] = {}
    raw_text = result.doc.raw.text
    merged = _merge_variants(result.mentions)
    for original, mention in zip(result.mentions, merged, strict=True):
        entity = entity_for(mention)
        existing = entities.setdefault(entity.iri, entity)
        existing.alt_labels |= _surfaces(mention, result, raw_text)
        if mention.kind == "institution" and mention.region:
            existing.alt_labels |= _county_variants(existing.label, mention.region)
        iri_of[id(original)] = existing.iri
        if mention.kind == "institution" and mention.parent and entity.parent not in entities:
            # The agency an internal unit belongs to is a node of its own.
            entities[entity.parent] = Entity(entity.parent, "institution", "GovernmentAgency",
                                             display_name(mention.parent), region=_scope_of_parent(mention.parent)
                                             if _scope_of_parent(mention.parent) not in ("", "national") else "")
    for region_name in {m.region for m in result.mentions if m.region} | {result.metadata.jurisdiction}:
        _add_region_chain(entities, region_name)
    for target in result.targets:
        ind = entity_iri("indicator", identity_key(target.indicator))
        entities.setdefault(ind, Entity(ind, "indicator", "Indicator", display_name(target.indicator)))
        if target.region:
            _add_region_chain(entities, target.region)
    for entity in entities.values():
        entity.alt_labels.discard(entity.label)
    return Resolved(entities=entities, iri_of=iri_of)


def _merge_variants(mentions: list[Mention]) -> list[Mention]:
    """Within one document, a programme or event named in full once and shortened
    later (知识产权代理行业“蓝天”专项整治行动 … “蓝天”专项整治行动) is one thing.
    """
    out = list(mentions)
    for kind in ("program", "event"):
        # Longest first; between names of one length, in code-point order (a set's
        # order changes with the hash seed, and with it which name a shortening joins).
        names = sorted({m.name for m in mentions if m.kind == kind}, key=lambda n: (-len(n), n))
        longer_of: dict[str, str] = {}
        for short in names:
            bare = short.strip("“”")
            for long in names:
                if len(long) > len(short) and len(bare) >= 5 and long.endswith(short):
                    longer_of[short] = long
                    break
        out = [Mention(m.kind, m.surface, m.start, m.end, longer_of[m.name], m.subtype, m.scope, m.region,
                       m.parent) if m.kind == kind and m.name in longer_of else m for m in out]
    # An institution written once with and once without a middle word (商标品牌指导站,
    # 商标品牌培育指导站), in the same scope and of the same type, is one.
    insts = sorted({(m.name, m.scope, m.subtype) for m in out if m.kind in ("institution", "program")})
    longer: dict[tuple, str] = {}
    for name, scope, cls in insts:
        for other, oscope, ocls in insts:
            if (oscope, ocls) == (scope, cls) and len(other) > len(name) and other[-2:] == name[-2:] \
                    and name[:2] == other[:2] and len(name) / len(other) >= 0.75 and _subsequence(name, other):
                longer[(name, scope, cls)] = other
                break
    return [Mention(m.kind, m.surface, m.start, m.end, longer[(m.name, m.scope, m.subtype)], m.subtype, m.scope,
                    m.region, m.parent) if (m.name, m.scope, m.subtype) in longer else m
            for m in out]


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def entity_for(mention: Mention) -> Entity:
    """The entity a mention names (without the labels other mentions add)."""
    name = display_name(mention.name)
    if mention.kind == "region":
        return _region_entity(mention.name)
    cls = CLASSES[mention.kind]
    if mention.kind == "institution" and mention.subtype in INSTITUTION_CLASSES:
        cls = mention.subtype
    scope = mention.scope if mention.kind == "institution" else ""
    iri = entity_iri(mention.kind, scope, identity_key(name))
    parent = None
    if mention.parent:
        parent = entity_iri("institution", _scope_of_parent(mention.parent), identity_key(mention.parent))
    return Entity(iri, mention.kind, cls, name, region=mention.region, parent=parent)


def institution_iri(name: str, scope: str) -> URIRef:
    """IRI of an institution known by canonical name and scope (issuers, parents)."""
    return entity_iri("institution", scope, identity_key(display_name(name)))


def _scope_of_parent(name: str) -> str:
    from graph.extract.names import leading_region

    region = leading_region(name)[1]
    if region:
        return region
    return "national" if name.startswith(("国家", "中国", "中共中央", "国务院")) else ""


def region_iri(name: str) -> URIRef:
    """IRI of a region by full name."""
    return entity_iri("region", name)


def _region_entity(name: str) -> Entity:
    region = gazetteer().get(name)
    parent = region_iri(region.parent) if region and region.parent else None
    entity = Entity(region_iri(name), "region", "Region", name, parent=parent,
                    level=region.level if region else "")
    if region and region.short != name:
        entity.alt_labels.add(region.short)
    return entity


def _add_region_chain(entities: dict[URIRef, Entity], name: str) -> None:
    gaz = gazetteer()
    while name and gaz.get(name):
        entity = _region_entity(name)
        entities.setdefault(entity.iri, entity)
        name = gaz.get(name).parent


def _county_variants(label: str, region_name: str) -> set[str]:
    """成都市蒲江县人民法院 is also written 蒲江县人民法院, and the other way round."""
    region = gazetteer().get(region_name)
    if region is None or region.level not in ("district", "zone") or region.short == region.name:
        return set()
    if label.startswith(region.name) and len(label) > len(region.name):
        return {region.short + label[len(region.name):]}
    if label.startswith(region.short) and len(label) > len(region.short):
        return {region.name + label[len(region.short):]}
    return set()


def _surfaces(mention: Mention, result: Extraction, raw_text: str) -> set[str]:
    """Labels a mention contributes: its normalised surface and, if different, the original spelling."""
    out = {display_name(mention.surface)}
    s, e = result.doc.original_span(mention.start, mention.end)
    original = re.sub(r"\s+", "", raw_text[s:e])
    # The source spelling (Traditional script) of the same surface, not a wider span.
    if original and original != mention.surface and len(original) <= 80 \
            and display_name(original) == display_name(mention.surface):
        out.add(original)
    return {x for x in out if x}
