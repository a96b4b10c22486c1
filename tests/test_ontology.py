"""ontology/ipkg.ttl: parses, declares the whole vocabulary bilingually, keeps the contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from graph.namespaces import ELI, IPKG, ORG, PREFIXES, PROV, SH

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "ipkg.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
VOCABULARY = ROOT / "docs" / "VOCABULARY.md"
CONTRACT = ROOT.parent / "shared" / "eval" / "CONTRACT.md"
GOLD = ROOT.parent / "shared" / "eval" / "gold"
QUERIES = ROOT / "ontology" / "queries"
PICTURE = ROOT / "ontology" / "ipkg.svg"

ONTOLOGY_IRI = URIRef("https://w3id.org/ipkg/ontology")
DECLARATIONS = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDFS.Datatype}
#: A prefixed name as the docs and queries write it (ipkg:Document, dcterms:title).
TERM = re.compile(r"\b(ipkg|skos|dcterms|prov|org|eli):([A-Za-z][A-Za-z0-9]*)\b")

INSTITUTION_SUBCLASSES = ["GovernmentAgency", "InternalUnit", "ProtectionCenter", "ServiceCenter",
                          "Platform", "Court", "University", "Association", "Base", "Fund"]


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def terms_in(text: str) -> set[URIRef]:
    return {URIRef(PREFIXES[p] + name) for p, name in TERM.findall(text)}


def declared(g: Graph) -> set[URIRef]:
    return {s for s, o in g.subject_objects(RDF.type) if o in DECLARATIONS and isinstance(s, URIRef)}


def labels(g: Graph, term: URIRef, prop: URIRef = RDFS.label) -> dict[str, str]:
    return {o.language: str(o) for o in g.objects(term, prop) if isinstance(o, Literal) and o.language}


def one_of(g: Graph, datatype: URIRef) -> list[str]:
    """The closed list of an rdfs:Datatype defined with owl:equivalentClass [owl:oneOf (...)]."""
    (restriction,) = g.objects(datatype, OWL.equivalentClass)
    return [str(v) for v in Collection(g, g.value(restriction, OWL.oneOf))]


def sh_in(g: Graph, path: URIRef) -> list[str]:
    """The sh:in list of the property shape on `path`."""
    lists = [g.value(s, SH["in"]) for s in g.subjects(SH.path, path) if g.value(s, SH["in"])]
    assert len(lists) == 1, f"one sh:in on {path}"
    return [str(v) for v in Collection(g, lists[0])]


# --------------------------------------------------------------------------- the file


def test_parses_with_rdflib_and_oxigraph(onto: Graph) -> None:
    assert len(onto) > 300
    store = ox.Store()
    store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE)
    assert len(store) == len(onto)


def test_header(onto: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in onto
    assert onto.value(ONTOLOGY_IRI, OWL.versionInfo)
    assert onto.value(ONTOLOGY_IRI, OWL.versionIRI)
    assert {k.lower() for k in labels(onto, ONTOLOGY_IRI, DCTERMS.title)} == {"zh-hans", "en"}
    assert isinstance(onto.value(ONTOLOGY_IRI, DCTERMS.license), URIRef)


def test_every_ipkg_term_is_declared_once_and_used_consistently(onto: Graph) -> None:
    used = {t for triple in onto for t in triple if isinstance(t, URIRef) and t.startswith(str(IPKG))}
    assert used - declared(onto) == set(), "ipkg: terms used but not declared (a typo?)"
    for term in declared(onto) & used:
        kinds = set(onto.objects(term, RDF.type)) & DECLARATIONS
        assert len(kinds) == 1, (term, kinds)


@pytest.mark.parametrize("source", [VOCABULARY, CONTRACT], ids=lambda p: p.name)
def test_every_term_of_the_docs_is_declared_with_zh_and_en_labels(onto: Graph, source: Path) -> None:
    terms = terms_in(source.read_text("utf-8"))
    assert len(terms) > 30
    missing = sorted(t for t in terms if t not in declared(onto))
    assert not missing, f"{source.name} uses terms the ontology does not declare: {missing}"
    for term in terms:
        assert {"zh-hans", "en"} <= {k.lower() for k in labels(onto, term)}, f"{term}: labels"


def test_ipkg_terms_have_bilingual_definitions_and_are_defined_by_the_ontology(onto: Graph) -> None:
    for term in declared(onto):
        if not term.startswith(str(IPKG)):
            continue
        assert {"zh-hans", "en"} <= {k.lower() for k in labels(onto, term, SKOS.definition)}, term
        assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in onto, term
        zh = labels(onto, term)
        assert any(re.search(r"[\u4e00-\u9fff]", v) for k, v in zh.items() if k.lower() == "zh-hans"), term


def test_ipkg_properties_have_domain_and_range(onto: Graph) -> None:
    for prop in declared(onto):
        if not prop.startswith(str(IPKG)) or (prop, RDF.type, OWL.Class) in onto:
            continue
        if (prop, RDF.type, RDFS.Datatype) in onto:
            continue
        assert onto.value(prop, RDFS.domain) is not None, f"{prop}: no rdfs:domain"
        if prop != IPKG.mentionOf:  # any entity
            assert onto.value(prop, RDFS.range) is not None, f"{prop}: no rdfs:range"


# --------------------------------------------------------------------------- the contract

SUBCLASS_OF = [
    *[(IPKG[c], IPKG.Institution) for c in INSTITUTION_SUBCLASSES],
    (IPKG.Institution, ORG.Organization),
    (IPKG.InternalUnit, ORG.OrganizationalUnit),
    (IPKG.Document, PROV.Entity),
    (IPKG.Document, DCTERMS.BibliographicResource),
    (IPKG.Policy, ELI.LegalResource),
    (IPKG.Region, PROV.Location),
    (IPKG.Region, DCTERMS.Location),
    (IPKG.Measure, PROV.Entity),
    (IPKG.Target, PROV.Entity),
    (IPKG.Mention, PROV.Entity),
]


@pytest.mark.parametrize(("sub", "sup"), SUBCLASS_OF, ids=lambda t: str(t).rsplit("#", 1)[-1].rsplit("/", 1)[-1])
def test_subclass_of(onto: Graph, sub: URIRef, sup: URIRef) -> None:
    assert (sub, RDFS.subClassOf, sup) in onto


def test_provenance_properties(onto: Graph) -> None:
    assert (IPKG.statedIn, RDFS.subPropertyOf, PROV.wasDerivedFrom) in onto
    assert (IPKG.inDocument, RDFS.subPropertyOf, PROV.wasDerivedFrom) in onto
    assert (IPKG.partOf, RDF.type, OWL.TransitiveProperty) in onto
    for prop in (IPKG.servedBy, IPKG.responsibleUnit):
        assert onto.value(prop, RDFS.range) == IPKG.Institution
        assert {"zh-hans", "en"} <= {k.lower() for k in labels(onto, prop, SKOS.scopeNote)}


def test_the_scorers_subclass_query_finds_institution_subclasses(onto: Graph) -> None:
    """score.py reads `?e a ?c . ?c rdfs:subClassOf* ipkg:Institution` on the built file."""
    store = ox.Store()
    store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE)
    for i, cls in enumerate(INSTITUTION_SUBCLASSES):
        store.add(ox.Quad(ox.NamedNode(f"https://w3id.org/ipkg/id/test/{i}"), ox.NamedNode(str(RDF.type)),
                          ox.NamedNode(str(IPKG[cls]))))
    rows = store.query(
        "PREFIX ipkg: <https://w3id.org/ipkg/ontology#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT DISTINCT ?e WHERE { ?e a ?c . ?c rdfs:subClassOf* ipkg:Institution }")
    assert len(list(rows)) == len(INSTITUTION_SUBCLASSES)


def test_gold_institution_types_are_institution_subclasses(onto: Graph) -> None:
    kinds = {
        inst.get("type")
        for path in GOLD.glob("*.json")
        for inst in json.loads(path.read_text("utf-8")).get("institutions", [])
    }
    assert kinds, f"no gold annotations under {GOLD}"
    for kind in kinds - {"Other"}:  # "Other" is plain ipkg:Institution
        assert (IPKG[kind], RDFS.subClassOf, IPKG.Institution) in onto, kind


# --------------------------------------------------------------------------- value lists


def contract_list(pattern: str) -> list[str]:
    """A list of values as CONTRACT.md writes it, for the property named by `pattern`."""
    text = CONTRACT.read_text("utf-8")
    m = re.search(pattern + r"[^(]*\(([^)]*)\)", text)
    assert m, pattern
    return [v.strip(" `\"") for v in m.group(1).split(",")]


@pytest.mark.parametrize(("datatype", "prop"), [
    (IPKG.LevelCode, IPKG.level),
    (IPKG.GenreCode, IPKG.genre),
    (IPKG.AdminLevelCode, IPKG.adminLevel),
    (IPKG.ScriptCode, IPKG.script),
], ids=["level", "genre", "adminLevel", "script"])
def test_value_lists_agree_between_ontology_and_shapes(onto: Graph, shapes: Graph, datatype: URIRef,
                                                       prop: URIRef) -> None:
    assert onto.value(prop, RDFS.range) == datatype
    assert one_of(onto, datatype) == sh_in(shapes, prop)


def test_level_and_genre_lists_are_the_contracts(onto: Graph) -> None:
    assert one_of(onto, IPKG.LevelCode) == contract_list(r"`ipkg:level`")
    assert one_of(onto, IPKG.GenreCode) == contract_list(r"`ipkg:genre`")


# --------------------------------------------------------------------------- shapes and queries


def test_shapes_use_only_declared_terms(onto: Graph, shapes: Graph) -> None:
    used = {t for triple in shapes for t in triple if isinstance(t, URIRef) and t.startswith(str(IPKG))}
    assert used - declared(onto) == set()


def test_shapes_target_every_instance_class(shapes: Graph, onto: Graph) -> None:
    targeted = set(shapes.objects(None, SH.targetClass))
    for cls in (IPKG.Document, IPKG.Measure, IPKG.Target, IPKG.Mention, IPKG.Region, IPKG.Institution):
        assert cls in targeted
    # the named entities are reached through their common superclass
    for cls in (IPKG.Policy, IPKG.Institution, IPKG.Program, IPKG.Event, IPKG.Indicator, IPKG.Region):
        assert cls in targeted or (cls, RDFS.subClassOf, IPKG.NamedEntity) in onto


@pytest.mark.parametrize("rq", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_saved_queries_use_only_declared_terms(onto: Graph, rq: Path) -> None:
    body = "\n".join(line for line in rq.read_text("utf-8").splitlines() if not line.startswith("#"))
    used = {t for t in terms_in(body) if t.startswith(str(IPKG))}
    assert used, f"{rq.name} uses no ipkg: term"
    assert used - declared(onto) == set(), f"{rq.name}: undeclared {sorted(used - declared(onto))}"


def test_no_blank_node_class_is_left_dangling(onto: Graph) -> None:
    # owl:unionOf domains/ranges and datatype restrictions are the only blank nodes.
    for b in {s for s in onto.subjects() if isinstance(s, BNode)}:
        kinds = set(onto.objects(b, RDF.type))
        assert kinds & {OWL.Class, RDFS.Datatype, OWL.AllDisjointClasses} or (b, RDF.first, None) in onto, b


def test_picture_shows_every_class(onto: Graph) -> None:
    svg = PICTURE.read_text("utf-8")
    for cls in onto.subjects(RDF.type, OWL.Class):
        if isinstance(cls, URIRef) and cls.startswith(str(IPKG)):
            name = cls[len(str(IPKG)):]
            assert name in svg, f"{PICTURE.name} does not show {name}: run python ontology/diagram.py"


def test_diagram_source_is_built_from_the_ontology(onto: Graph) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("ipkg_diagram", ROOT / "ontology" / "diagram.py")
    assert spec and spec.loader
    diagram = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(diagram)
    dot = diagram.build_dot(onto)
    assert dot.startswith("digraph ipkg {")
    assert '"ProtectionCenter" -> "Institution" [arrowhead=onormal' in dot
    assert '"Measure" -> "Institution" [label="servedBy"' in dot
    assert 'label="partOf (transitive)"' in dot
    assert "知识产权保护中心" in dot  # Chinese labels are drawn
