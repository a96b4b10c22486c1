"""graph.export: the format table and subgraph exports that read back as they were written."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import networkx as nx
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from graph.export import FORMATS, export_graph, export_subgraph, subgraph_triples
from graph.namespaces import ID
from graph.network import select_subgraph
from graph.store import OxigraphStore

GRAPH_A = URIRef("https://w3id.org/ipkg/graph/doc/a")

DOC_A = """
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix id: <https://w3id.org/ipkg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
id:doca a ipkg:Document ; ipkg:fileName "a.txt" ; dcterms:title "陕西省知识产权保护工作要点" ;
    ipkg:jurisdiction id:sx ; ipkg:mentions id:pc .
id:sx a ipkg:Region ; skos:prefLabel "陕西省"@zh-Hans .
id:pc a ipkg:ProtectionCenter ; skos:prefLabel "中国（陕西）知识产权保护中心 <b>\\"引号\\"</b>"@zh-Hans ;
    ipkg:locatedIn id:sx .
id:m1 a ipkg:Measure ; ipkg:statedIn id:doca ; ipkg:text "发挥保护中心作用，\\n逗号,与换行"@zh-Hans ;
    ipkg:quote "發揮保護中心作用" ; ipkg:servedBy id:pc ; ipkg:charStart 10 ; ipkg:charEnd 18 .
id:men1 a ipkg:Mention ; ipkg:mentionOf id:pc ; ipkg:inDocument id:doca ; ipkg:quote "保護中心" .
"""


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    s = OxigraphStore(None)
    s.replace_graph(GRAPH_A, Graph().parse(data=DOC_A, format="turtle"))
    return s


def lower_langs(g: Graph) -> Graph:
    out = Graph()
    for s, p, o in g:
        out.add((s, p, Literal(str(o), lang=o.language.lower()) if isinstance(o, Literal) and o.language else o))
    return out


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    expected, actual = lower_langs(expected), lower_langs(actual)
    if not isomorphic(expected, actual):
        _, a, b = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
        pytest.fail(f"only expected:\n{a.serialize(format='nt')}\nonly actual:\n{b.serialize(format='nt')}")


def test_the_format_table():
    assert list(FORMATS) == ["ttl", "jsonld", "nt", "trig", "graphml", "gexf", "csv", "html"]
    suffixes = [f.suffix for f in FORMATS.values()]
    assert len(set(suffixes)) == len(suffixes)
    for name, spec in FORMATS.items():
        assert spec.name == name and spec.media_type and spec.label
        assert spec.file_name.endswith(spec.suffix)


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt"),
                                                     ("trig", "trig")])
def test_rdf_exports_round_trip(store, fmt, rdflib_format):
    triples = subgraph_triples(store, [ID["pc"]], 1)
    data = export_subgraph(store, [ID["pc"]], 1, fmt)
    expected = Graph()
    for t in triples:
        expected.add(t)
    if fmt == "trig":
        ds = Dataset()
        ds.parse(data=data, format="trig")
        actual = Graph()
        for s, p, o, _g in ds.quads():
            actual.add((s, p, o))
    else:
        actual = Graph().parse(data=data, format=rdflib_format)
    assert_isomorphic(expected, actual)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_network_exports_read_back(store, fmt):
    sub = select_subgraph(store, [ID["pc"]], 1)
    expected = sub.to_networkx()
    data = export_subgraph(store, [ID["pc"]], 1, fmt)
    reader = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    back = reader(io.BytesIO(data))
    assert set(back.nodes) == set(expected.nodes)
    assert back.number_of_edges() == expected.number_of_edges()
    pc = str(ID["pc"])
    assert back.nodes[pc]["label"] == expected.nodes[pc]["label"]
    assert back.nodes[pc]["cls"] == "ProtectionCenter"
    quotes = {a.get("quote") for _, _, a in back.edges(data=True)}
    assert "發揮保護中心作用" in quotes and "保護中心" in quotes


def test_csv_export_is_a_zip_of_nodes_and_edges(store):
    data = export_subgraph(store, [ID["pc"]], 1, "csv")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == ["nodes.csv", "edges.csv"]
        nodes_raw, edges_raw = zf.read("nodes.csv"), zf.read("edges.csv")
    assert nodes_raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM for Excel"
    nodes = list(csv.DictReader(io.StringIO(nodes_raw.decode("utf-8-sig"))))
    edges = list(csv.DictReader(io.StringIO(edges_raw.decode("utf-8-sig"))))
    by_id = {r["id"]: r for r in nodes}
    assert by_id[str(ID["pc"])]["label"] == '中国（陕西）知识产权保护中心 <b>"引号"</b>'
    assert by_id[str(ID["m1"])]["label"].startswith("发挥保护中心作用，")
    served = [e for e in edges if e["relation"] == "servedBy"]
    assert served and served[0]["quote"] == "發揮保護中心作用" and served[0]["target_label"].startswith("中国")


def test_html_export_is_standalone(store):
    page = export_subgraph(store, [ID["pc"]], 1, "html").decode("utf-8")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)\s*=\s*[\"']?https?://", page, re.IGNORECASE)
    assert "<b>" not in page.split("<body>", 1)[1].split("<script>", 1)[0]


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld", "trig", "graphml", "csv", "html"])
def test_exports_are_deterministic(store, fmt):
    assert export_subgraph(store, [ID["pc"]], 2, fmt) == export_subgraph(store, [ID["pc"]], 2, fmt)


def test_out_path_and_whole_graph(tmp_path, store):
    out = tmp_path / "sub" / "all.ttl"
    data = export_subgraph(store, [], 1, "ttl", out)
    assert out.read_bytes() == data
    assert_isomorphic(Graph().parse(data=DOC_A, format="turtle"), Graph().parse(out, format="turtle"))
    assert len(subgraph_triples(store, [], 1)) == len(Graph().parse(data=DOC_A, format="turtle"))


def test_export_graph_from_plain_triples():
    triples = list(Graph().parse(data=DOC_A, format="turtle"))
    g = nx.read_graphml(io.BytesIO(export_graph(triples, "graphml")))
    assert str(ID["m1"]) in g and str(ID["men1"]) not in g


def test_unknown_format(store):
    with pytest.raises(ValueError, match="unknown export format"):
        export_subgraph(store, [ID["pc"]], 1, "xlsx")
