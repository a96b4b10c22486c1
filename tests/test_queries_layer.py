"""graph.queries: saved-query files, binding, prefixes, search, entity cards, overviews."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.sparql import prepareQuery

from graph.namespaces import ID, IPKG, ONTOLOGY_GRAPH, PREFIXES
from graph.queries import (
    INTERNAL_DIR,
    QUERY_DIR,
    _parse_file,
    counts_by_class,
    documents,
    entity_card,
    internal_queries,
    prepare,
    primary_class,
    run_saved,
    saved_queries,
    search_entities,
    to_simplified,
)
from graph.store import OxigraphStore, _tokens, check_read_only

GRAPH_A = URIRef("https://w3id.org/ipkg/graph/doc/a")
GRAPH_B = URIRef("https://w3id.org/ipkg/graph/doc/b")

ONTOLOGY = """
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
ipkg:Institution a owl:Class .
ipkg:ProtectionCenter a owl:Class ; rdfs:subClassOf ipkg:Institution .
ipkg:GovernmentAgency a owl:Class ; rdfs:subClassOf ipkg:Institution .
ipkg:Platform a owl:Class ; rdfs:subClassOf ipkg:Institution .
"""

DOC_A = """
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix id: <https://w3id.org/ipkg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
id:doca a ipkg:Document ; ipkg:fileName "a.txt" ; dcterms:title "陕西省知识产权保护工作要点" ;
    ipkg:docNumber "陕知发〔2023〕1号" ; dcterms:issued "2023-03-01"^^xsd:date ; ipkg:level "province" ;
    ipkg:genre "工作要点" ; ipkg:jurisdiction id:sx ; ipkg:issuedBy id:ipo ; ipkg:mentions id:pc , id:ipo ;
    ipkg:measureCount 1 .
id:sx a ipkg:Region ; skos:prefLabel "陕西省"@zh-Hans ; ipkg:adminLevel "province" .
id:ipo a ipkg:GovernmentAgency ; skos:prefLabel "陕西省知识产权局"@zh-Hans ; skos:altLabel "省知识产权局"@zh-Hans ;
    ipkg:locatedIn id:sx .
id:pc a ipkg:ProtectionCenter ; skos:prefLabel "中国（陕西）知识产权保护中心"@zh-Hans ;
    skos:altLabel "陝西保護中心"@zh-Hans ; ipkg:locatedIn id:sx .
id:m1 a ipkg:Measure ; ipkg:statedIn id:doca ; ipkg:text "发挥保护中心作用"@zh-Hans ; ipkg:quote "發揮保護中心作用" ;
    ipkg:servedBy id:pc ; ipkg:responsibleUnit id:ipo ; ipkg:charStart 10 ; ipkg:charEnd 18 .
id:men1 a ipkg:Mention ; ipkg:mentionOf id:pc ; ipkg:inDocument id:doca ; ipkg:quote "保護中心" ;
    ipkg:charStart 12 ; ipkg:charEnd 16 ; ipkg:inMeasure id:m1 .
"""

DOC_B = """
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix id: <https://w3id.org/ipkg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
id:docb a ipkg:Document ; ipkg:fileName "b.txt" ; ipkg:mentions id:pc , id:qcy .
id:pc a ipkg:ProtectionCenter ; skos:prefLabel "中国（陕西）知识产权保护中心"@zh-Hans .
id:qcy a ipkg:Platform ; skos:prefLabel "秦创原创新驱动平台"@zh-Hans ; skos:altLabel "秦创原"@zh-Hans , "Qinchuangyuan"@en .
id:men2 a ipkg:Mention ; ipkg:mentionOf id:pc ; ipkg:inDocument id:docb ; ipkg:quote "保护中心" ;
    ipkg:charStart 3 ; ipkg:charEnd 7 .
"""


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    s = OxigraphStore(None)
    s.replace_graph(ONTOLOGY_GRAPH, Graph().parse(data=ONTOLOGY, format="turtle"))
    s.replace_graph(GRAPH_A, Graph().parse(data=DOC_A, format="turtle"))
    s.replace_graph(GRAPH_B, Graph().parse(data=DOC_B, format="turtle"))
    return s


# --------------------------------------------------------------------------- files


def all_query_files() -> list[Path]:
    return sorted(QUERY_DIR.glob("*.rq")) + sorted(INTERNAL_DIR.glob("*.rq"))


@pytest.mark.parametrize("path", all_query_files(), ids=lambda p: p.parent.name + "/" + p.stem)
def test_every_query_file_has_a_header_parses_and_is_read_only(path):
    query = _parse_file(path)
    assert query.title_zh and query.title_en, f"{path.name}: needs # title_zh: and # title_en:"
    variables = {tok[1:] for kind, tok in _tokens(query.text) if kind == "var"}
    for param in query.parameters:
        assert param.name in variables, f"{path.name}: parameter ?{param.name} is not used"
    prepareQuery(query.sparql)  # rdflib parses it once the prefixes are in
    check_read_only(query.sparql)


def test_header_parsing(tmp_path):
    path = tmp_path / "example.rq"
    path.write_text(
        "# title_zh: 示例\n# title_en: Example\n# description: 第一行\n# a free comment\n"
        "# description: second line\n# param: keyword  关键词 / keyword\n# param: node:iri  节点\n"
        "SELECT ?x WHERE { ?x ?p ?keyword . ?node ?p ?x }\n# param: late  ignored\n",
        encoding="utf-8",
    )
    q = _parse_file(path)
    assert (q.name, q.title_zh, q.title_en) == ("example", "示例", "Example")
    assert q.description == "第一行\nsecond line"
    assert [(p.name, p.kind, p.description) for p in q.parameters] == [
        ("keyword", "str", "关键词 / keyword"), ("node", "iri", "节点")]
    assert q.title("en") == "Example" and q.title("zh") == "示例"


def test_header_rejects_unknown_parameter_type(tmp_path):
    path = tmp_path / "bad.rq"
    path.write_text("# param: x:float  nope\nASK {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown type"):
        _parse_file(path)


def test_saved_and_internal_queries_are_separate_and_cached():
    assert "search_entities" in internal_queries()
    assert "search_entities" not in saved_queries()
    assert saved_queries() is saved_queries()


def test_prepare_adds_only_missing_prefixes():
    text = "PREFIX skos: <http://example.org/mine#>\nSELECT * WHERE { ?s skos:x ?o }"
    prepared = prepare(text)
    assert prepared.endswith(text)
    assert "PREFIX skos: <http://www.w3.org" not in prepared
    assert f"PREFIX ipkg: <{PREFIXES['ipkg']}>" in prepared
    assert prepare(prepared) == prepared


# --------------------------------------------------------------------------- binding


def test_run_saved_binds_typed_values(store):
    res = run_saved(store, "entity_out", entity=str(ID["pc"]))
    assert res.rows, "an iri parameter given as str is bound as an IRI"
    res = run_saved(store, "search_entities", q="陕西", raw="陕西", cls=IPKG.Region)
    assert [r[0] for r in res.rows] == [ID["sx"]]


def test_run_saved_rejects_unknown_parameters(store):
    with pytest.raises(TypeError, match="no parameter"):
        run_saved(store, "entity_out", entity=ID["pc"], colour="red")
    with pytest.raises(KeyError):
        run_saved(store, "no_such_query")


def test_missing_parameter_stays_unbound(store):
    assert run_saved(store, "entity_out").rows  # ?entity unbound: every statement matches


def test_coercion_of_python_values():
    from graph.queries import Param, _coerce

    assert _coerce(Param("k"), "知识产权") == Literal("知识产权")
    assert _coerce(Param("k"), 2025) == Literal(2025)
    assert _coerce(Param("k", kind="decimal"), "3.5") == Literal(Decimal("3.5"), datatype=XSD.decimal)
    assert _coerce(Param("k", kind="iri"), "https://w3id.org/ipkg/id/x") == URIRef("https://w3id.org/ipkg/id/x")
    with pytest.raises(ValueError, match="absolute IRI"):
        _coerce(Param("k", kind="iri"), "not an <iri>")
    with pytest.raises(ValueError, match="absolute IRI"):
        _coerce(Param("k", kind="iri"), "知识产权")
    with pytest.raises(ValueError, match="takes a number"):
        _coerce(Param("year", kind="int"), "明年")


# --------------------------------------------------------------------------- search


def test_traditional_input_is_converted():
    assert to_simplified("知識產權保護中心") == "知识产权保护中心"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("保护中心", ID["pc"]),  # partial
        ("保護中心", ID["pc"]),  # Traditional input
        ("陝西保護中心", ID["pc"]),  # a Traditional altLabel, typed as it is
        ("秦创原", ID["qcy"]),
        ("qinchuang", ID["qcy"]),  # case-insensitive
        ("  省知识产权局 ", ID["ipo"]),
    ],
)
def test_search_finds_entities(store, text, expected):
    hits = search_entities(store, text)
    assert hits and hits[0].iri == expected


def test_search_ranks_exact_then_prefix_then_contains(store):
    hits = search_entities(store, "陕西省")
    assert [h.iri for h in hits][:2] == [ID["sx"], ID["ipo"]]  # exact, then prefix
    assert [h.score for h in hits][:2] == [0, 1]
    assert hits[0].cls == "Region" and hits[0].label == "陕西省"


def test_search_restricts_classes_with_subclasses(store):
    institutions = search_entities(store, "陕西", classes=["Institution"])
    assert {h.iri for h in institutions} == {ID["pc"], ID["ipo"]}
    assert {h.iri for h in search_entities(store, "陕西", classes=[str(IPKG.Region)])} == {ID["sx"]}
    assert {h.iri for h in search_entities(store, "陕西", classes=["Region", "ProtectionCenter"])} == {
        ID["sx"], ID["pc"]}


def test_search_limit_and_empty_input(store):
    assert len(search_entities(store, "陕西", limit=1)) == 1
    assert search_entities(store, "   ") == []
    assert search_entities(store, "不存在的机构") == []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=30))
def test_search_text_never_changes_the_query(store, text):
    hits = search_entities(store, text)  # never raises, whatever the text
    needle = " ".join(text.split())
    for hit in hits:
        names = {str(o) for o in _names(store, hit.iri)}
        assert any(needle.lower() in n.lower() or to_simplified(needle).lower() in n.lower() for n in names)


def _names(store, iri):
    res = store.query("SELECT ?l WHERE { ?e <http://www.w3.org/2004/02/skos/core#prefLabel>|"
                      "<http://www.w3.org/2004/02/skos/core#altLabel> ?l }", {"e": iri})
    return [r[0] for r in res.rows]


def test_injected_search_text_finds_nothing(store):
    before = len(store)
    assert search_entities(store, '"} ; DROP ALL #') == []
    assert search_entities(store, "') } } INSERT DATA { <a> <b> <c> } #") == []
    assert len(store) == before


# --------------------------------------------------------------------------- cards and overviews


def test_entity_card(store):
    card = entity_card(store, ID["pc"])
    assert card is not None
    assert card.label == "中国（陕西）知识产权保护中心"
    assert card.alt_labels == ("陝西保護中心",)
    assert card.types == ("ProtectionCenter",) and card.cls == "ProtectionCenter"
    assert (card.region, card.region_iri) == ("陕西省", ID["sx"])
    assert [(r.name, r.other_label) for r in card.outgoing] == [("locatedIn", "陕西省")]
    incoming = {(r.name, r.other, r.other_label, r.quote) for r in card.incoming}
    assert ("servedBy", ID["m1"], "发挥保护中心作用", "發揮保護中心作用") in incoming
    assert ("mentions", ID["docb"], "b.txt", None) in incoming
    assert all(r.other != ID["men1"] for r in card.incoming), "mention nodes fold into mentions"
    by_doc = {(m.file_name, m.title, m.quote, m.start, m.end, m.measure) for m in card.mentions}
    assert by_doc == {
        ("a.txt", "陕西省知识产权保护工作要点", "保護中心", 12, 16, ID["m1"]),
        ("b.txt", "", "保护中心", 3, 7, None),
    }


def test_entity_card_of_a_measure_has_attributes(store):
    card = entity_card(store, ID["m1"])
    assert card is not None and card.cls == "Measure"
    assert ("charStart", "10") in card.attributes and card.label == "发挥保护中心作用"
    assert {r.name for r in card.outgoing} == {"statedIn", "servedBy", "responsibleUnit"}


def test_entity_card_of_unknown_node_is_none(store):
    assert entity_card(store, ID["nothing"]) is None


@pytest.mark.parametrize("text", ["https://w3id.org/ipkg/id/not an iri", "not an iri", "", "<urn:x>"])
def test_entity_card_of_text_that_is_no_iri_is_none(store, text):
    assert entity_card(store, text) is None


def test_counts_by_class(store):
    counts = counts_by_class(store)
    assert counts["Document"] == 2 and counts["ProtectionCenter"] == 1 and counts["Mention"] == 2
    assert list(counts.values()) == sorted(counts.values(), reverse=True)


def test_documents(store):
    docs = documents(store)
    assert [d.file_name for d in docs] == ["a.txt", "b.txt"]
    a = docs[0]
    assert (a.title, a.doc_number, a.issued, a.level, a.genre) == (
        "陕西省知识产权保护工作要点", "陕知发〔2023〕1号", "2023-03-01", "province", "工作要点")
    assert (a.jurisdiction, a.issued_by, a.measures) == ("陕西省", "陕西省知识产权局", 1)
    assert docs[1].measures is None  # its graph does not state a count


def test_primary_class_prefers_specific_classes():
    assert primary_class([IPKG.Institution, IPKG.ProtectionCenter]) == "ProtectionCenter"
    assert primary_class([IPKG.Institution, IPKG.Enterprise]) == "Enterprise"  # unknown subclass
    assert primary_class([URIRef("http://www.w3.org/ns/org#Organization")]) == ""


# --------------------------------------------------------------------------- helpers the app and CLI share


def test_prepare_can_add_only_the_prefixes_used():
    text = "SELECT * WHERE { ?s a ipkg:Measure ; skos:prefLabel ?l }"
    prepared = prepare(text, only_used=True)
    assert prepared.count("PREFIX") == 2 and prepared.endswith(text)
    assert prepare(prepared, only_used=True) == prepared


def test_python_values_and_rows(store):
    from graph.queries import python_value, run_rows

    assert python_value(Literal(3)) == 3 and python_value(Literal("2.50", datatype=XSD.decimal)) == 2.5
    assert python_value(Literal("true", datatype=XSD.boolean)) is True and python_value(None) is None
    assert python_value(ID["pc"]) == str(ID["pc"]) and python_value(Literal("2023-03-01", datatype=XSD.date)) == "2023-03-01"
    rows = run_rows(store, "counts_by_class")
    assert {"cls": str(IPKG.Document), "n": 2} in rows


def test_results_json_and_compact_iris(store):
    from graph.queries import compact_iri, results_json

    res = store.query(prepare('SELECT ?s ?l WHERE { ?s skos:prefLabel ?l FILTER(STR(?l) = "陕西省") }'))
    out = results_json(res)
    assert out["head"]["vars"] == ["s", "l"]
    assert out["results"]["bindings"] == [{"s": {"type": "uri", "value": str(ID["sx"])},
                                           "l": {"type": "literal", "value": "陕西省", "xml:lang": "zh-Hans"}}]
    assert results_json(store.query("ASK { ?s ?p ?o }")) == {"head": {}, "boolean": True}
    assert compact_iri(str(IPKG.Measure)) == "ipkg:Measure" and compact_iri("https://example.org/x") == "https://example.org/x"
    assert compact_iri(42) == 42


def test_parameters_typed_into_a_form():
    from graph.queries import Param, parse_parameter

    assert parse_parameter(Param("entity"), " https://w3id.org/ipkg/id/x ") == URIRef("https://w3id.org/ipkg/id/x")
    assert parse_parameter(Param("entity"), "陕西省") == Literal("陕西省")
    assert parse_parameter(Param("year", kind="int"), "2025") == Literal(2025)
    with pytest.raises(ValueError):
        parse_parameter(Param("entity", kind="iri"), "陕西省")


# --------------------------------------------------------------------------- the app's whole-graph tables


@pytest.fixture(scope="module")
def corpus_graph(corpus_dir: Path) -> OxigraphStore:
    from graph.pipeline import build

    s = OxigraphStore(None)
    build([corpus_dir], s, jobs=1, validate=False)
    return s


def test_targets_by_year_counts_the_rows_of_the_target_table(corpus_graph):
    from collections import Counter

    from graph.queries import run_rows

    table = run_rows(corpus_graph, "target_table")
    per_target = {(r["target"], r["year"], r["regionLabel"]) for r in table if r["year"] is not None}
    want = Counter((year, region) for _, year, region in per_target)
    got = {(r["year"], r["regionLabel"]): r["targets"] for r in run_rows(corpus_graph, "targets_by_year")}
    assert got == dict(want)
    assert sum(got.values()) >= 20


def test_targets_by_year_counts_a_target_without_a_region_once(store):
    from graph.queries import run_rows

    targets = """
    @prefix ipkg: <https://w3id.org/ipkg/ontology#> .
    @prefix id: <https://w3id.org/ipkg/id/> .
    id:t1 a ipkg:Target ; ipkg:year 2025 ; ipkg:region id:sx .
    id:t2 a ipkg:Target ; ipkg:year 2025 .
    """
    s = OxigraphStore(None)
    s.replace_graph(GRAPH_A, Graph().parse(data=DOC_A + targets, format="turtle"))
    got = sorted(((r["year"], r["regionLabel"] or ""), r["targets"]) for r in run_rows(s, "targets_by_year"))
    assert got == [((2025, ""), 1), ((2025, "陕西省"), 1)]
