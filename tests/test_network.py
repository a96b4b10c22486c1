"""graph.network: RDF → networkx projection; ego networks selected from a store or from the entity index.

Every selection test runs over both sources of neighbours: they must select the same nodes.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from graph.namespaces import ID, ONTOLOGY_GRAPH
from graph.network import EntityIndex, Subgraph, describe, ego_network, select_subgraph, to_networkx
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


@pytest.fixture(scope="module")
def index(store) -> EntityIndex:
    return EntityIndex.from_store(store)


@pytest.fixture(params=["store", "index"])
def source(request, store, index):
    """Where neighbours come from: one query per node, or the in-memory index."""
    return store if request.param == "store" else index


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


def test_one_hop(source):
    g, hidden = ego_network(source, [ID["pc"]], hops=1)
    assert hidden == 0
    assert set(g.nodes) == {n(x) for x in ("pc", "xa", "m1", "doca", "docb")}
    assert g.graph["hidden"] == 0 and g.graph["seeds"] == n("pc")


def test_two_hops_reach_further(source):
    g, _ = ego_network(source, [ID["pc"]], hops=2)
    assert {n("ipo"), n("sx"), n("law"), n("hbipo"), n("hb")} <= set(g.nodes)
    assert g.edges[n("m1"), n("ipo"), "responsibleUnit"]["quote"] == "發揮保護中心作用"


def test_cap_reports_hidden_nodes(source):
    full, _ = ego_network(source, [ID["pc"]], hops=2)
    g, hidden = ego_network(source, [ID["pc"]], hops=2, cap=4)
    assert g.number_of_nodes() == 4 and n("pc") in g
    assert hidden > 0 and hidden <= full.number_of_nodes() - 4


def test_relation_filter(source):
    g, _ = ego_network(source, [ID["pc"]], hops=2, relations=["servedBy", "responsibleUnit"])
    assert set(g.nodes) == {n("pc"), n("m1"), n("ipo")}
    assert {k for _, _, k in g.edges(keys=True)} == {"servedBy", "responsibleUnit"}


def test_class_filter_uses_subclasses(source):
    g, _ = ego_network(source, [ID["doca"]], hops=1, classes=["Institution"])
    assert set(g.nodes) == {n("doca"), n("ipo"), n("pc")}


def test_region_filter_keeps_parts_and_unplaced_nodes(source):
    g, _ = ego_network(source, [ID["pc"]], hops=2, region=ID["sx"])
    assert n("hbipo") not in g and n("docb") not in g
    assert {n("doca"), n("ipo"), n("m1")} <= set(g.nodes)  # xa is part of sx; m1 has no region


def test_document_filter_follows_one_document(source):
    g, _ = ego_network(source, [ID["pc"]], hops=2, document=ID["docb"])
    assert set(g.nodes) == {n("pc"), n("docb"), n("hb"), n("hbipo")}
    assert g.edges[n("docb"), n("pc"), "mentions"]["quote"] == "陕西保护中心"


def test_document_filter_reaches_the_documents_measures(source, store):
    # A measure is stored once, outside its document's named graph (graph.store.split_passages).
    sub = select_subgraph(source, [str(ID["pc"])], hops=2, document=ID["doca"])
    assert {ID["m1"], ID["doca"], ID["ipo"]} <= set(sub.nodes)
    assert ID["docb"] not in sub.nodes and ID["hbipo"] not in sub.nodes
    if isinstance(source, EntityIndex):
        sub = describe(store, sub)
    described = {(s, str(p).rsplit("#", 1)[-1]) for s, p, _ in sub.triples}
    assert {(ID["m1"], "servedBy"), (ID["m1"], "quote")} <= described


def test_unknown_seed_gives_an_empty_network(source):
    g, hidden = ego_network(source, [ID["nothing"]], hops=2)
    assert hidden == 0 and set(g.nodes) <= {n("nothing")} and g.number_of_edges() == 0


def test_subgraph_triples_stay_inside(source, store):
    sub = select_subgraph(source, [str(ID["pc"])], hops=1)
    if isinstance(source, EntityIndex):
        assert sub.triples == ()  # an index holds no triples: they are read when needed
        sub = describe(store, sub)
    assert isinstance(sub, Subgraph) and sub.seeds == (ID["pc"],)
    nodes = set(sub.nodes)
    region_links = {"locatedIn", "jurisdiction", "region"}
    for s, p, o in sub.triples:
        if s in nodes and isinstance(o, URIRef) and not str(p).endswith(("#type",)):
            assert o in nodes or str(p).rsplit("#", 1)[-1] in region_links, (s, p, o)


def test_hops_out_of_range(source):
    with pytest.raises(ValueError):
        ego_network(source, [ID["pc"]], hops=4)


def test_cap_keeps_named_entities_before_documents_and_measures(source):
    g, hidden = ego_network(source, [ID["pc"]], hops=1, cap=3)
    assert set(g.nodes) == {n("pc"), n("xa"), n("doca")}
    assert hidden == 2  # docb and m1


# --------------------------------------------------------------------------- one selection, two sources

FILTERS = [
    {},
    {"hops": 2},
    {"hops": 3, "cap": 5},
    {"hops": 2, "classes": ["Institution"]},
    {"hops": 2, "relations": ["servedBy", "mentions"]},
    {"hops": 2, "region": ID["sx"]},
    {"hops": 2, "region": [ID["hb"], ID["xa"]]},
    {"hops": 2, "document": ID["doca"]},
    {"hops": 3, "document": [ID["doca"], ID["docb"]], "cap": 6},
]


@pytest.mark.parametrize("seed", ["pc", "doca", "sx", "m1"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_index_and_store_select_the_same(store, index, seed, filters):
    filters = dict(filters)
    hops = filters.pop("hops", 1)
    a = select_subgraph(store, [ID[seed]], hops, **filters)
    b = select_subgraph(index, [ID[seed]], hops, **filters)
    assert a.nodes == b.nodes and a.hidden == b.hidden
    assert dict(a.depth) == dict(b.depth) and dict(a.more) == dict(b.more)
    assert a.seeds == b.seeds and a.graphs == b.graphs


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_index_projection_is_the_triples_projection(store, index, filters):
    filters = dict(filters)
    hops = filters.pop("hops", 1)
    sub = select_subgraph(index, [ID["pc"]], hops, **filters)
    from_index = index.to_networkx(sub)
    from_triples = describe(store, sub).to_networkx()
    assert dict(from_index.nodes(data=True)) == dict(from_triples.nodes(data=True))
    assert sorted(from_index.edges(keys=True, data=True)) == sorted(from_triples.edges(keys=True, data=True))
    assert from_index.graph == from_triples.graph


def test_cap_counts_what_it_hid_per_node(index):
    sub = select_subgraph(index, [ID["pc"]], 2, cap=3)
    assert sub.hidden > 0 and sum(sub.more.values()) == sub.hidden
    g = index.to_networkx(sub)
    assert g.nodes[n("pc")]["depth"] == 0 and sum(a.get("more", 0) for _, a in g.nodes(data=True)) == sub.hidden


def test_region_filter_places_measures_and_regions(source):
    # m1 is stated in doca, which applies to Shaanxi; Hubei is a region outside it
    g, _ = ego_network(source, [ID["pc"]], hops=2, region=ID["hb"])
    assert n("m1") not in g and n("doca") not in g and n("xa") not in g
    assert {n("docb"), n("hbipo"), n("hb")} <= set(g.nodes)
    g, _ = ego_network(source, [ID["docb"]], hops=1, region=ID["sx"])
    assert n("hb") not in g and n("pc") in g  # a region lies in itself; the centre in Xi'an, part of Shaanxi


def test_index_reads_back_what_it_saved(index, tmp_path):
    index.save(tmp_path / "index.json")
    back = EntityIndex.load(tmp_path / "index.json")
    assert back.nodes == index.nodes and back.edges == index.edges
    (tmp_path / "bad.json").write_text('{"version": 0}', "utf-8")
    with pytest.raises(ValueError):
        EntityIndex.load(tmp_path / "bad.json")


def test_index_nodes(index):
    pc = index.get(n("pc"))
    assert pc.cls == "ProtectionCenter" and "Institution" in pc.classes  # superclasses from the ontology
    assert pc.label() == "中国（陕西）知识产权保护中心" and pc.graphs == ()
    assert index.get(n("doca")).graphs == (str(GRAPH_A),)
    assert index.get(n("m1")).label() == "发挥保护中心作用" and index.get(n("m1")).quote == "發揮保護中心作用"
    assert index.get(n("ipo")).cls == "GovernmentAgency"
    assert index.regions_of(n("pc")) == {n("xa"), n("sx")}
    assert index.regions_of(n("m1")) == {n("sx")}  # where its document applies


@pytest.mark.parametrize(("text", "expected"), [
    ("陕西省", "sx"),  # exact before prefix (陕西省知识产权局)
    ("陝西省", "sx"),  # Traditional
    ("保护中心", "pc"),
    ("湖北", "hb"),
])
def test_index_search(index, text, expected):
    assert index.search(text)[0].iri == n(expected)


def test_index_search_by_class(index):
    assert {h.iri for h in index.search("知识产权", classes=["Institution"])} == {n("pc"), n("ipo"), n("hbipo")}
    assert index.search("   ") == [] and index.search("不存在") == []


def test_network_from_a_select_and_a_construct(store, index):
    from graph.network import network_from_result

    res = store.query(prepare("SELECT ?m ?i WHERE { ?m ipkg:servedBy ?i }"))
    g = network_from_result(res, index)
    assert set(g.nodes) == {n("m1"), n("pc")} and g.number_of_edges() == 1
    res = store.query(prepare("CONSTRUCT { ?m ipkg:servedBy ?i } WHERE { ?m ipkg:servedBy ?i }"))
    g = network_from_result(res, index, limit=1)
    assert g.number_of_nodes() == 1 and g.graph["hidden"] == 1
    assert next(iter(g.nodes(data=True)))[1]["label"] in ("发挥保护中心作用", "中国（陕西）知识产权保护中心")
