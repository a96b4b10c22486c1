"""The build pipeline: parallel and incremental builds, removal, and the benchmark's corpus generator.

Builds run on a handful of synthetic documents (`bench.corpus`, tiny N); the
benchmark itself (bench/run.py) never runs here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.corpus import document, generate
from graph.namespaces import ONTOLOGY_GRAPH, document_graph
from graph.pipeline import BuildReport, build, process_file, remove, stored_hashes, stored_versions
from graph.store import OxigraphStore, open_store
from graph.summaries import SUMMARY_GRAPH


def dump(store, tmp_path: Path, name: str = "dump.nq") -> bytes:
    out = tmp_path / name
    store.dump(out)
    return out.read_bytes()


def fresh_build(paths, tmp_path: Path, name: str, **kw) -> tuple[bytes, BuildReport]:
    """Dump of a build of `paths` into a new in-memory store."""
    store = open_store(None)
    report = build(paths, store, **kw)
    return dump(store, tmp_path, name), report


def working_copy(corpus: Path, tmp_path: Path, n: int) -> Path:
    """A folder holding copies of the corpus's first ``n`` documents, to change, add to or remove from."""
    work = tmp_path / "docs"
    work.mkdir()
    for p in sorted(corpus.iterdir())[:n]:
        shutil.copy(p, work / p.name)
    return work


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Twenty synthetic documents (seed 7)."""
    folder = tmp_path_factory.mktemp("corpus")
    generate(20, folder, seed=7)
    return folder


# --------------------------------------------------------------------------- generator


def test_generator_is_deterministic(tmp_path):
    a = generate(20, tmp_path / "a", seed=3)
    b = generate(20, tmp_path / "b", seed=3)
    assert [p.name for p in a] == [p.name for p in b]
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))
    other = generate(5, tmp_path / "c", seed=4)
    assert [p.read_bytes() for p in other] != [p.read_bytes() for p in a[:5]]


def test_generator_documents_do_not_depend_on_corpus_size(tmp_path):
    small = generate(5, tmp_path / "small", seed=3)
    assert [p.read_bytes() for p in small] == [document(3, i)[1] for i in range(5)]
    later = generate(2, tmp_path / "later", seed=3, start=5)
    assert [p.name for p in later] == [document(3, i)[0] for i in (5, 6)]


def test_generated_documents_look_like_the_corpus(corpus):
    paths = sorted(corpus.iterdir())
    sizes = [p.stat().st_size for p in paths]
    assert 4_000 < sum(sizes) / len(sizes) < 40_000  # the bundled documents average ~15 KB
    encodings = {"gb18030" if b"\xd6\xaa\xca\xb6" in p.read_bytes() else "utf-8" for p in paths}  # 知识 in GB18030
    assert "utf-8" in encodings
    texts = [p.read_bytes().decode("utf-8", "replace") for p in paths]
    assert sum("知识产权" in t for t in texts) >= 15


def test_extraction_does_real_work_on_generated_documents(corpus):
    result = process_file(sorted(corpus.iterdir())[0])
    assert not result.error
    classes = {str(o).rsplit("#", 1)[-1] for _, p, o in result.triples if str(p).endswith("#type")}
    assert {"Document", "Measure", "Mention", "Region"} <= classes
    assert len(result.triples) > 300


# --------------------------------------------------------------------------- parallel


@pytest.mark.slow
def test_parallel_and_serial_builds_give_identical_dumps(corpus, tmp_path):
    serial, r1 = fresh_build([corpus], tmp_path, "serial.nq", jobs=1)
    parallel, r2 = fresh_build([corpus], tmp_path, "parallel.nq", jobs=2)
    assert (r1.jobs, r2.jobs) == (1, 2)
    assert r1.built == r2.built and len(r1.built) == 20 and not r1.failed
    assert serial == parallel


# --------------------------------------------------------------------------- incremental


def test_unchanged_documents_are_not_rebuilt(corpus, tmp_path):
    paths = sorted(corpus.iterdir())[:4]
    store = open_store(None)
    first = build(paths, store, jobs=1)
    assert len(first.built) == 4
    again = build(paths, store, jobs=1)
    assert again.built == [] and sorted(again.unchanged) == sorted(p.name for p in paths)
    assert build(paths, store, jobs=1, force=True).built == [p.name for p in paths]


def test_documents_read_with_other_rules_are_read_again(corpus, monkeypatch):
    import graph.pipeline
    import graph.rdf

    paths = sorted(corpus.iterdir())[:3]
    store = open_store(None)
    build(paths, store, jobs=1)
    # The rules change (a new ipkg release): same bytes, another extraction fingerprint.
    for module in (graph.pipeline, graph.rdf):
        monkeypatch.setattr(module, "extraction_fingerprint", lambda: "0123456789abcdef")
    again = build(paths, store, jobs=1)
    assert sorted(again.built) == sorted(again.reextracted) == sorted(p.name for p in paths)
    assert not again.unchanged
    assert {x for _, (_, x) in stored_versions(store).items()} == {"0123456789abcdef"}
    assert build(paths, store, jobs=1).unchanged == [p.name for p in paths]


def test_the_app_reads_its_bundled_documents_again_after_an_upgrade(corpus, tmp_path, monkeypatch):
    import graph.pipeline
    import graph.rdf
    from graph import storage
    from graph.app_support import outdated_bundled_documents, reread_outdated_documents

    bundled = working_copy(corpus, tmp_path, 3)
    root = tmp_path / "store"
    with monkeypatch.context() as earlier:  # built by an earlier release, with other rules
        for module in (graph.pipeline, graph.rdf):
            earlier.setattr(module, "extraction_fingerprint", lambda: "0123456789abcdef")
        with storage.begin_build(root) as store:
            build(sorted(bundled.iterdir())[:2], store, jobs=1)
    outdated = outdated_bundled_documents(root, bundled)
    assert [p.name for p in outdated] == sorted(p.name for p in bundled.iterdir())[:2]  # not the one never built
    before = storage.current_version(root)
    assert reread_outdated_documents(root, outdated)
    assert storage.current_version(root) != before
    assert outdated_bundled_documents(root, bundled) == []
    reader = storage.open_current(root)
    try:
        assert sorted(stored_hashes(reader)) == [p.name for p in outdated]
    finally:
        reader.close()


def test_incremental_build_reextracts_only_changed_and_new_documents(corpus, tmp_path):
    work = working_copy(corpus, tmp_path, 5)
    store = open_store(None)
    build([work], store, jobs=1)
    names = sorted(p.name for p in work.iterdir())
    changed = work / names[1]
    changed.write_bytes(changed.read_bytes() + "\n三、其他\n本方案自印发之日起施行。\n".encode())
    added_name, content = document(7, 20)
    (work / added_name).write_bytes(content)

    report = build([work], store, jobs=1)
    assert sorted(report.built) == sorted([names[1], added_name])
    assert sorted(report.unchanged) == sorted(set(names) - {names[1]})
    # The incremental result is exactly what a build from scratch gives.
    scratch, _ = fresh_build([work], tmp_path, "scratch.nq", jobs=1)
    assert dump(store, tmp_path, "incremental.nq") == scratch


_MEASURE_COUNTS = """
PREFIX ipkg: <https://w3id.org/ipkg/ontology#>
SELECT ?document ?stated (COUNT(DISTINCT ?measure) AS ?counted) WHERE {
  ?document a ipkg:Document .
  OPTIONAL { ?document ipkg:measureCount ?stated }
  OPTIONAL { ?measure a ipkg:Measure ; ipkg:statedIn ?document }
} GROUP BY ?document ?stated
"""


def test_each_document_states_how_many_measures_it_has(corpus, tmp_path):
    work = working_copy(corpus, tmp_path, 4)
    store = open_store(None)
    build([work], store, jobs=1)
    changed = sorted(work.iterdir())[0]
    changed.write_bytes(changed.read_bytes() + "\n三、其他\n（一）加强知识产权保护中心建设。\n".encode())
    sorted(work.iterdir())[1].unlink()
    build([work], store, jobs=1, prune=True)

    rows = store.query(_MEASURE_COUNTS).rows
    assert len(rows) == 3
    assert all(stated is not None and int(stated) == int(counted) for _, stated, counted in rows), rows
    assert sum(int(counted) for *_, counted in rows) > 3 * 10


def test_stored_hashes_by_name_and_in_full(corpus):
    paths = sorted(corpus.iterdir())[:2]
    store = open_store(None)
    build(paths, store, jobs=1)
    everything = stored_hashes(store)
    assert set(everything) == {p.name for p in paths}
    assert stored_hashes(store, [paths[0].name, "absent.txt"]) == {paths[0].name: everything[paths[0].name]}


# --------------------------------------------------------------------------- removal


def test_removing_a_document_drops_only_what_it_said(corpus, tmp_path):
    a, b = sorted(corpus.iterdir())[:2]
    store = open_store(None)
    build([a, b], store, jobs=1)
    assert remove([b.name, "never-built.txt"], store) == [b.name]
    only_a, _ = fresh_build([a], tmp_path, "only_a.nq", jobs=1)
    assert dump(store, tmp_path, "after.nq") == only_a
    assert set(store.graphs()) == {ONTOLOGY_GRAPH, SUMMARY_GRAPH, document_graph(a.name)}


def test_shared_entities_survive_removal_of_one_of_their_documents(corpus):
    store = open_store(None)
    paths = sorted(corpus.iterdir())[:6]
    build(paths, store, jobs=1)
    count = "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a <https://w3id.org/ipkg/ontology#Region> }"
    before = int(store.query(count).rows[0][0])
    remove([paths[0].name], store)
    after = int(store.query(count).rows[0][0])
    assert 0 < after <= before  # regions others mention stay; the removed document's own may go


def test_prune_mirrors_the_input_folder(corpus, tmp_path):
    work = working_copy(corpus, tmp_path, 3)
    store = open_store(None)
    build([work], store, jobs=1)
    gone = sorted(work.iterdir())[0]
    gone.unlink()
    report = build([work], store, jobs=1, prune=True)
    assert report.removed == [gone.name] and report.built == []
    mirror, _ = fresh_build([work], tmp_path, "mirror.nq", jobs=1)
    assert dump(store, tmp_path, "pruned.nq") == mirror


# --------------------------------------------------------------------------- failures and validation


def test_bad_files_fail_alone(corpus, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    good = sorted(corpus.iterdir())[0]
    store = open_store(None)
    report = build([good, empty, tmp_path / "missing.txt"], store, jobs=1)
    assert report.built == [good.name]
    assert [Path(p).name for p, _ in report.failed] == ["missing.txt", "empty.txt"]
    assert "empty" in dict(report.failed)[str(empty)]


def test_two_inputs_with_one_file_name_are_refused(corpus, tmp_path):
    good = sorted(corpus.iterdir())[0]
    twin = tmp_path / "twin" / good.name
    twin.parent.mkdir()
    twin.write_bytes(good.read_bytes())
    report = build([good, twin], open_store(None), jobs=1)
    assert report.built == [good.name]
    assert report.failed == [(str(twin), f"another input has the same file name: {good}")]


@pytest.mark.slow
def test_validation_checks_each_document_built(corpus_dir):
    report = build([corpus_dir], open_store(None), validate=True)
    assert report.validated == len(report.built) == 5
    assert report.violations == []


def test_validation_reports_violations():
    from graph.pipeline import _shacl

    doc = "https://w3id.org/ipkg/id/doc/x"
    from rdflib import URIRef
    from rdflib.namespace import RDF

    results = _shacl([(URIRef(doc), RDF.type, URIRef("https://w3id.org/ipkg/ontology#Document"))])
    assert results and all(r.startswith("Violation") for r in results)  # no file name, title, level, genre


class PerDocumentStore:
    """An embedded store seen without its batched write path, as a store offering only replace_graph."""

    def __init__(self) -> None:
        self.inner = open_store(None)

    def __getattr__(self, name):
        if name == "write_graphs":
            raise AttributeError(name)
        return getattr(self.inner, name)


class CountingStore:
    """An embedded store that records how many documents each batched write carried."""

    def __init__(self, **kw) -> None:
        self.inner = OxigraphStore(**kw)
        self.calls: list[int] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def write_graphs(self, items) -> None:
        items = list(items)
        self.calls.append(len(items))
        self.inner.write_graphs(items)


@pytest.mark.parametrize("bulk", [False, True])
def test_batched_writes_give_the_same_graph_as_one_update_per_document(corpus, tmp_path, monkeypatch, bulk):
    import graph.pipeline as pipeline

    monkeypatch.setattr(pipeline, "BATCH_DOCUMENTS", 3)
    paths = sorted(corpus.iterdir())[:7]
    done = []
    store = CountingStore(path=tmp_path / "bulk" if bulk else None, bulk_writes=bulk)
    report = build(paths, store, jobs=1, progress=lambda d, t, n: done.append((d, t)))
    assert store.calls == [3, 3, 1, 1]  # the documents, then the summaries (graph.summaries.write_all)
    assert len(report.built) == 7 and done[-1] == (7, 7)
    assert report.triples == sum(process_file(p).count for p in paths)
    single = PerDocumentStore()
    build(paths, single, jobs=1)
    assert dump(store.inner, tmp_path, "batched.nq") == dump(single.inner, tmp_path, "single.nq")
    # The merged default graph is the same too (dumps leave it out).
    merged = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert store.query(merged).rows == single.query(merged).rows


def test_batched_writes_replace_changed_documents(corpus, tmp_path):
    """A batch holding a graph that exists replaces it, and leaves what other documents say."""
    paths = sorted(corpus.iterdir())[:3]
    store = OxigraphStore()
    build(paths, store, jobs=1)
    before = dump(store, tmp_path, "before.nq")
    changed = tmp_path / paths[0].name
    changed.write_text(paths[0].read_text(encoding="utf-8") + "\n五、加强商标品牌建设。", encoding="utf-8")
    build([changed, *paths[1:]], store, jobs=1)
    after = dump(store, tmp_path, "after.nq")
    assert after != before
    expected = PerDocumentStore()
    build([changed, *paths[1:]], expected, jobs=1)
    assert after == dump(expected.inner, tmp_path, "expected.nq")
    merged = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert store.query(merged).rows == expected.query(merged).rows


# --------------------------------------------------------------------------- compaction


def test_a_large_write_compacts_the_store_and_keeps_its_graph(corpus, tmp_path, monkeypatch):
    import graph.pipeline as pipeline

    monkeypatch.setattr(pipeline, "BATCH_DOCUMENTS", 2)  # three bulk loads whose files overlap
    paths = sorted(corpus.iterdir())[:6]
    merged = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    built = {}
    for threshold in (6, 7):  # 6 documents: compacted; with a threshold of 7: not
        monkeypatch.setattr(pipeline, "COMPACT_DOCUMENTS", threshold)
        store = OxigraphStore(tmp_path / str(threshold), bulk_writes=True)
        report = build(paths, store, jobs=1)
        built[threshold] = (report.compact_seconds, store.table_files(), dump(store, tmp_path, f"{threshold}.nq"),
                            store.query(merged).rows)
        store.close()
    (seconds, files, data, count), (seconds_not, files_not, data_not, count_not) = built[6], built[7]
    assert seconds > 0 and seconds_not == 0
    assert files < files_not
    assert data == data_not and count == count_not


def test_small_writes_compact_only_once_the_table_files_pile_up(corpus, tmp_path, monkeypatch):
    import graph.pipeline as pipeline

    paths = sorted(corpus.iterdir())[:2]
    store = OxigraphStore(tmp_path / "s", bulk_writes=True)
    assert build(paths[:1], store, jobs=1).compact_seconds == 0
    monkeypatch.setattr(pipeline, "COMPACT_TABLE_FILES", 0)
    assert build(paths[1:], store, jobs=1).compact_seconds > 0
    # A removal compacts too, unless the caller (build's prune) compacts after it.
    monkeypatch.setattr(pipeline, "COMPACT_TABLE_FILES", 10**6)
    monkeypatch.setattr(pipeline, "COMPACT_DOCUMENTS", 1)
    calls = []
    monkeypatch.setattr(store, "compact", lambda: calls.append(1))
    assert remove([paths[0].name], store, compact=False) == [paths[0].name]
    assert calls == []
    assert remove([paths[1].name], store) == [paths[1].name]
    assert calls == [1]
    # An in-memory store has nothing to compact, however large the write.
    assert pipeline.compact_if_worthwhile(OxigraphStore(), 10**6) == 0


def test_a_read_only_store_refuses_to_compact(corpus, tmp_path):
    from graph.store import StoreError

    store = OxigraphStore(tmp_path / "s")
    build(sorted(corpus.iterdir())[:1], store, jobs=1)
    store.close()
    with pytest.raises(StoreError, match="read-only"):
        OxigraphStore(tmp_path / "s", read_only=True).compact()


def test_documents_written_since_the_last_compaction_add_up_across_builds_and_versions(corpus, tmp_path,
                                                                                       monkeypatch):
    """One-document builds leave the store slower without adding many files: they are counted,
    through each new version of a published store, until a compaction resets the count."""
    import graph.pipeline as pipeline
    from graph import storage

    monkeypatch.setattr(pipeline, "COMPACT_DOCUMENTS", 3)
    root = tmp_path / "store"
    seconds, counts = [], []
    for path in sorted(corpus.iterdir())[:4]:
        with storage.begin_build(root) as store:
            seconds.append(build([path], store, jobs=1).compact_seconds)
            counts.append(store.documents_since_compaction())
    assert [s > 0 for s in seconds] == [False, False, True, False]
    assert counts == [1, 2, 0, 1]
    published = storage.open_current(root)
    try:
        assert published.documents_since_compaction() == 1
    finally:
        published.close()


def test_a_count_that_cannot_be_kept_does_not_fail_the_build(corpus, tmp_path):
    store = OxigraphStore(tmp_path / "s")
    (tmp_path / "s" / "ipkg-maintenance.json").mkdir()  # in the way: writing the count fails
    report = build(sorted(corpus.iterdir())[:1], store, jobs=1)
    assert report.ok and len(report.built) == 1
    assert store.documents_since_compaction() == 0
