"""StoreIndex answers as the in-memory EntityIndex does, on the bundled corpus, reading the store as asked."""

from __future__ import annotations

import pytest

from graph.network import EntityIndex, select_subgraph
from graph.pipeline import build
from graph.store import OxigraphStore
from graph.store_index import StoreIndex


@pytest.fixture(scope="module")
def store(corpus_dir) -> OxigraphStore:
    s = OxigraphStore(None)
    build([corpus_dir], s, jobs=1, validate=False)
    return s


@pytest.fixture(scope="module")
def full(store) -> EntityIndex:
    return EntityIndex.from_store(store)


@pytest.fixture
def lazy(store) -> StoreIndex:
    return StoreIndex(store)


def test_whole_graph_answers(full, lazy):
    counts = full.class_counts()
    del counts["Other"]  # nodes the in-memory index knows only as the end of a relation
    assert lazy.class_counts() == counts
    assert lazy.relation_names() == full.relation_names()
    assert lazy.size() == (sum(counts.values()), len(full.edges))
    assert not lazy.empty
    for cls in ("Region", "Document", "Institution"):
        assert {n.iri for n in lazy.of_class(cls)} == {n.iri for n in full.of_class(cls)}


def test_every_node_reads_as_in_memory(full, lazy):
    for iri, node in full.nodes.items():
        assert lazy.get(iri) == node
    assert lazy.get("https://w3id.org/ipkg/id/no-such-node").cls == "Other"
    assert lazy.get("not an iri <>").label() == "not an iri <>"


@pytest.mark.parametrize("text", ["知识产权保护中心", "秦創原", "陕西", "TISC"])
def test_search_finds_the_named_nodes(full, lazy, text):
    named = [n.iri for n in full.search(text, limit=500) if n.cls not in ("Measure", "Target", "Document")]
    found = [n.iri for n in lazy.search(text, limit=500)]
    assert found and set(found) == set(named)


def test_neighbours_and_drawings(full, lazy):
    for iri, node in full.nodes.items():
        if node.cls in ("Measure", "Target"):
            continue
        expected = {(nb.name, nb.other, nb.cls, nb.regions) for nb in full.neighbours(iri)}
        assert {(nb.name, nb.other, nb.cls, nb.regions) for nb in lazy.neighbours(iri)} == expected, iri
    for name in ("陕西省知识产权保护中心", "秦创原创新驱动平台"):
        seed = full.search(name, limit=1)[0].iri
        for hops in (1, 2):
            want = select_subgraph(full, [seed], hops, cap=300)
            got = select_subgraph(lazy, [seed], hops, cap=300)
            assert set(got.nodes) == set(want.nodes) and got.hidden == want.hidden
            drawn, expected = lazy.to_networkx(got), full.to_networkx(want)
            assert set(drawn.nodes) == set(expected.nodes)
            assert set(drawn.edges(keys=True)) <= set(expected.edges(keys=True))
            assert {n: drawn.nodes[n]["label"] for n in drawn} == {n: expected.nodes[n]["label"] for n in drawn}


def test_a_node_is_read_once(store, monkeypatch):
    import graph.network
    import graph.store_index

    lazy = StoreIndex(store)
    seed = lazy.search("秦创原", limit=1)[0].iri
    calls = []
    for module in (graph.network, graph.store_index):
        monkeypatch.setattr(module, "run_saved", lambda *a, real=module.run_saved, **k: calls.append(a[1])
                            or real(*a, **k))
    lazy.get(seed)
    assert calls == [], "read by the search already"
    first = list(lazy.neighbours(seed))
    assert calls == ["ego_neighbours"]
    assert list(lazy.neighbours(seed)) == first and calls == ["ego_neighbours"]
