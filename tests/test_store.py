"""The Store seam: OxigraphStore (embedded) and EndpointStore (a real `oxigraph serve`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import XSD

from graph.store import (
    EndpointStore,
    OxigraphStore,
    QueryError,
    QueryRefused,
    QueryResult,
    QueryTimeout,
    Store,
    StoreError,
    _tokens,
    bind_query,
    from_ox,
    limit_select,
    ntriples,
    open_store,
    running_abandoned_queries,
    split_passages,
    to_ox,
)
from server_support import oxigraph_server

ROOT = Path(__file__).resolve().parents[1]
G1 = URIRef("https://w3id.org/ipkg/graph/doc/one")
G2 = URIRef("https://w3id.org/ipkg/graph/doc/two")

DOC_ONE = """
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix id: <https://w3id.org/ipkg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
id:doc1 a ipkg:Document ; ipkg:fileName "一.txt" ; dcterms:title "陕西省知识产权保护工作要点" ;
    dcterms:issued "2023"^^xsd:gYear ; ipkg:mentions id:pc .
id:pc a ipkg:ProtectionCenter ; skos:prefLabel "中国（陕西）知识产权保护中心"@zh-Hans ;
    skos:altLabel "陝西保護中心"@zh-Hans , "保护中心"@zh-Hans .
id:m1 a ipkg:Measure ; ipkg:statedIn id:doc1 ; ipkg:servedBy id:pc ;
    ipkg:text "发挥“保护中心”作用\\n第二行"@zh-Hans ; ipkg:quote "發揮保護中心作用" ;
    ipkg:charStart 10 ; ipkg:charEnd 18 .
"""

DOC_TWO = """
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix id: <https://w3id.org/ipkg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
id:doc2 a ipkg:Document ; ipkg:fileName "二.txt" ; ipkg:mentions id:pc , id:qcy .
id:pc a ipkg:ProtectionCenter ; skos:prefLabel "中国（陕西）知识产权保护中心"@zh-Hans .
id:qcy a ipkg:Platform ; skos:prefLabel "秦创原创新驱动平台"@zh-Hans ; skos:altLabel "秦创原"@zh-Hans .
id:t1 a ipkg:Target ; ipkg:value 3.5 ; ipkg:year 2025 ; ipkg:unit "件" .
"""


def parse(ttl: str) -> Graph:
    return Graph().parse(data=ttl, format="turtle")


def graph_of(triples) -> Graph:
    g = Graph()
    for t in triples:
        g.add(t)
    return g


def union_of(*ttls: str) -> Graph:
    g = Graph()
    for t in ttls:
        g += parse(t)
    return g


def _lower_langs(g: Graph) -> Graph:
    """Language tags are case-insensitive, rdflib's isomorphism is not: compare lowercased."""
    out = Graph()
    for s, p, o in g:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        out.add((s, p, o))
    return out


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    expected, actual = _lower_langs(expected), _lower_langs(actual)
    if not isomorphic(expected, actual):
        _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
        pytest.fail(
            "graphs differ\nonly expected:\n" + only_expected.serialize(format="nt")
            + "\nonly actual:\n" + only_actual.serialize(format="nt")
        )


@pytest.fixture
def store() -> OxigraphStore:
    s = OxigraphStore(None)
    s.replace_graph(G1, parse(DOC_ONE))
    s.replace_graph(G2, parse(DOC_TWO))
    yield s
    s.close()


# --------------------------------------------------------------------------- terms


@pytest.mark.parametrize(
    "term",
    [
        URIRef("https://w3id.org/ipkg/id/秦创原"),
        BNode("b0"),
        Literal("秦创原"),
        Literal("秦创原", lang="zh-Hans"),
        Literal("2023", datatype=XSD.gYear),
        Literal(3),
        Literal('引号"反斜杠\\换行\n'),
    ],
)
def test_terms_round_trip(term):
    assert from_ox(to_ox(term)) == term


def test_xsd_string_comes_back_plain():
    assert from_ox(to_ox(Literal("x", datatype=XSD.string))) == Literal("x")


# --------------------------------------------------------------------------- writing


def test_replace_graph_replaces_and_graphs_lists(store):
    assert isinstance(store, Store)
    assert store.graphs() == sorted([G1, G2])
    before = len(store)
    assert before == len(union_of(DOC_ONE, DOC_TWO))  # the merged graph states each triple once
    store.replace_graph(G1, parse(DOC_TWO))
    assert len(store) < before
    res = store.query(f"SELECT ?f WHERE {{ GRAPH <{G1}> {{ ?d <https://w3id.org/ipkg/ontology#fileName> ?f }} }}")
    assert [r[0] for r in res.rows] == [Literal("二.txt")]


def test_replace_graph_with_nothing_drops_it(store):
    store.replace_graph(G1, [])
    assert store.graphs() == [G2]


def test_remove_graph(store):
    store.remove_graph(G1)
    store.remove_graph(URIRef("https://w3id.org/ipkg/graph/doc/none"))  # no error
    assert store.graphs() == [G2]
    assert len(store) == len(parse(DOC_TWO))


# --------------------------------------------------------------------------- passages

ID = "https://w3id.org/ipkg/id/"
PASSAGE_CASES = [
    # (Turtle after the prefixes, the passage nodes)
    (DOC_ONE, {"m1"}),
    (DOC_TWO, set()),  # its target names no document
    ("id:d a ipkg:Document . id:x a ipkg:Mention ; ipkg:inDocument id:d ; ipkg:quote \"保护中心\" .", {"x"}),
    ("id:d a ipkg:Document . id:t a ipkg:Target ; ipkg:statedIn id:d . id:m a ipkg:Measure ; ipkg:statedIn id:d .",
     {"t", "m"}),
    # Linked to a document these triples do not type: not theirs to store once.
    ("id:m a ipkg:Measure ; ipkg:statedIn id:elsewhere .", set()),
]


@pytest.mark.parametrize(("ttl", "nodes"), PASSAGE_CASES)
def test_split_passages(ttl, nodes):
    if not ttl.lstrip().startswith("@prefix"):
        ttl = "@prefix ipkg: <https://w3id.org/ipkg/ontology#> .\n@prefix id: <https://w3id.org/ipkg/id/> .\n" + ttl
    triples = list(parse(ttl))
    kept, once = split_passages(triples)
    assert {str(s).removeprefix(ID) for s, _, _ in once} == nodes
    assert sorted(kept + once) == sorted(triples)
    assert not {s for s, _, _ in kept} & {s for s, _, _ in once}


def test_passages_are_stored_once_and_leave_with_their_graph(store):
    def where(node: str) -> tuple[bool, bool]:
        """(in a named graph, in the default graph)"""
        return (store.query(f"ASK {{ GRAPH ?g {{ <{ID}{node}> ?p ?o }} }}").boolean,
                store.query(f"ASK {{ <{ID}{node}> ?p ?o }}").boolean)

    assert where("m1") == (False, True)
    assert where("pc") == (True, True)
    store.replace_graph(G1, parse(DOC_ONE.replace("id:m1", "id:m2")))
    assert where("m1") == (False, False)
    assert where("m2") == (False, True)
    store.remove_graph(G1)
    assert where("m2") == (False, False)
    assert len(store) == len(parse(DOC_TWO)) == len(list(store.quads()))


def test_a_store_with_passages_in_its_named_graphs_is_replaced_cleanly():
    """Stores written before passages were stored once hold them in both graphs."""
    s = OxigraphStore(None)
    for t in parse(DOC_ONE):
        s._ox.add(ox.Quad(*map(to_ox, t), to_ox(G1)))
        s._ox.add(ox.Quad(*map(to_ox, t)))
    assert len(s) == len(parse(DOC_ONE)) == len(list(s.quads()))
    s.replace_graph(G1, parse(DOC_ONE.replace("id:m1", "id:m2")))
    assert not s.query(f"ASK {{ <{ID}m1> ?p ?o }}").boolean
    assert not s.query(f"ASK {{ GRAPH ?g {{ <{ID}m1> ?p ?o }} }}").boolean
    assert len(s) == len(parse(DOC_ONE)) == len(list(s.quads()))


def test_replace_graph_is_atomic(store):
    """A failing insert leaves the old graph in place (DROP and INSERT are one update)."""
    bad = [(URIRef("https://w3id.org/ipkg/id/x"), URIRef("https://w3id.org/ipkg/ontology#p"), object())]
    with pytest.raises(TypeError):
        store.replace_graph(G1, bad)  # type: ignore[list-item]
    assert store.graphs() == sorted([G1, G2])


def test_load_file_replaces_graph(tmp_path, store):
    path = tmp_path / "ontology.ttl"
    path.write_text(DOC_TWO, encoding="utf-8")
    store.load_file(path, G1)
    store.load_file(path, G1)  # idempotent: replaces, never duplicates
    g = Graph()
    for s, p, o in store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}").triples:
        g.add((s, p, o))
    assert_isomorphic(parse(DOC_TWO), g)


def test_load_quad_file_keeps_named_graphs(tmp_path):
    path = tmp_path / "data.trig"
    path.write_text(
        '<http://e/a> <http://e/p> "默认" .\n<http://e/g> { <http://e/b> <http://e/p> "命名" . }\n',
        encoding="utf-8",
    )
    with OxigraphStore(None) as s:
        s.load_file(path, G1)
        assert s.graphs() == [URIRef("http://e/g"), G1]


def test_read_only_store_refuses_writes(tmp_path):
    location = tmp_path / "store"
    s = OxigraphStore(location)
    s.replace_graph(G1, parse(DOC_ONE))
    s.close()
    ro = open_store(location, read_only=True)
    try:
        assert ro.query("ASK { ?s ?p ?o }").boolean is True
        with pytest.raises(StoreError):
            ro.replace_graph(G1, [])
    finally:
        ro.close()


def test_closed_store_raises(store):
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.query("ASK {}")


# --------------------------------------------------------------------------- dumps

FORMATS = [".ttl", ".nt", ".jsonld", ".rdf", ".trig", ".nq"]
RDFLIB_FORMAT = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".rdf": "xml", ".trig": "trig",
                 ".nq": "nquads"}


@pytest.mark.parametrize("suffix", FORMATS)
def test_dump_round_trips(tmp_path, store, suffix):
    path = tmp_path / f"out{suffix}"
    store.dump(path)
    if suffix in (".trig", ".nq"):
        ds = Dataset()
        ds.parse(path, format=RDFLIB_FORMAT[suffix])
        passages = Graph()
        for g, ttl in ((G1, DOC_ONE), (G2, DOC_TWO)):
            kept, once = split_passages(parse(ttl))
            assert_isomorphic(graph_of(kept), ds.graph(g))
            passages += graph_of(once)
        assert len(passages) > 0  # they are in the default graph, stored once
        assert_isomorphic(passages, ds.default_graph)
    else:
        assert_isomorphic(union_of(DOC_ONE, DOC_TWO), Graph().parse(path, format=RDFLIB_FORMAT[suffix]))


@pytest.mark.parametrize("suffix", FORMATS)
def test_dump_is_byte_identical_whatever_the_insertion_order(tmp_path, suffix):
    a, b = OxigraphStore(None), OxigraphStore(None)
    a.replace_graph(G1, parse(DOC_ONE))
    a.replace_graph(G2, parse(DOC_TWO))
    b.replace_graph(G2, reversed(list(parse(DOC_TWO))))
    b.replace_graph(G1, reversed(list(parse(DOC_ONE))))
    a.dump(tmp_path / f"a{suffix}")
    b.dump(tmp_path / f"b{suffix}")
    assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes()


def test_dump_is_byte_identical_across_processes(tmp_path):
    script = (
        "import sys; from rdflib import Graph, URIRef; from graph.store import OxigraphStore\n"
        "s = OxigraphStore(None)\n"
        "s.replace_graph(URIRef(sys.argv[1]), Graph().parse(sys.argv[2]))\n"
        "s.dump(sys.argv[3])\n"
    )
    src = tmp_path / "doc.ttl"
    src.write_text(DOC_ONE, encoding="utf-8")
    outs = []
    for i in range(2):
        out = tmp_path / f"{i}.ttl"
        subprocess.run([sys.executable, "-c", script, str(G1), str(src), str(out)], check=True, cwd=ROOT,
                       timeout=120)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert "中国（陕西）知识产权保护中心".encode() in outs[0]


def test_dump_with_blank_nodes_is_deterministic(tmp_path):
    ttl = '@prefix e: <http://e/> . e:a e:p [ e:q "一" ; e:r [ e:q "二" ] ] .'
    paths = []
    for i in range(2):
        s = OxigraphStore(None)
        s.replace_graph(G1, parse(ttl))  # rdflib gives fresh random blank node ids each parse
        paths.append(tmp_path / f"{i}.nt")
        s.dump(paths[-1])
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert_isomorphic(parse(ttl), Graph().parse(paths[0], format="nt"))


def test_a_default_graph_of_its_own_is_dumped(tmp_path):
    s = OxigraphStore(None)
    s.replace_graph(G1, parse(DOC_ONE))
    s._ox.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o")))
    s.remove_graph(G1)
    s.dump(tmp_path / "own.nt", union=False)
    assert (tmp_path / "own.nt").read_bytes() == b'<http://e/s> <http://e/p> "o" .\n'


def test_dump_union_false_writes_default_graph_only(tmp_path):
    s = OxigraphStore(None)
    s.replace_graph(G1, parse(DOC_ONE))
    s.dump(tmp_path / "none.nt", union=False)
    # The rest of the merged view is not stored data; the passage triples are.
    passages = split_passages(parse(DOC_ONE))[1]
    assert len(passages) > 0
    assert_isomorphic(graph_of(passages), Graph().parse(tmp_path / "none.nt", format="nt"))
    s.dump(tmp_path / "fmt.out", fmt="ttl")
    assert_isomorphic(parse(DOC_ONE), Graph().parse(tmp_path / "fmt.out", format="turtle"))
    with pytest.raises(ValueError, match="unknown RDF format"):
        s.dump(tmp_path / "x.docx")


# --------------------------------------------------------------------------- queries


def test_select_ask_construct_describe(store):
    res = store.query(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT DISTINCT ?e ?alt WHERE { ?e skos:prefLabel ?l OPTIONAL { ?e skos:altLabel ?alt FILTER(?alt = 'none') } }"
        " ORDER BY ?e"
    )
    assert isinstance(res, QueryResult) and res.kind == "select"
    assert res.variables == ["e", "alt"]
    assert [r[1] for r in res.rows] == [None, None]
    assert res.dicts()[0]["e"] == URIRef("https://w3id.org/ipkg/id/pc")
    # The merged default graph is a set: a triple stated in two graphs matches once.
    assert len(store.query("SELECT ?e WHERE { ?e <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }").rows) == 2
    assert store.query("ASK { ?s ?p '二.txt' }").boolean is True
    assert store.query("ASK { ?s ?p '三.txt' }").boolean is False
    con = store.query("CONSTRUCT { ?s a ?t } WHERE { ?s a ?t }")
    assert con.kind == "graph" and len(con.triples) == 6  # union: pc typed in both graphs counts once
    desc = store.query("DESCRIBE <https://w3id.org/ipkg/id/qcy>")
    assert desc.kind == "graph" and len(desc.triples) == 3


def test_max_rows_truncates(store):
    res = store.query("SELECT * WHERE { ?s ?p ?o }", max_rows=3)
    assert len(res.rows) == 3 and res.truncated
    res = store.query("CONSTRUCT WHERE { ?s ?p ?o }", max_rows=2)
    assert len(res.triples) == 2 and res.truncated
    full = store.query("SELECT * WHERE { ?s a ?t }", max_rows=100)
    assert not full.truncated


def test_bindings_in_filter_projection_and_ask(store):
    q = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
         "SELECT DISTINCT ?e ?kw WHERE { ?e skos:prefLabel|skos:altLabel ?l FILTER(CONTAINS(?l, ?kw)) }")
    res = store.query(q, {"kw": Literal("秦创原")})
    assert res.variables == ["e", "kw"]
    assert res.rows == [(URIRef("https://w3id.org/ipkg/id/qcy"), Literal("秦创原"))]
    assert store.query("ASK { ?s ?p ?name }", {"name": Literal("二.txt")}).boolean is True
    con = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": URIRef("https://w3id.org/ipkg/id/qcy")})
    assert len(con.triples) == 3


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("SELECT ?x WHERE { ?s ?p ?x }", 'SELECT ("v" AS ?x) WHERE { ?s ?p "v" }'),
        ("SELECT * WHERE { ?s ?p $x }", 'SELECT * WHERE { ?s ?p "v" }'),
        ("SELECT ?s WHERE { ?s ?p ?x } ORDER BY ?x", 'SELECT ?s WHERE { ?s ?p "v" } ORDER BY ("v")'),
        ("SELECT ?s WHERE { ?s ?p ?o } ORDER BY DESC(?x)", 'SELECT ?s WHERE { ?s ?p ?o } ORDER BY DESC("v")'),
        ("SELECT (STR(?x) AS ?y) WHERE {}", 'SELECT (STR("v") AS ?y) WHERE {}'),
        ("SELECT ?s WHERE { ?s ?p '?x' . ?s ?p <http://e/?x> } # ?x",
         "SELECT ?s WHERE { ?s ?p '?x' . ?s ?p <http://e/?x> } # ?x"),
        ("SELECT ?s WHERE { ?s ?p ?xy }", "SELECT ?s WHERE { ?s ?p ?xy }"),
        ("SELECT ?s WHERE { { SELECT ?s ?x WHERE { ?s ?p ?x } } }",
         'SELECT ?s WHERE { { SELECT ?s ("v" AS ?x) WHERE { ?s ?p "v" } } }'),
        ("ASK { FILTER(?a<?x) }", 'ASK { FILTER(?a<"v") }'),
        ("ASK { FILTER(BOUND(?x) && !bound( ?y ) && COALESCE(?x, 1)) }",
         'ASK { FILTER(true && !bound( ?y ) && COALESCE("v", 1)) }'),
    ],
)
def test_bind_query_rewrites_variable_tokens_only(template, expected):
    assert bind_query(template, {"x": Literal("v")}) == expected


@pytest.mark.parametrize("template", ["SELECT ?s WHERE { BIND(1 AS ?x) }", "SELECT ?s WHERE { VALUES ?x { 1 } }"])
def test_bind_query_refuses_assigned_parameters(template):
    with pytest.raises(StoreError, match="assigned"):
        bind_query(template, {"x": Literal("v")})


def test_bind_query_refuses_blank_nodes_and_bad_iris():
    with pytest.raises(StoreError, match="blank"):
        bind_query("ASK { ?s ?p ?x }", {"x": BNode()})
    with pytest.raises(StoreError, match="invalid value"):
        bind_query("ASK { ?s ?p ?x }", {"x": URIRef("知识产权")})


SEARCH = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
          "SELECT ?e ?l WHERE { ?e skos:prefLabel|skos:altLabel ?l FILTER(CONTAINS(STR(?l), ?kw)) }")


def _labels(store: OxigraphStore) -> list[str]:
    res = store.query("SELECT ?l WHERE { ?e <http://www.w3.org/2004/02/skos/core#prefLabel>|"
                      "<http://www.w3.org/2004/02/skos/core#altLabel> ?l }")
    return [str(r[0]) for r in res.rows]


@pytest.mark.parametrize(
    "text",
    ['"} ; DROP ALL #', "'} } INSERT DATA { <a> <b> <c> } #", '\\"', '"""', "\n}\n", "?kw", "<http://e/>", "\x00"],
)
def test_injection_attempts_find_nothing_and_change_nothing(store, text):
    before = len(store)
    assert store.query(SEARCH, {"kw": Literal(text)}).rows == []
    assert len(store) == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=40))
def test_bound_text_never_changes_query_structure(store, text):
    bound = bind_query(SEARCH, {"kw": Literal(text)})
    before, after = _tokens(SEARCH), _tokens(bound)
    assert len(after) == len(before)  # the variable became exactly one token
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1 and changed[0][1][0] == "string"
    res = store.query(SEARCH, {"kw": Literal(text)})
    expected = sorted(label for label in _labels(store) if text in label)
    assert sorted(str(r[1]) for r in res.rows) == expected


# --------------------------------------------------------------------------- guard

REFUSED = [
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "delete { ?s ?p ?o } where { ?s ?p ?o }",
    "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <https://w3id.org/ipkg/graph/doc/one>",
    "drop all",
    "CREATE GRAPH <http://e/g>",
    "ADD <http://e/a> TO <http://e/b>",
    "MOVE DEFAULT TO <http://e/b>",
    "COPY <http://e/a> TO DEFAULT",
    "PREFIX e: <http://e/>\nINSERT DATA { e:a e:b e:c } ; DROP ALL",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT ?svc { ?s ?q ?r } } }",
    "ASK { { SELECT ?s WHERE { service <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
    # rdflib cannot parse this (LATERAL); the token scan still sees SERVICE
    "SELECT * WHERE { ?s ?p ?o LATERAL { SERVICE <http://127.0.0.1:9/> { ?s ?q ?r } } }",
]


@pytest.mark.parametrize("sparql", REFUSED)
def test_updates_and_service_are_refused(store, sparql):
    before = len(store)
    with pytest.raises(QueryRefused):
        store.query(sparql)
    assert len(store) == before


def test_keywords_inside_strings_and_iris_are_not_refused(store):
    res = store.query("SELECT ?s WHERE { ?s ?p 'DROP ALL' . ?s ?q <http://e/SERVICE> } # INSERT")
    assert res.rows == []


def test_syntax_error_has_line_and_column(store):
    with pytest.raises(QueryError) as err:
        store.query("SELECT ?s\nWHERE {\n  ?s ?p \n}")
    assert err.value.line == 4 and isinstance(err.value.column, int)
    assert "line 4" in str(err.value)


def test_errors_are_store_errors():
    assert issubclass(QueryError, StoreError)
    assert issubclass(QueryTimeout, StoreError)
    assert issubclass(QueryRefused, StoreError)


# --------------------------------------------------------------------------- time limit


@pytest.fixture
def cartesian() -> OxigraphStore:
    s = OxigraphStore(None)
    s.replace_graph(G1, [(URIRef(f"http://e/{i}"), URIRef("http://e/p"), Literal(i)) for i in range(200)])
    return s


def _wait_for_abandoned(limit_s: float = 60.0) -> None:
    end = time.monotonic() + limit_s
    while running_abandoned_queries() and time.monotonic() < end:
        time.sleep(0.1)


def test_blocking_cartesian_product_is_stopped_by_the_time_limit(cartesian):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 15.6 M rows, aggregated
    start = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"0\.3 s"):
        cartesian.query(q, timeout_s=0.3)
    assert time.monotonic() - start < 5  # generous for busy CI cores; unstopped it runs for minutes
    assert running_abandoned_queries() >= 1  # the engine call cannot be interrupted: it runs on
    _wait_for_abandoned()
    assert running_abandoned_queries() == 0


def test_streaming_cartesian_product_is_stopped_by_the_time_limit(cartesian):
    start = time.monotonic()
    with pytest.raises(QueryTimeout):
        cartesian.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout_s=0.3)
    # Generous: CI's two cores may be busy; the full product would run for minutes.
    assert time.monotonic() - start < 5
    _wait_for_abandoned(10)  # streaming workers see the cancel flag at the next row
    assert running_abandoned_queries() == 0


def test_default_time_limit_from_the_store(cartesian):
    cartesian.timeout_s = 0.2
    with pytest.raises(QueryTimeout):
        cartesian.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    _wait_for_abandoned(10)
    assert cartesian.query("ASK { ?s ?p ?o }").boolean is True  # fast queries still answer


# --------------------------------------------------------------------------- endpoint


def _oxigraph_binary() -> str | None:
    here = Path(sys.executable).with_name("oxigraph")
    return str(here) if here.exists() else shutil.which("oxigraph")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    binary = _oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server binary is not installed (pip install oxigraph)")
    with oxigraph_server(binary) as base:
        yield base


@pytest.fixture
def endpoint(server) -> EndpointStore:
    s = open_store(endpoint=server, user="reader", password="secret")  # auth is sent, oxigraph ignores it
    assert isinstance(s, EndpointStore)
    for g in s.graphs():
        s.remove_graph(g)
    s.replace_graph(G1, parse(DOC_ONE))
    s.replace_graph(G2, parse(DOC_TWO))
    yield s
    s.close()


@pytest.mark.server
def test_endpoint_queries_like_the_embedded_store(endpoint, store):
    queries = [
        ("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o", None),
        (SEARCH + " ORDER BY ?e ?l", {"kw": Literal("保护")}),
        ("ASK { ?s ?p ?name }", {"name": Literal("二.txt")}),
    ]
    for sparql, bindings in queries:
        a, b = endpoint.query(sparql, bindings), store.query(sparql, bindings)
        assert (a.kind, a.variables, a.rows, a.boolean) == (b.kind, b.variables, b.rows, b.boolean)
    con = endpoint.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert_isomorphic(union_of(DOC_ONE, DOC_TWO), Graph().__iadd__(con.triples))  # type: ignore[arg-type]
    assert len(endpoint.query("SELECT * WHERE { ?s ?p ?o }", max_rows=2).rows) == 2


@pytest.mark.server
def test_endpoint_writes_and_lists_graphs(endpoint):
    assert endpoint.graphs() == sorted([G1, G2])
    assert len(endpoint) == len(union_of(DOC_ONE, DOC_TWO))  # the merged graph states each triple once
    endpoint.replace_graph(G1, parse(DOC_TWO))
    endpoint.remove_graph(G2)
    assert endpoint.graphs() == [G1]
    assert len(endpoint) == len(parse(DOC_TWO))


@pytest.mark.server
@pytest.mark.parametrize("suffix", [".ttl", ".nq"])
def test_endpoint_dump_matches_embedded_dump_byte_for_byte(tmp_path, endpoint, store, suffix):
    endpoint.dump(tmp_path / f"endpoint{suffix}")
    store.dump(tmp_path / f"embedded{suffix}")
    assert (tmp_path / f"endpoint{suffix}").read_bytes() == (tmp_path / f"embedded{suffix}").read_bytes()


@pytest.mark.server
def test_endpoint_refuses_and_reports_errors(endpoint):
    with pytest.raises(QueryRefused):
        endpoint.query("DROP ALL")
    with pytest.raises(QueryError) as err:
        endpoint.query("SELECT ?s\nWHERE { ?s ?p }")
    assert err.value.line == 2
    assert endpoint.graphs() == sorted([G1, G2])


@pytest.mark.server
def test_endpoint_time_limit(endpoint):
    endpoint.replace_graph(G1, [(URIRef(f"http://e/{i}"), URIRef("http://e/p"), Literal(i)) for i in range(200)])
    start = time.monotonic()
    with pytest.raises(QueryTimeout):
        endpoint.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout_s=0.2)
    assert time.monotonic() - start < 6  # generous for busy CI cores


@pytest.mark.server
def test_read_only_endpoint_refuses_writes(server):
    ro = open_store(endpoint=server + "/query", read_only=True)
    try:
        with pytest.raises(StoreError, match="read-only"):
            ro.remove_graph(G1)
    finally:
        ro.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT ?s WHERE { ?s ?p ?o }\nLIMIT 11\n"),
        ("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\nLIMIT 11\n"),
        # a sub-select's LIMIT is not the query's
        ("SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 2 } }",
         "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 2 } }\nLIMIT 11\n"),
        ("SELECT ?s WHERE { ?s ?p ?o } LIMIT 500", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 500"),
        ("SELECT ?s WHERE { ?s ?p ?o } VALUES ?s { <urn:a> }",
         "SELECT ?s WHERE { ?s ?p ?o } \nLIMIT 11\nVALUES ?s { <urn:a> }"),
        # braces and keywords inside strings, IRIs and comments do not count
        ("SELECT ?s WHERE { ?s ?p '}' } # LIMIT 1", "SELECT ?s WHERE { ?s ?p '}' } # LIMIT 1\nLIMIT 11\n"),
        # a LIMIT on CONSTRUCT or DESCRIBE counts solutions, not triples: left alone
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"),
        ("DESCRIBE <urn:a>", "DESCRIBE <urn:a>"),
        ("ASK { ?s ?p ?o }", "ASK { ?s ?p ?o }"),
    ],
)
def test_limit_select_pushes_the_row_cap_into_select_queries(query, expected):
    assert limit_select(query, 10) == expected
    assert limit_select(query, None) == query


def test_ntriples_of_a_generator_of_fresh_terms_keeps_every_term():
    # Terms made on the fly and dropped once serialised: their ids are reused, and a
    # memo keyed by id would then write one term's text for another.
    def fresh():
        for i in range(2000):
            yield URIRef(f"https://example.org/s{i}"), URIRef("https://example.org/p"), Literal(i)

    lines = ntriples(fresh()).decode().splitlines()
    assert lines == [f"<https://example.org/s{i}> <https://example.org/p> "
                     f"\"{i}\"^^<http://www.w3.org/2001/XMLSchema#integer> ." for i in range(2000)]
