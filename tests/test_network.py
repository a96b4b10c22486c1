"""graph.network: RDF → networkx projection, ego networks selected with SPARQL."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from graph.namespaces import ID, ONTOLOGY_GRAPH
from graph.network import Subgraph, ego_network, select_subgraph, to_networkx
from graph.queries import prepare
from graph.store import OxigraphStore

GRAPH_A = URIRef("https://w3id.org/ipkg/graph/doc/a")
GRAPH_B = URIRef("https://w3id.org/ipkg/graph/doc/b")

PREFIXES = """
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix id: <https://w3id.org/ipkg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
"""

ONTOLOGY = PREFIXES + """
ipkg:Institution a owl:Class .
ipkg:ProtectionCenter a owl:Class ; rdfs:subClassOf ipkg:Institution .
ipkg:GovernmentAgency a owl:Class ; rdfs:subClassOf ipkg:Institution .
"""

# Document A (Shaanxi): a measure served by the protection centre, run by the IP office.
DOC_A = PREFIXES + """
id:doca a ipkg:Document ; ipkg:fileName "a.txt" ; dcterms:title "陕西省知识产权保护工作要点" ;
    ipkg:jurisdiction id:sx ; ipkg:issuedBy id:ipo ; ipkg:mentions id:pc , id:ipo ; ipkg:cites id:law .
id:sx a ipkg:Region ; skos:prefLabel "陕西省"@zh-Hans .
id:xa a ipkg:Region ; skos:prefLabel "西安市"@zh-Hans ; ipkg:partOf id:sx .
id:ipo a ipkg:GovernmentAgency , ipkg:Institution ; skos:prefLabel "陕西省知识产权局"@zh-Hans ; ipkg:locatedIn id:sx .
id:pc a ipkg:ProtectionCenter ; skos:prefLabel "中国（陕西）知识产权保护中心"@zh-Hans ; ipkg:locatedIn id:xa .
id:law a ipkg:Policy ; skos:prefLabel "中华人民共和国专利法"@zh-Hans .
id:m1 a ipkg:Measure ; ipkg:statedIn id:doca ; prov:wasDerivedFrom id:doca ; ipkg:text "发挥保护中心作用"@zh-Hans ;
    ipkg:quote "發揮保護中心作用" ; ipkg:servedBy id:pc ; ipkg:responsibleUnit id:ipo ;
    ipkg:charStart 10 ; ipkg:charEnd 18 .
id:men1 a ipkg:Mention ; ipkg:mentionOf id:pc ; ipkg:inDocument id:doca ; ipkg:quote "保護中心" ;
    ipkg:charStart 12 ; ipkg:charEnd 16 ; ipkg:inMeasure id:m1 .
id:men2 a ipkg:Mention ; ipkg:mentionOf id:ipo ; ipkg:inDocument id:doca ; ipkg:quote "省知识产权局" .
"""

# Document B (Hubei): mentions the same centre and an institution elsewhere.
DOC_B = PREFIXES + """
id:docb a ipkg:Document ; ipkg:fileName "b.txt" ; ipkg:jurisdiction id:hb ; ipkg:mentions id:pc , id:hbipo .
id:hb a ipkg:Region ; skos:prefLabel "湖北省"@zh-Hans .
id:pc a ipkg:ProtectionCenter ; skos:prefLabel "中国（陕西）知识产权保护中心"@zh-Hans .
id:hbipo a ipkg:GovernmentAgency ; skos:prefLabel "湖北省知识产权局"@zh-Hans ; ipkg:locatedIn id:hb .
id:men3 a ipkg:Mention ; ipkg:mentionOf id:pc ; ipkg:inDocument id:docb ; ipkg:quote "陕西保护中心" .
"""


def parse(ttl: str) -> Graph:
    return Graph().parse(data=ttl, format="turtle")


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    s = OxigraphStore(None)
    s.replace_graph(ONTOLOGY_GRAPH, parse(ONTOLOGY))
    s.replace_graph(GRAPH_A, parse(DOC_A))
    s.replace_graph(GRAPH_B, parse(DOC_B))
    return s


def n(name: str) -> str:
    return str(ID[name])


# --------------------------------------------------------------------------- projection


def test_projection_nodes_and_attributes():
    g = to_networkx(parse(DOC_A))
    assert set(g.nodes) == {n(x) for x in ("doca", "sx", "xa", "ipo", "pc", "law", "m1")}, "no mentions"
    ipo = g.nodes[n("ipo")]
    assert ipo == {"label": "陕西省知识产权局", "cls": "GovernmentAgency", "region": "陕西省", "quote": "",
                   "iri": n("ipo")}
    assert g.nodes[n("m1")]["quote"] == "發揮保護中心作用" and g.nodes[n("m1")]["label"] == "发挥保护中心作用"
    assert g.nodes[n("doca")]["region"] == "陕西省" and g.nodes[n("pc")]["region"] == "西安市"
    for _, attrs in g.nodes(data=True):
        assert all(isinstance(v, str) for v in attrs.values())


def test_projection_edges_carry_relation_and_quote():
    g = to_networkx(parse(DOC_A))
    edges = {(u, v, k): a for u, v, k, a in g.edges(keys=True, data=True)}
    assert edges[(n("m1"), n("pc"), "servedBy")]["quote"] == "發揮保護中心作用"  # the measure's passage
    assert edges[(n("doca"), n("pc"), "mentions")]["quote"] == "保護中心"  # the mention's passage
    assert edges[(n("doca"), n("ipo"), "issuedBy")]["quote"] == "省知识产权局"
    assert edges[(n("doca"), n("law"), "cites")]["quote"] == ""
    relations = {k for _, _, k in edges}
    assert not relations & {"type", "mentionOf", "inDocument", "inMeasure", "wasDerivedFrom", "charStart"}
    # issuedBy and mentions between the same pair stay two edges
    assert g.number_of_edges(n("doca"), n("ipo")) == 2


def test_projection_filters_relations_and_nodes():
    g = to_networkx(parse(DOC_A), relations=["servedBy", "responsibleUnit"])
    assert {k for _, _, k in g.edges(keys=True)} == {"servedBy", "responsibleUnit"}
    g = to_networkx(parse(DOC_A), nodes=[ID["m1"], ID["pc"]])
    assert set(g.nodes) == {n("m1"), n("pc")} and g.number_of_edges() == 1
    assert g.nodes[n("pc")]["region"] == "西安市", "labels come from triples outside the node set"


def test_projection_of_a_construct_result(store):
    res = store.query(prepare("CONSTRUCT { ?m ?p ?o } WHERE { ?m a ipkg:Measure ; ?p ?o }"))
    g = to_networkx(res.triples)
    assert n("m1") in g and g.nodes[n("pc")]["cls"] == "Other"  # pc's type is not in the result


# --------------------------------------------------------------------------- ego networks


def test_one_hop(store):
    g, hidden = ego_network(store, [ID["pc"]], hops=1)
    assert hidden == 0
    assert set(g.nodes) == {n(x) for x in ("pc", "xa", "m1", "doca", "docb")}
    assert g.graph["hidden"] == 0 and g.graph["seeds"] == n("pc")


def test_two_hops_reach_further(store):
    g, _ = ego_network(store, [ID["pc"]], hops=2)
    assert {n("ipo"), n("sx"), n("law"), n("hbipo"), n("hb")} <= set(g.nodes)
    assert g.edges[n("m1"), n("ipo"), "responsibleUnit"]["quote"] == "發揮保護中心作用"


def test_cap_reports_hidden_nodes(store):
    full, _ = ego_network(store, [ID["pc"]], hops=2)
    g, hidden = ego_network(store, [ID["pc"]], hops=2, cap=4)
    assert g.number_of_nodes() == 4 and n("pc") in g
    assert hidden > 0 and hidden <= full.number_of_nodes() - 4


def test_relation_filter(store):
    g, _ = ego_network(store, [ID["pc"]], hops=2, relations=["servedBy", "responsibleUnit"])
    assert set(g.nodes) == {n("pc"), n("m1"), n("ipo")}
    assert {k for _, _, k in g.edges(keys=True)} == {"servedBy", "responsibleUnit"}


def test_class_filter_uses_subclasses(store):
    g, _ = ego_network(store, [ID["doca"]], hops=1, classes=["Institution"])
    assert set(g.nodes) == {n("doca"), n("ipo"), n("pc")}


def test_region_filter_keeps_parts_and_unplaced_nodes(store):
    g, _ = ego_network(store, [ID["pc"]], hops=2, region=ID["sx"])
    assert n("hbipo") not in g and n("docb") not in g
    assert {n("doca"), n("ipo"), n("m1")} <= set(g.nodes)  # xa is part of sx; m1 has no region


def test_document_filter_follows_one_document(store):
    g, _ = ego_network(store, [ID["pc"]], hops=2, document=ID["docb"])
    assert set(g.nodes) == {n("pc"), n("docb"), n("hb"), n("hbipo")}
    assert g.edges[n("docb"), n("pc"), "mentions"]["quote"] == "陕西保护中心"


def test_unknown_seed_gives_an_empty_network(store):
    g, hidden = ego_network(store, [ID["nothing"]], hops=2)
    assert hidden == 0 and set(g.nodes) <= {n("nothing")} and g.number_of_edges() == 0


def test_subgraph_triples_stay_inside(store):
    sub = select_subgraph(store, [str(ID["pc"])], hops=1)
    assert isinstance(sub, Subgraph) and sub.seeds == (ID["pc"],)
    nodes = set(sub.nodes)
    region_links = {"locatedIn", "jurisdiction", "region"}
    for s, p, o in sub.triples:
        if s in nodes and isinstance(o, URIRef) and not str(p).endswith(("#type",)):
            assert o in nodes or str(p).rsplit("#", 1)[-1] in region_links, (s, p, o)


def test_hops_out_of_range(store):
    with pytest.raises(ValueError):
        ego_network(store, [ID["pc"]], hops=4)


def test_cap_keeps_named_entities_before_documents_and_measures(store):
    g, hidden = ego_network(store, [ID["pc"]], hops=1, cap=3)
    assert set(g.nodes) == {n("pc"), n("xa"), n("doca")}
    assert hidden == 2  # docb and m1
