"""graph.summaries: the per-entity counts the build keeps, against what they summarise.

The oracle is the whole-graph grouping the two ranking queries ran before the
summaries existed; after every kind of write (full build, one document added,
changed, removed, a store without summaries) the stored summaries must equal it,
and a summary recomputed for a few entities must equal one recomputed for all.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import URIRef

from bench.corpus import generate
from graph import summaries
from graph.pipeline import build, remove
from graph.store import open_store
from graph.summaries import SUMMARY_GRAPH, SUMMARY_VERSION

ROOT = Path(__file__).resolve().parents[1]
P = "PREFIX ipkg: <https://w3id.org/ipkg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"

#: The on-the-fly groupings the summaries replace (the saved queries before them).
POLICY_ORACLE = P + """
SELECT ?policy (COUNT(DISTINCT ?document) AS ?n) (GROUP_CONCAT(DISTINCT STR(?province); separator=" ") AS ?ps)
WHERE {
  ?document ipkg:cites ?policy .
  OPTIONAL { ?document ipkg:jurisdiction/ipkg:partOf* ?province . ?province ipkg:adminLevel "province" }
} GROUP BY ?policy"""
INSTITUTION_ORACLE = P + """
SELECT ?institution (COUNT(DISTINCT ?document) AS ?n) (GROUP_CONCAT(DISTINCT STR(?province); separator=" ") AS ?ps)
WHERE {
  ?document ipkg:mentions ?institution ; a ipkg:Document ; ipkg:jurisdiction ?jurisdiction .
  ?jurisdiction ipkg:partOf* ?province . ?province ipkg:adminLevel "province" .
  ?institution a ?kind . ?kind rdfs:subClassOf* ipkg:Institution .
} GROUP BY ?institution"""
POLICY_SUMMARY = P + """
SELECT ?policy ?n (GROUP_CONCAT(DISTINCT STR(?province); separator=" ") AS ?ps) WHERE {
  ?policy ipkg:citedByDocuments ?n . OPTIONAL { ?policy ipkg:citedInProvince ?province }
} GROUP BY ?policy ?n"""
INSTITUTION_SUMMARY = P + """
SELECT ?institution ?n (GROUP_CONCAT(DISTINCT STR(?province); separator=" ") AS ?ps) ?k WHERE {
  ?institution ipkg:mentionedInProvincialDocuments ?n ; ipkg:mentionedInProvinces ?k ;
               ipkg:mentionedInProvince ?province .
} GROUP BY ?institution ?n ?k"""
SUMMARY_TRIPLES = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?s ?p ?o }} }}"


def table(store, query: str) -> dict[str, tuple[int, frozenset[str]]]:
    """Entity → (count, provinces) from an oracle or summary query."""
    out = {}
    for row in store.query(query).rows:
        provinces = frozenset(str(row[2]).split()) if row[2] is not None else frozenset()
        if len(row) > 3:
            assert int(row[3]) == len(provinces), row  # the stored province count
        out[str(row[0])] = (int(row[1]), provinces)
    return out


def assert_summaries_are_right(store) -> None:
    """The stored summaries equal the whole-graph groupings they replace."""
    assert summaries.is_current(store)
    assert table(store, POLICY_SUMMARY) == table(store, POLICY_ORACLE)
    assert table(store, INSTITUTION_SUMMARY) == table(store, INSTITUTION_ORACLE)


def summary_triples(store) -> set:
    return set(store.query(SUMMARY_TRIPLES).triples)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Twelve synthetic documents (seed 11) and the five bundled ones."""
    folder = tmp_path_factory.mktemp("summaries")
    generate(12, folder, seed=11)
    for path in sorted((ROOT / "data" / "corpus").iterdir()):
        shutil.copy(path, folder / path.name)
    return folder


def test_a_build_keeps_summaries_equal_to_the_whole_graph_grouping(corpus):
    store = open_store(None)
    report = build([corpus], store, jobs=1)
    assert not report.failed and report.summary_seconds > 0
    assert_summaries_are_right(store)
    policies, institutions = table(store, POLICY_SUMMARY), table(store, INSTITUTION_SUMMARY)
    # Not vacuous: policies cited by several documents, institutions across provinces.
    assert max(n for n, _ in policies.values()) >= 3
    assert max(len(ps) for _, ps in institutions.values()) >= 2


def spy(monkeypatch) -> list[tuple[str, object]]:
    """Record which way the build updates the summaries: (function name, the removed contributions)."""
    calls: list[tuple[str, object]] = []
    for name in ("refresh", "apply", "write_all"):
        real = getattr(summaries, name)

        def recording(*args, _real=real, _name=name, **kw):
            calls.append((_name, kw.get("removed")))
            return _real(*args, **kw)

        monkeypatch.setattr(summaries, name, recording)
    return calls


def test_adding_changing_and_removing_documents_keeps_them_right(corpus, tmp_path, monkeypatch):
    paths = sorted(p for p in corpus.iterdir())
    store = open_store(None)
    calls = spy(monkeypatch)
    build(paths[:-2], store, jobs=1)
    assert [name for name, _ in calls] == ["write_all"]  # an empty store: from the workers' contributions
    assert_summaries_are_right(store)

    build(paths, store, jobs=1)  # two documents added: their counts added to the summaries
    assert calls[1:] == [("apply", [])]
    assert_summaries_are_right(store)

    changed = tmp_path / paths[0].name
    changed.write_bytes(paths[0].read_bytes().replace("知识产权".encode(), "著作权".encode(), 3))
    build([changed], store, jobs=1)  # its old counts out, its new ones in
    assert calls[-1][0] == "apply" and len(calls[-1][1]) == 1
    assert_summaries_are_right(store)

    assert remove([paths[1].name, paths[-1].name], store) == [paths[1].name, paths[-1].name]
    assert calls[-1][0] == "apply" and len(calls[-1][1]) == 2
    assert_summaries_are_right(store)

    # Summaries moved by the documents written and removed are those recomputed for all.
    kept = summary_triples(store)
    summaries.refresh(store)
    assert summary_triples(store) == kept


def test_the_workers_contributions_count_as_the_store_does(corpus):
    store = open_store(None)
    build([corpus], store, jobs=2)  # from the contributions, read in worker processes
    kept = summary_triples(store)
    summaries.refresh(store)  # from the store
    assert summary_triples(store) == kept
    assert len(kept) > 100


def test_removing_every_document_leaves_no_summary_behind(corpus):
    store = open_store(None)
    paths = sorted(corpus.iterdir())[:3]
    build(paths, store, jobs=1)
    remove([p.name for p in paths], store)
    assert {s for s, _, _ in summary_triples(store)} == {SUMMARY_GRAPH}  # the version marker alone


@pytest.mark.parametrize("damage", ["missing", "outdated"])
def test_a_store_without_current_summaries_gets_them_at_its_next_build(corpus, damage):
    store = open_store(None)
    paths = sorted(corpus.iterdir())[:4]
    build(paths, store, jobs=1)
    expected = summary_triples(store)
    if damage == "missing":  # as a store built before summaries existed
        store.update(f"DELETE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?s ?p ?o }} ?s ?p ?o }} "
                     f"WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?s ?p ?o }} }}")
        assert not summaries.is_current(store) and not summary_triples(store)
    else:
        marker = f"<{SUMMARY_GRAPH}> <https://w3id.org/ipkg/ontology#summaryVersion>"
        store.update(f"DELETE DATA {{ GRAPH <{SUMMARY_GRAPH}> {{ {marker} {SUMMARY_VERSION} }} }} ; "
                     f"INSERT DATA {{ GRAPH <{SUMMARY_GRAPH}> {{ {marker} 0 }} }}")
        assert not summaries.is_current(store)
    report = build(paths, store, jobs=1)
    assert report.unchanged and not report.built
    assert summary_triples(store) == expected
    assert_summaries_are_right(store)


def test_a_large_write_recomputes_every_summary(corpus, monkeypatch):
    monkeypatch.setattr(summaries, "FULL_REFRESH_DOCUMENTS", 2)
    store = open_store(None)
    paths = sorted(corpus.iterdir())
    build(paths[:2], store, jobs=1)
    calls = spy(monkeypatch)
    build(paths[2:5], store, jobs=1)
    assert calls == [("refresh", None)]
    assert_summaries_are_right(store)


def test_summaries_are_in_the_dump_and_the_merged_graph(corpus, tmp_path):
    store = open_store(None)
    build(sorted(corpus.iterdir())[:3], store, jobs=1)
    out = tmp_path / "graph.nq"
    store.dump(out)
    assert f"<{SUMMARY_GRAPH}>" in out.read_text("utf-8")
    in_default = store.query(P + "ASK { ?p ipkg:citedByDocuments ?n }").boolean
    assert in_default


def test_a_document_that_fails_to_rebuild_keeps_its_counts(corpus, tmp_path):
    paths = sorted(corpus.iterdir())[:3]
    store = open_store(None)
    build(paths, store, jobs=1)
    broken = tmp_path / paths[0].name
    broken.write_bytes(b"\xff\xfe\x00")  # not text: the build fails, the old graph stays
    report = build([broken], store, jobs=1)
    assert report.failed and not report.built
    assert_summaries_are_right(store)


def test_applying_nothing_writes_the_version_marker_alone():
    store = open_store(None)
    assert summaries.apply(store, added=[], removed=[]) == 0
    assert {s for s, _, _ in summary_triples(store)} == {SUMMARY_GRAPH}


def test_a_write_stopped_before_the_summaries_moved_is_recomputed_at_the_next_build(corpus, monkeypatch):
    paths = sorted(corpus.iterdir())[:5]
    store = open_store(None)  # in memory: each document is written as it comes, as on an endpoint
    build(paths[:3], store, jobs=1)

    def stopped(*args, **kw):
        raise RuntimeError("stopped")

    monkeypatch.setattr(summaries, "apply", stopped)
    with pytest.raises(RuntimeError):
        build(paths, store, jobs=1)  # the two new documents are in the store, not in the summaries
    monkeypatch.undo()
    assert not summaries.is_current(store)
    calls = spy(monkeypatch)
    assert build(paths, store, jobs=1).unchanged
    assert [name for name, _ in calls] == ["refresh"]
    assert_summaries_are_right(store)


def test_counts_follow_the_rules_of_the_rankings():
    # (document, entity) rows; d3 lies in no province (a national document).
    provinces = {"d1": {"P1"}, "d2": {"P1", "P2"}, "d3": set()}
    rows = [(URIRef(d), URIRef(e)) for d, e in [("d1", "x"), ("d2", "x"), ("d3", "x"), ("d3", "y"), ("d9", "x")]]
    every = summaries._count(rows, provinces, provincial_only=False)
    assert every["x"].documents == {"d1", "d2", "d3", "d9"} and every["x"].provinces == {"P1", "P2"}
    assert every["y"].documents == {"d3"} and not every["y"].provinces
    provincial = summaries._count(rows, provinces, provincial_only=True)
    assert provincial["x"].documents == {"d1", "d2"} and "y" not in provincial


def test_a_province_stays_while_another_document_of_it_remains(corpus, tmp_path):
    from graph.pipeline import process_file

    source = next(p for p in sorted(corpus.iterdir())
                  if (c := process_file(p).contribution) and c.provinces and c.cites and c.institutions)
    twin = tmp_path / f"twin-{source.name}"
    twin.write_bytes(source.read_bytes())  # the same entities and province, another document
    store = open_store(None)
    build([source, twin], store, jobs=1)
    before = table(store, POLICY_SUMMARY), table(store, INSTITUTION_SUMMARY)
    remove([twin.name], store)
    assert_summaries_are_right(store)
    after = table(store, POLICY_SUMMARY), table(store, INSTITUTION_SUMMARY)
    for old, new in zip(before, after, strict=True):
        assert new and all(new[e][1] == old[e][1] and new[e][0] == old[e][0] - 1 for e in new)


def test_the_app_brings_a_published_store_from_before_the_summaries_up_to_date(corpus, tmp_path):
    from graph import storage
    from graph.app_support import refresh_summaries_if_outdated

    root = tmp_path / "store"
    with storage.begin_build(root) as store:
        build(sorted(corpus.iterdir())[:3], store, jobs=1)
        expected = summary_triples(store)
        store.update(f"DELETE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?s ?p ?o }} ?s ?p ?o }} "
                     f"WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?s ?p ?o }} }}")  # as published before them
    before = storage.current_version(root)
    assert refresh_summaries_if_outdated(root)
    assert storage.current_version(root) != before  # a new version, readers of the old one unharmed
    reader = storage.open_current(root)
    try:
        assert summary_triples(reader) == expected
    finally:
        reader.close()
    assert not refresh_summaries_if_outdated(root)
