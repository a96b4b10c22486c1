"""Remote stores: build, saved queries and export through a real Oxigraph SPARQL server, and `serve`.

The tests start `oxigraph serve` (read-write, for --endpoint) and `python -m graph
serve` (read-only, Oxigraph's own server over an embedded store) on free loopback
ports with temporary data, wait until they answer, and stop them afterwards.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Literal

from graph.cli import EXIT_OK, main
from graph.namespaces import ONTOLOGY_GRAPH, sparql_prefixes
from graph.queries import run_saved, saved_queries
from graph.storage import open_current
from graph.store import StoreError, open_store
from graph.summaries import SUMMARY_GRAPH
from server_support import oxigraph_server, sparql_server

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.server
PREFIXES = sparql_prefixes()


def _oxigraph() -> str:
    here = Path(sys.executable).with_name("oxigraph")
    found = str(here) if here.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the `oxigraph` server is not installed: pip install -r requirements.txt", pytrace=False)
    return found


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """`oxigraph serve` on a free loopback port with a temporary location."""
    with oxigraph_server(_oxigraph()) as base:
        yield base


@pytest.fixture(scope="module")
def remote(server, corpus_dir) -> str:
    """The server with the bundled corpus built into it through `build --endpoint`."""
    assert main(["build", str(corpus_dir), "--endpoint", server, "-q"]) == EXIT_OK
    return server


@pytest.fixture(scope="module")
def embedded(tmp_path_factory, corpus_dir) -> Path:
    """The same corpus in an embedded store, to compare with."""
    out = tmp_path_factory.mktemp("embedded") / "store"
    assert main(["build", str(corpus_dir), "--out", str(out), "-q", "--no-validate"]) == EXIT_OK
    return out


def _examples(name: str, store) -> dict[str, str]:
    """A saved query's parameters: the examples its header gives; IRIs looked up by name."""
    params: dict[str, str] = {}
    for p in saved_queries()[name].parameters:
        m = re.search(r"\(e\.g\. ([^)…]+)\)", p.description)
        if p.kind == "iri":
            res = store.query(PREFIXES + "SELECT ?e WHERE { ?e skos:prefLabel ?l FILTER(STR(?l) = ?name) }",
                              {"name": Literal("陕西省知识产权保护中心")})
            params[p.name] = str(res.rows[0][0])
        elif m:
            params[p.name] = m.group(1)
    return params


def _answer(res) -> object:
    if res.kind == "graph":
        return sorted(map(str, res.triples))
    if res.kind == "ask":
        return res.boolean
    return res.variables, res.rows


def test_build_through_the_endpoint(remote, corpus_dir, capsys):
    store = open_store(endpoint=remote, read_only=True)
    graphs = store.graphs()
    # Five documents, the ontology and the build's summaries.
    assert len(graphs) == 7 and {ONTOLOGY_GRAPH, SUMMARY_GRAPH} <= set(graphs)
    # A second build finds everything unchanged on the server.
    assert main(["build", str(corpus_dir), "--endpoint", remote, "-q", "--no-validate"]) == EXIT_OK
    assert "built 0, unchanged 5, failed 0" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_saved_queries_answer_as_on_the_embedded_store(name, remote, embedded):
    local = open_current(embedded)
    far = open_store(endpoint=remote, read_only=True)
    try:
        params = _examples(name, local)
        assert _answer(run_saved(far, name, **params)) == _answer(run_saved(local, name, **params))
    finally:
        local.close()
        far.close()


def test_query_and_export_commands_on_the_endpoint(remote, embedded, tmp_path, capsys):
    assert main(["query", "--endpoint", remote, "--saved", "institutions_serving_measure",
                 "--param", "keyword=知识产权保护中心", "--format", "csv"]) == EXIT_OK
    assert "陕西省知识产权保护中心" in capsys.readouterr().out
    a, b = tmp_path / "remote.ttl", tmp_path / "local.ttl"
    assert main(["export", "--endpoint", remote, "--seed", "陕西省知识产权保护中心", "--out", str(a)]) == EXIT_OK
    assert main(["export", str(embedded), "--seed", "陕西省知识产权保护中心", "--out", str(b)]) == EXIT_OK
    assert a.read_bytes() == b.read_bytes()


def test_whole_graph_dump_matches(remote, embedded, tmp_path):
    far = open_store(endpoint=remote, read_only=True)
    local = open_current(embedded)
    far.dump(tmp_path / "remote.nq")
    local.dump(tmp_path / "local.nq")
    assert (tmp_path / "remote.nq").read_bytes() == (tmp_path / "local.nq").read_bytes()


def test_remove_through_the_endpoint(server, corpus_dir, capsys):
    # Works on its own copy of one document so the other tests keep their five.
    src = sorted(corpus_dir.glob("*.txt"))[0]
    extra = Path(tempfile.mkdtemp()) / ("extra-" + src.name)
    shutil.copy(src, extra)
    try:
        assert main(["build", str(extra), "--endpoint", server, "-q", "--no-validate"]) == EXIT_OK
        before = len(open_store(endpoint=server).graphs())
        assert main(["build", "--remove", extra.name, "--endpoint", server, "-q"]) == EXIT_OK
        assert "removed 1" in capsys.readouterr().err
        assert len(open_store(endpoint=server).graphs()) == before - 1
    finally:
        shutil.rmtree(extra.parent)


def test_credentials_reach_the_store(monkeypatch, tmp_path):
    seen = {}

    def fake_open_store(location=None, **kw):
        seen.update(kw)
        raise StoreError("stop here")

    monkeypatch.setattr("graph.store.open_store", fake_open_store)
    assert main(["query", "--endpoint", "http://127.0.0.1:1", "--user", "ana", "--password", "s3cret", "ASK {}"]) == 1
    assert seen == {"endpoint": "http://127.0.0.1:1", "user": "ana", "password": "s3cret", "read_only": True}


# --------------------------------------------------------------------------- serve


@pytest.fixture(scope="module")
def served(embedded) -> Iterator[str]:
    """`python -m graph serve STORE` on a free loopback port."""
    with sparql_server([sys.executable, "-m", "graph", "serve", str(embedded)], cwd=ROOT) as base:
        yield base


def test_serve_answers_saved_queries_like_the_store(served, embedded):
    local = open_current(embedded)
    far = open_store(endpoint=served, read_only=True)
    try:
        for name in ("institutions_serving_measure", "policies_most_cited", "regions_with_protection_center"):
            params = _examples(name, local)
            assert _answer(run_saved(far, name, **params)) == _answer(run_saved(local, name, **params))
    finally:
        local.close()
        far.close()


def test_serve_is_read_only_and_the_union_is_the_default_graph(served):
    # A plain SPARQL client (no union-default-graph parameter) sees every document.
    resp = requests.post(f"{served}/query", data={"query": "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE "
                                                            "{ ?d a <https://w3id.org/ipkg/ontology#Document> }"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert resp.json()["results"]["bindings"][0]["n"]["value"] == "5"

    def count(query: str) -> int:
        resp = requests.post(f"{served}/query", data={"query": query},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
        return int(resp.json()["results"]["bindings"][0]["n"]["value"])

    # The merged default graph, not the union-as-bag: an entity typed by several documents is typed once.
    typed = count("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }")
    assert typed == count("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?t WHERE { ?s a ?t } }")
    # Regions are typed in each document that names them (passage nodes are stored once).
    region = "<https://w3id.org/ipkg/ontology#Region>"
    assert count(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a {region} }}") < count(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s a {region} }} }}")
    writer = open_store(endpoint=served)
    with pytest.raises(StoreError):
        writer.remove_graph(ONTOLOGY_GRAPH)
    assert ONTOLOGY_GRAPH in open_store(endpoint=served, read_only=True).graphs()


def test_row_cap_reaches_the_server_and_still_reports_truncation(served):
    far = open_store(endpoint=served, read_only=True)
    try:
        cut = far.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", max_rows=7)
        assert len(cut.rows) == 7 and cut.truncated
        whole = far.query("SELECT ?d WHERE { ?d a <https://w3id.org/ipkg/ontology#Document> }", max_rows=5)
        assert len(whole.rows) == 5 and not whole.truncated  # exactly the cap: nothing was cut
    finally:
        far.close()
