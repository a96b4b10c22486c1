"""Script injection: hostile document text stays literal text wherever it is shown or exported.

A real document full of ``<script>``, ``<img src=x onerror=…>``, quotes,
backslashes and ``>`` inside names is built into a real store. Then: every
IRI in the store is valid; Turtle, N-Triples, TriG and JSON-LD exports parse
back (rdflib) to a graph isomorphic to the store's; GraphML, GEXF and CSV
give the labels back exactly; the standalone HTML network page carries the
text only inside its JSON data (no extra tag of any kind) and decodes back
to the same strings; and the app's Entity and Explore pages (AppTest) show
the text escaped in every HTML fragment. Hypothesis extends the same
properties to arbitrary text: any document's triples have valid IRIs and
survive a Turtle round trip, and any label or quote leaves the network page's
markup unchanged. The browser half (no dialog fires, the text reads
literally) is tests/browser/test_injection_browser.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from streamlit.testing.v1 import AppTest

from graph.namespaces import document_graph, document_iri, entity_iri, node_iri
from graph.storage import begin_build
from graph.store import open_store, serialize_triples
from hostile_support import ROOT

APP = str(ROOT / "app.py")
EVIL = """陕西省知识产权局关于印发《<script>alert(1)</script>规划》的通知
陕知发〔2022〕38号
一、总体要求
加快“<img src=x onerror=alert(1)>”保护中心建设，推动陕西省"引号\\反斜杠'>知识产权保护中心建设。
贯彻落实《知识产权"强国"\\建设>纲要》，支持“</script><script>alert(2)</script>”知识产权运营中心发展。
到2025年，每万人口高价值发明专利拥有量达到12件。
"""
#: Labels the extractors make of EVIL (checked below, so the fixture really is hostile).
HOSTILE_LABELS = {
    "<script>alert(1)</script>规划",
    '知识产权"强国"\\建设>纲要',
    "陕西省\"引号\\反斜杠'>知识产权保护中心",
}
HOSTILE_QUOTES = {
    "加快“<img src=x onerror=alert(1)>”保护中心建设",
    "支持“</script><script>alert(2)</script>”知识产权运营中心发展",
}
#: A strict IRI: scheme, then no space, control, quote, angle bracket, brace, pipe, caret, backtick or backslash.
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\\x7f]+$")
RDF_PARSE = {"ttl": "turtle", "nt": "nt", "trig": "trig", "jsonld": "json-ld"}
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"


@pytest.fixture(scope="module")
def evil_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from graph.pipeline import build

    base = tmp_path_factory.mktemp("evil")
    (base / "docs").mkdir()
    (base / "docs" / "evil<script>.txt").write_text(EVIL, "utf-8")  # the file name is hostile too
    with begin_build(base / "store") as store:
        report = build([base / "docs"], store, jobs=1)
    assert report.built and not report.failed, report.failed
    return base / "store"


@pytest.fixture(scope="module")
def evil_store(evil_root: Path):
    store = open_store(evil_root, read_only=True)
    yield store
    store.close()


def lower_tags(graph: Graph) -> Graph:
    """The graph with language tags in lower case.

    RDF 1.1 Concepts: language tags are case-insensitive and their value space is
    lower case; Oxigraph writes them so (zh-hans), the query layer reads them back
    canonically (zh-Hans), and rdflib compares the text case-sensitively.
    """
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        out.add((s, p, o))
    return out


def store_graph(store) -> Graph:
    graph = Graph()
    for triple in store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").triples:
        graph.add(triple)
    return lower_tags(graph)


def assert_isomorphic(got: Graph, want: Graph) -> None:
    if not isomorphic(got, want):
        _both, only_got, only_want = graph_diff(to_isomorphic(got), to_isomorphic(want))
        raise AssertionError(f"only in export:\n{only_got.serialize(format='nt')[:2000]}\n"
                             f"only in store:\n{only_want.serialize(format='nt')[:2000]}")


def labels_of(store) -> set[str]:
    return {str(r[0]) for r in store.query(f"SELECT ?l WHERE {{ ?s <{SKOS_PREF}> ?l }}").rows}


def seed_of(store, label: str) -> str:
    rows = store.query(f"SELECT ?s WHERE {{ ?s <{SKOS_PREF}> ?l FILTER(STR(?l) = ?x) }}",
                       {"x": Literal(label)}).rows
    assert rows, label
    return str(rows[0][0])


# --------------------------------------------------------------------------- the graph


def test_the_hostile_text_is_in_the_graph_verbatim(evil_store) -> None:
    assert labels_of(evil_store) >= HOSTILE_LABELS
    quotes = {str(r[0]) for r in evil_store.query(
        "SELECT ?q WHERE { ?m <https://w3id.org/ipkg/ontology#quote> ?q }").rows}
    assert quotes >= HOSTILE_QUOTES


def test_every_iri_in_the_store_is_valid(evil_store) -> None:
    seen = 0
    for quad in evil_store.quads():
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, ox.NamedNode):
                assert IRI.match(term.value), term.value
                seen += 1
    assert seen > 100


# --------------------------------------------------------------------------- RDF exports


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "nt", "trig"])
def test_whole_graph_exports_parse_back_to_the_same_graph(evil_store, fmt: str) -> None:
    from graph.export import export_subgraph

    data = export_subgraph(evil_store, [], 1, fmt)
    parsed = Graph()
    if fmt == "trig":
        from rdflib import Dataset

        ds = Dataset()
        ds.parse(data=data, format="trig")
        for s, p, o, _g in ds.quads((None, None, None, None)):
            parsed.add((s, p, o))
    else:
        parsed.parse(data=data, format=RDF_PARSE[fmt])
    assert_isomorphic(lower_tags(parsed), store_graph(evil_store))


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "nt"])
def test_subgraph_exports_around_hostile_seeds_parse_back(evil_store, fmt: str) -> None:
    from graph.export import export_subgraph, subgraph_triples

    seeds = [seed_of(evil_store, label) for label in sorted(HOSTILE_LABELS)]
    want = Graph()
    for triple in subgraph_triples(evil_store, seeds, 2):
        want.add(triple)
    parsed = Graph().parse(data=export_subgraph(evil_store, seeds, 2, fmt), format=RDF_PARSE[fmt])
    assert_isomorphic(lower_tags(parsed), lower_tags(want))
    assert {str(o) for o in parsed.objects(None, URIRef(SKOS_PREF))} >= HOSTILE_LABELS


def test_cli_export_writes_a_parseable_file(evil_root: Path, tmp_path: Path) -> None:
    from hostile_support import run_cli

    out = tmp_path / "sub.ttl"
    run = run_cli("export", evil_root, "--seed", "<script>alert(1)</script>规划", "--hops", "2",
                  "--format", "ttl", "--out", out)
    assert run.returncode == 0, run.stderr
    parsed = Graph().parse(out, format="turtle")
    assert "<script>alert(1)</script>规划" in {str(o) for o in parsed.objects(None, URIRef(SKOS_PREF))}


# --------------------------------------------------------------------------- network exports


def _page_data(page: str) -> dict:
    """The JSON data block of a network page, decoded."""
    m = re.search(r"var data = (\{.*?\});\n", page, re.DOTALL)
    assert m, "no data block"
    return json.loads(m.group(1))


def _benign_page() -> str:
    from graph.visual import network_html

    g = nx.MultiDiGraph()
    g.add_node("a", label="a")
    return network_html(g)


def assert_markup_unchanged(page: str) -> None:
    """The page has exactly the tags of a benign page: hostile text added no markup at all."""
    benign = _benign_page()
    for tag in ("<script", "</script", "<img", "<iframe", "<svg", "<a ", "<!--", "<b>"):
        assert page.count(tag) == benign.count(tag), tag


def test_html_export_holds_the_text_only_as_data(evil_store) -> None:
    from graph.export import export_subgraph

    seeds = [seed_of(evil_store, label) for label in sorted(HOSTILE_LABELS)]
    page = export_subgraph(evil_store, seeds, 2, "html").decode("utf-8")
    assert_markup_unchanged(page)
    data = _page_data(page)
    titles = "\n".join(str(n.get("title", "")) for n in data["nodes"] + data["edges"])
    for text in HOSTILE_LABELS | {"<img src=x onerror=alert(1)>"}:
        assert text in titles, text  # decoded from \u003c … back to the very same characters


def test_graphml_gexf_and_csv_give_the_labels_back(evil_store, tmp_path: Path) -> None:
    from graph.export import export_subgraph

    seeds = [seed_of(evil_store, label) for label in sorted(HOSTILE_LABELS)]
    graphml = tmp_path / "g.graphml"
    graphml.write_bytes(export_subgraph(evil_store, seeds, 2, "graphml"))
    assert {d.get("label") for _n, d in nx.read_graphml(graphml).nodes(data=True)} >= HOSTILE_LABELS
    gexf = tmp_path / "g.gexf"
    gexf.write_bytes(export_subgraph(evil_store, seeds, 2, "gexf"))
    assert {d.get("label") for _n, d in nx.read_gexf(gexf).nodes(data=True)} >= HOSTILE_LABELS
    with zipfile.ZipFile(io.BytesIO(export_subgraph(evil_store, seeds, 2, "csv"))) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("nodes.csv").decode("utf-8-sig"))))
    assert {r["label"] for r in rows} >= HOSTILE_LABELS


# --------------------------------------------------------------------------- the app


@pytest.fixture
def evil_app(evil_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("IPKG_FIXTURE", raising=False)
    monkeypatch.delenv("IPKG_ENDPOINT", raising=False)
    monkeypatch.setenv("IPKG_STORE", str(evil_root))
    return evil_root


def open_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception, at.exception
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def assert_no_raw_markup(at: AppTest) -> None:
    """Every HTML fragment the page sends escapes the hostile text; iframes hold it as data."""
    for md in at.markdown:
        if md.allow_html:
            for raw in ("<script", "<img", "onerror=alert", "</script"):
                assert raw not in md.value, md.value[:300]
    for frame in at.get("iframe"):
        assert_markup_unchanged(frame.proto.srcdoc)


def frame_texts(at: AppTest) -> str:
    return " ".join(str(df.value.to_numpy().tolist()) for df in at.dataframe)


@pytest.mark.parametrize("label", sorted(HOSTILE_LABELS))
def test_entity_page_shows_hostile_names_as_text(evil_app: Path, evil_store, label: str) -> None:
    from graph.app_support import entity_param

    at = open_page("entity", e=entity_param(seed_of(evil_store, label)))
    assert not at.error, [e.value for e in at.error]
    assert_no_raw_markup(at)
    shown = " ".join([h.value for h in at.header] + [m.value for m in at.markdown] + [frame_texts(at)])
    assert label in shown or label.replace("\\", "\\\\") in shown, shown[:500]


def test_explore_page_draws_hostile_names_as_data(evil_app: Path, evil_store) -> None:
    from graph.app_support import entity_param

    seed = seed_of(evil_store, "<script>alert(1)</script>规划")
    at = open_page("explore", e=entity_param(seed), hops="2")
    assert not at.error, [e.value for e in at.error]
    frames = at.get("iframe")
    assert frames, "the network is drawn"
    assert_no_raw_markup(at)
    data = _page_data(frames[0].proto.srcdoc)
    assert any("<script>alert(1)</script>规划" in str(n.get("title", "")) for n in data["nodes"])


def test_search_boxes_take_hostile_text(evil_app: Path) -> None:
    for page in ("explore", "entity", "export"):
        at = open_page(page, q='<script>alert(1)</script>" \\ \' > {')
        assert not at.error, (page, [e.value for e in at.error])
        assert_no_raw_markup(at)


# --------------------------------------------------------------------------- any text at all

hostile_text = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"', "'", "\\",
                              "\n", ">", "<", "&", "&lt;", "</script", "<!--", "]]>", "\u2028", "`", "${x}",
                              "《", "》", "“", "”", "知识产权保护中心", "规划", "，", "。"]),
             max_size=15).map("".join),
)


@settings(max_examples=200, deadline=None)
@given(key=hostile_text, kind=st.sampled_from(["institution", "policy", "Program", "x/../y", "<b>"]))
def test_minted_iris_are_valid_whatever_the_name(key: str, kind: str) -> None:
    for iri in (entity_iri(kind, key), node_iri(kind, key, 0, len(key)), document_iri(key), document_graph(key)):
        assert IRI.match(str(iri)), iri
        ox.NamedNode(str(iri))  # the store accepts it


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_text)
def test_any_document_gives_valid_iris_and_round_trips_through_turtle(text: str) -> None:
    from graph.extract import extract
    from graph.normalise import normalise
    from graph.rdf import document_triples
    from graph.resolve import resolve
    from graph.segment import segment
    from pipeline_support import raw

    body = f"关于印发《{text}规划》的通知\n加快“{text}”保护中心建设，推动{text}知识产权保护中心建设。\n"
    result = extract(segment(normalise(raw(body, name=f"{text[:20]}.txt"))))
    triples = list(document_triples(result, resolve(result)))
    want = Graph()
    for s, p, o in triples:
        for term in (s, p, o):
            if isinstance(term, URIRef):
                assert IRI.match(str(term)), term
        want.add((s, p, o))
    for fmt, parser in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")):
        parsed = Graph().parse(data=serialize_triples(triples, fmt), format=parser)
        assert_isomorphic(lower_tags(parsed), lower_tags(want))


@settings(max_examples=150, deadline=None)
@given(label=hostile_text, quote=hostile_text, region=hostile_text, relation=hostile_text)
def test_network_page_markup_never_changes(label: str, quote: str, region: str, relation: str) -> None:
    from graph.visual import network_html

    g = nx.MultiDiGraph()
    g.add_node(f"urn:a:{label}", label=label, cls="Policy", quote=quote, region=region, depth=0)
    g.add_node("urn:b", label=quote, cls="Institution")
    g.add_edge(f"urn:a:{label}", "urn:b", relation=relation, quote=quote)
    page = network_html(g, title=label)
    assert_markup_unchanged(page)
    data = _page_data(page)
    node = next(n for n in data["nodes"] if n["id"] == f"urn:a:{label}")
    assert node["title"].startswith(label or f"urn:a:{label}")
    if quote:
        assert quote in data["edges"][0]["title"]
