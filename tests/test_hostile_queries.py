"""Unsafe queries on the read path: refused, stopped, capped; search text only ever bound.

End to end through ``python -m graph query`` (a child process on a real
on-disk store) and through the app's SPARQL page (Streamlit AppTest on the
same store): updates and SERVICE are refused with a clear message (and a
local HTTP server proves no SERVICE request leaves), a cartesian product is
stopped at its time limit, huge answers are capped with a notice. At the
store, an isolated runaway query is killed at the deadline (its process is
gone, its memory capped) while other queries keep answering. Hypothesis
drives arbitrary text through the search query and the SPARQL page's
parameter fields: it always arrives as one bound literal and never changes
the query's structure.
"""

from __future__ import annotations

import http.server
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import SKOS
from streamlit.testing.v1 import AppTest

from graph.namespaces import IPKG
from graph.storage import begin_build
from graph.store import QueryRefused, QueryTimeout, StoreError, bind_query, open_store
from hostile_support import ROOT, corpus_text, graph_snapshot, run_cli

APP = str(ROOT / "app.py")
CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CARTESIAN_ROWS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
CARTESIAN_SORT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"
UPDATES = [
    "INSERT DATA { <urn:x> <urn:p> <urn:o> }",
    "insert data { graph <urn:g> { <urn:x> <urn:p> 'o' } }",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX ex: <urn:ex:>\nDELETE { ?s ?p ?o } INSERT { ?s ex:p 1 } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/evil.ttl>",
    "CLEAR ALL",
    "# a comment first\nDROP ALL",
    "DROP GRAPH <https://w3id.org/ipkg/graph/ontology>",
    "CREATE GRAPH <urn:new>",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def store_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A versioned on-disk store of the bundled corpus (about 14,000 triples)."""
    from graph.pipeline import build

    root = tmp_path_factory.mktemp("queries") / "store"
    folder = root.parent / "docs"
    folder.mkdir()
    for i in range(5):
        (folder / f"doc{i}.txt").write_text(corpus_text(i), "utf-8")
    with begin_build(root) as store:
        report = build([folder], store, jobs=1)
    assert len(report.built) == 5
    return root


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request made to it: (base URL, hits)."""
    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def answer(self) -> None:
            hits.append(self.path)
            self.send_response(500)
            self.end_headers()

        do_GET = do_POST = answer  # noqa: N815 - the names http.server looks up

        def log_message(self, *args: object) -> None:
            pass

    server = socketserver.TCPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def worker_children() -> list[psutil.Process]:
    """Isolated-query processes started by this test process and still alive."""
    alive = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "--query-worker" in child.cmdline() and child.status() != psutil.STATUS_ZOMBIE:
                alive.append(child)
        except psutil.NoSuchProcess:
            pass
    return alive


# --------------------------------------------------------------------------- CLI


@pytest.mark.parametrize("update", UPDATES)
def test_cli_refuses_updates(store_root: Path, update: str) -> None:
    before = graph_snapshot(store_root)
    run = run_cli("query", store_root, update)
    assert run.returncode == 1
    assert run.stderr.startswith("error: SPARQL Update is not allowed"), run.stderr
    assert "Traceback" not in run.stderr
    assert graph_snapshot(store_root) == before


def test_pyoxigraph_would_call_service(listener) -> None:
    """The control for the next test: unguarded, the engine does fetch SERVICE URLs."""
    import pyoxigraph as ox

    url, hits = listener
    with pytest.raises(OSError):
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}"))
    assert hits


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <{url}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<{url}/sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?x ?y ?z . \\u0053ERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}/q> {{ ?s ?p ?o }} }} }} }}",
])
def test_cli_refuses_service(store_root: Path, listener, template: str) -> None:
    url, hits = listener
    run = run_cli("query", store_root, template.format(url=url))
    assert run.returncode == 1
    assert run.stderr.startswith("error: SERVICE (federated query) is not allowed"), run.stderr
    assert hits == []


def test_cli_stops_a_runaway_query(store_root: Path) -> None:
    started = time.monotonic()
    run = run_cli("query", store_root, CARTESIAN_COUNT, "--timeout", "2", timeout=60)
    elapsed = time.monotonic() - started
    assert run.returncode == 1
    assert run.stderr.strip() == "error: query stopped after the 2 s time limit"
    assert elapsed < 10, elapsed


def test_cli_caps_huge_results(store_root: Path) -> None:
    run = run_cli("query", store_root, CARTESIAN_ROWS, "--max-rows", "50", "--format", "csv", timeout=60)
    assert run.returncode == 0, run.stderr
    assert len(run.stdout.strip().splitlines()) == 1 + 50  # header + capped rows
    assert "(truncated at 50 rows)" in run.stderr


# --------------------------------------------------------------------------- the store


def test_isolated_runaway_is_killed_while_others_answer(store_root: Path) -> None:
    store = open_store(store_root, read_only=True, timeout_s=30)
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        try:
            store.query(CARTESIAN_COUNT, timeout_s=3, isolate=True)
        except QueryTimeout as exc:
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    assert worker_children(), "the runaway query runs in its own process"
    latencies = []
    while thread.is_alive():
        started = time.monotonic()
        res = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?d <{IPKG.fileName}> ?f }}", timeout_s=5)
        latencies.append(time.monotonic() - started)
        assert int(res.rows[0][0]) == 5
        time.sleep(0.05)
    thread.join()

    assert isinstance(outcome.get("error"), QueryTimeout)
    assert "3 s time limit" in str(outcome["error"])
    assert 3 <= outcome["seconds"] < 5  # type: ignore[operator]
    assert len(latencies) >= 10 and max(latencies) < 1.0, latencies
    deadline = time.monotonic() + 3
    while worker_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not worker_children(), "the killed query's process is gone: no CPU spent after the limit"
    store.close()


def test_isolated_query_memory_is_capped(store_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPKG_QUERY_MEMORY_MB", "1024")
    store = open_store(store_root, read_only=True)
    with pytest.raises(StoreError, match="more than the 1024 MB of memory"):
        store.query(CARTESIAN_SORT, timeout_s=60, isolate=True)
    store.close()


@pytest.mark.parametrize("query", [
    f"SELECT ?s ?label WHERE {{ ?s <{SKOS.prefLabel}> ?label }} ORDER BY ?s LIMIT 200",
    f"SELECT ?d ?start ?end WHERE {{ ?m <{IPKG.charStart}> ?start ; <{IPKG.charEnd}> ?end ; "
    f"<{IPKG.statedIn}> ?d }} ORDER BY ?d ?start LIMIT 200",
    f"SELECT ?s ?l ?a WHERE {{ ?s <{SKOS.prefLabel}> ?l OPTIONAL {{ ?s <{SKOS.altLabel}> ?a }} }} "
    "ORDER BY ?s ?l ?a LIMIT 300",
    "SELECT ?x ?b WHERE { VALUES ?x { 'a' 'b'@en-GB 1 2.5 true <urn:x> 'x\\ny\"z' } BIND(BNODE() AS ?b) }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 300",
    "ASK { ?s ?p ?o }",
])
def test_isolated_answers_equal_in_process_answers(store_root: Path, query: str) -> None:
    store = open_store(store_root, read_only=True)
    inside = store.query(query, timeout_s=30)
    isolated = store.query(query, timeout_s=30, isolate=True)
    assert isolated.kind == inside.kind
    assert isolated.variables == inside.variables
    if "BNODE()" in query:  # blank node labels are the engine's own; compare the rest
        assert [r[0] for r in isolated.rows] == [r[0] for r in inside.rows]
        assert all(isinstance(r[1], BNode) for r in isolated.rows + inside.rows)
    else:
        assert isolated.rows == inside.rows
    assert sorted(isolated.triples) == sorted(inside.triples)
    assert isolated.boolean == inside.boolean
    store.close()


def test_isolated_refusals_and_syntax_errors(store_root: Path) -> None:
    store = open_store(store_root, read_only=True)
    with pytest.raises(QueryRefused):
        store.query("DROP ALL", isolate=True)
    with pytest.raises(StoreError, match="line 1, column"):
        store.query("SELECT * WHERE { ?s ?p }", isolate=True)
    res = store.query(CARTESIAN_ROWS, isolate=True, max_rows=25, timeout_s=30)
    assert len(res.rows) == 25 and res.truncated
    store.close()


# --------------------------------------------------------------------------- bound search text

SEARCH_STORE = None


def _search_store():
    """An in-memory store whose labels are themselves hostile strings."""
    global SEARCH_STORE
    if SEARCH_STORE is None:
        from graph.pipeline import ensure_ontology

        store = open_store(None)
        ensure_ontology(store)
        labels = ["秦创原", "陕西省知识产权保护中心", 'say "hi"', "back\\slash", "a}b{c", "x' || true || '",
                  "<script>alert(1)</script>", "line\nbreak", "\\u0022"]
        triples = []
        for i, label in enumerate(labels):
            node = URIRef(f"https://w3id.org/ipkg/id/institution/t{i}")
            triples += [(node, SKOS.prefLabel, Literal(label, lang="zh-Hans")),
                        (node, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), IPKG.Institution)]
        store.replace_graph(URIRef("https://w3id.org/ipkg/graph/test"), triples)
        SEARCH_STORE = (store, labels)
    return SEARCH_STORE


hostile_text = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(['"', "'", "\\", "}", "{", ")", "(", ";", "#", "\n", "\r", "?x", "$x", "<", ">",
                              "\\u0022", "\\n", '"""', "'''", "SERVICE", "DROP ALL", "UNION", "FILTER(true)",
                              "秦创原", "知识产权", "保护中心", "\u2028", "\x00", "\ufeff"]),
             max_size=12).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_text)
def test_search_text_is_bound_never_code(text: str) -> None:
    """Whatever is typed, search_entities finds exactly the labels that contain it."""
    from graph.queries import search_entities, to_simplified

    store, labels = _search_store()
    hits = search_entities(store, text)
    raw = " ".join(text.split())
    if not raw:
        assert hits == []
        return
    wanted = {raw.lower(), to_simplified(raw).lower()}
    expected = {label for label in labels if any(w in label.lower() for w in wanted)}
    assert {h.label for h in hits} == expected


@settings(max_examples=300, deadline=None)
@given(text=hostile_text)
def test_a_bound_value_comes_back_unchanged(text: str) -> None:
    """The value survives the trip through the query text exactly: it is one literal token."""
    store, _labels = _search_store()
    res = store.query("SELECT ?echo (STRLEN(?echo) AS ?n) WHERE {}", {"echo": Literal(text)})
    assert str(res.rows[0][0]) == text
    assert int(res.rows[0][1]) == len(text)


@settings(max_examples=300, deadline=None)
@given(text=hostile_text)
def test_a_bound_value_never_changes_the_query_structure(text: str) -> None:
    from graph.queries import saved_queries
    from graph.store import _tokens

    template = saved_queries()["institutions_serving_measure"].sparql
    reference = [kind for kind, _ in _tokens(bind_query(template, {"keyword": Literal("x")}))]
    bound = _tokens(bind_query(template, {"keyword": Literal(text)}))
    assert [kind for kind, _ in bound] == reference
    strings = [tok for kind, tok in bound if kind == "string"]
    assert len(strings) == len([k for k in reference if k == "string"])


# --------------------------------------------------------------------------- the app's SPARQL page


@pytest.fixture
def app_on_disk(store_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("IPKG_FIXTURE", raising=False)
    monkeypatch.delenv("IPKG_ENDPOINT", raising=False)
    monkeypatch.setenv("IPKG_STORE", str(store_root))
    return store_root


def sparql_page(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception, at.exception
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("app_pages/sparql.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("update", [UPDATES[0], UPDATES[5], UPDATES[7]])
def test_app_refuses_updates(app_on_disk: Path, update: str) -> None:
    before = graph_snapshot(app_on_disk)
    at = sparql_page(query=update)
    assert at.error and "SPARQL Update is not allowed" in at.error[0].value
    assert graph_snapshot(app_on_disk) == before


def test_app_refuses_service(app_on_disk: Path, listener) -> None:
    url, hits = listener
    at = sparql_page(query=f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}")
    assert at.error and "SERVICE (federated query) is not allowed" in at.error[0].value
    assert hits == []


def test_app_stops_a_runaway_query_and_answers_the_next(app_on_disk: Path) -> None:
    started = time.monotonic()
    at = sparql_page(query=CARTESIAN_COUNT, timeout="2")
    assert at.error and "2 s time limit" in at.error[0].value
    assert time.monotonic() - started < 30
    assert not worker_children()
    at.text_area(key="sparql.query").set_value(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?d <{IPKG.fileName}> ?f }}").run()
    assert not at.error, [e.value for e in at.error]


def test_app_caps_huge_results_with_a_notice(app_on_disk: Path) -> None:
    at = sparql_page(query=CARTESIAN_ROWS)
    assert not at.error, [e.value for e in at.error]
    assert any("截断" in w.value or "truncated" in w.value for w in at.warning), [w.value for w in at.warning]


def test_app_parameter_fields_reach_sparql_only_as_bindings(app_on_disk: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.store import OxigraphStore

    calls: list[tuple[str, dict]] = []
    original = OxigraphStore.query

    def spy(self, sparql, bindings=None, **kwargs):
        calls.append((sparql, dict(bindings or {})))
        return original(self, sparql, bindings, **kwargs)

    monkeypatch.setattr(OxigraphStore, "query", spy)
    typed = '保护中心" ) } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o FILTER("x'
    at = sparql_page(ex="institutions_serving_measure", p_keyword=typed)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    mine = [(q, b) for q, b in calls if "keyword" in b]
    assert mine, "the page ran the example with the typed keyword"
    for sparql, bindings in mine:
        assert bindings["keyword"] == Literal(typed)
        assert "?keyword" in sparql  # the page sends the template; the store binds the value
    assert not any("DROP" in sparql for sparql, _ in calls), "typed text never reaches a query's text"
