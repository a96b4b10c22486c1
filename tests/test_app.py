"""Streamlit AppTest drives every page of the app over the hand-written fixture graph.

The fixture (tests/data/app_fixture.ttl, made by make_app_fixture.py from the
evaluation gold of the bundled corpus) is loaded into an in-memory store through
IPKG_FIXTURE, so these tests need neither a build nor a browser.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from graph import app_support
from graph.app_support import entity_param, open_app_store
from graph.network import EntityIndex, ego_network, select_subgraph
from graph.queries import saved_queries
from graph.visual import network_html

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
FIXTURE = ROOT / "tests" / "data" / "app_fixture.ttl"
PAGES = ["overview", "explore", "entity", "measures", "indicators", "sparql", "documents", "export"]


@pytest.fixture(autouse=True)
def fixture_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPKG_FIXTURE", str(FIXTURE))
    monkeypatch.delenv("IPKG_ENDPOINT", raising=False)


@pytest.fixture(scope="module")
def index() -> EntityIndex:
    import os

    os.environ["IPKG_FIXTURE"] = str(FIXTURE)
    try:
        return EntityIndex.from_store(open_app_store())
    finally:
        del os.environ["IPKG_FIXTURE"]


def open_page(page: str, lang: str = "zh", **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    if lang == "en":
        at.query_params["lang"] = "en"
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def iri_of(index: EntityIndex, label: str) -> str:
    return next(n.iri for n in index.nodes.values() if n.label("zh") == label)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page: str, lang: str) -> None:
    at = open_page(page, lang)
    assert at.title, "every page has a title"
    assert not at.error, [e.value for e in at.error]
    sidebar_text = " ".join(t.label for t in at.sidebar.toggle)
    assert "English" in sidebar_text


def test_chinese_by_default_english_on_switch() -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.title[0].value == "知识产权政策知识图谱"
    at.toggle(key="lang_en").set_value(True).run()
    assert at.title[0].value == "IP-policy knowledge graph"
    assert at.query_params.get("lang") == "en"


def test_overview_counts_and_charts() -> None:
    at = open_page("overview")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["文档"] == "5"
    assert int(metrics["措施"]) > 10
    assert at.dataframe[0].value["措施数"].sum() == int(metrics["措施"]), "each document's count adds up"
    assert len(at.get("vega_lite_chart")) >= 3
    assert at.get("graphviz_chart"), "the ontology picture"


def test_the_overview_reads_its_tables_together_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from graph import queries

    calls: list[tuple[str, str]] = []
    real = queries.run_rows

    def counted(store, name, **kw):
        calls.append((name, threading.current_thread().name))
        return real(store, name, **kw)

    monkeypatch.setattr(queries, "run_rows", counted)
    app_support._cached_rows.clear()
    open_page("overview")
    names = [name for name, _thread in calls]
    assert sorted(names) == sorted(set(names)), "each table is read once: the page reads what prefetch cached"
    assert {"documents", "institution_types_by_region", "targets_by_year"} <= set(names)
    pooled = {name for name, thread in calls if thread.startswith("ThreadPoolExecutor")}
    assert {"documents", "institution_types_by_region", "targets_by_year"} <= pooled, "read in threads of their own"


def test_explore_traditional_search_draws_network(index: EntityIndex) -> None:
    at = open_page("explore", q="秦創原")
    assert index.get(app_support.iri_from_param(at.selectbox(key="explore.e").value)).label() == "秦创原创新驱动平台"
    frames = at.get("iframe")
    assert frames, "the network is drawn"
    assert at.query_params["q"] == "秦創原" and at.query_params["e"].startswith("institution/")


def test_explore_partial_name_and_hops(index: EntityIndex) -> None:
    at = open_page("explore", q="保护中心", hops="2")
    assert "保护中心" in index.get(app_support.iri_from_param(at.selectbox(key="explore.e").value)).label()
    assert at.slider(key="explore.hops").value == 2
    assert at.query_params["hops"] == "2"


def test_explore_cap_shows_more(index: EntityIndex) -> None:
    seed = entity_param(iri_of(index, "陕西省"))
    at = open_page("explore", e=seed, hops="2", limit="10")
    assert any("more" in w.value or "未显示" in w.value for w in at.warning)


def test_explore_choosing_a_row_recentres(index: EntityIndex) -> None:
    seed = entity_param(iri_of(index, "秦创原创新驱动平台"))
    at = open_page("explore", e=seed)
    table = at.dataframe[0]
    first = table.value.iloc[0]["id"]
    at.session_state[table.key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.query_params["e"] == first


def test_explore_filters_by_class(index: EntityIndex) -> None:
    seed = entity_param(iri_of(index, "陕西省"))
    at = open_page("explore", e=seed, cls="Document")
    classes = set(at.dataframe[0].value["类别"])
    assert classes <= {"文档"}


def test_entity_relations_and_passages(index: EntityIndex) -> None:
    iri = iri_of(index, "陕西省知识产权保护中心")
    at = open_page("entity", e=entity_param(iri))
    assert at.header[0].value == "陕西省知识产权保护中心"
    assert len(at.dataframe) == 2  # relations out and in
    passages = [m.value for m in at.markdown if "<mark" in m.value]
    assert passages and all("陕西省知识产权保护中心" in p for p in passages)


@pytest.mark.parametrize(("page", "param"), [("entity", "e"), ("explore", "e"), ("export", "seed"),
                                             ("measures", "inst"), ("measures", "m")])
def test_a_hand_edited_link_that_names_no_iri_shows_no_traceback(page: str, param: str) -> None:
    at = open_page(page, **{param: "not an iri", **({"view": "institution"} if param == "inst" else {})})
    assert not at.exception and not at.error, [m.value for m in (*at.exception, *at.error)]


def test_measures_keyword_finds_serving_institutions() -> None:
    at = open_page("measures", q="知识产权保护中心")
    table = at.dataframe[0].value
    assert "陕西省知识产权保护中心" in set(table["机构"])
    assert at.get("download_button")


def test_measures_reverse_and_matrix(index: EntityIndex) -> None:
    inst = entity_param(iri_of(index, "陕西省知识产权保护中心"))
    at = open_page("measures", view="institution", inst=inst)
    assert len(at.dataframe[0].value) >= 1
    at = open_page("measures", view="matrix")
    matrix = at.dataframe[0].value
    assert "陕西省" in list(matrix.index)


def test_indicators_table_filter_and_csv(index: EntityIndex) -> None:
    at = open_page("indicators")
    assert len(at.dataframe[0].value) == 21
    # AppTest's select_index() picks by formatted label; set the option's value instead
    ind = entity_param(index.search("每万人口高价值", classes=["Indicator"])[0].iri)
    at.selectbox(key="indicators.ind").set_value(ind).run()
    assert 1 <= len(at.dataframe[0].value) < 21
    assert at.query_params["ind"] == ind
    assert at.get("download_button")


def charts(at: AppTest) -> list[tuple[dict, list[dict]]]:
    """Each Vega-Lite chart on the page: its spec and its data rows (sent as Arrow)."""
    import pyarrow as pa

    out = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        values = spec.get("data", {}).get("values")
        if values is None:
            values = pa.ipc.open_stream(chart.proto.data.data).read_all().to_pylist()
        out.append((spec, values))
    return out


def test_indicators_chart_counts_the_targets_of_each_region_and_year() -> None:
    at = open_page("indicators")
    table = at.dataframe[0].value
    with_year = table[table["年份"].notna()]
    ((spec, values),) = charts(at)
    assert spec["encoding"]["color"]["field"] == "地区"
    assert len(values) == len(with_year.groupby(["年份", "地区"]))
    assert sum(v["数量"] for v in values) == len(with_year)


def test_charts_count_by_year_alone_past_the_colour_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from graph import visual

    monkeypatch.setattr(visual, "CHART_SERIES_LIMIT", 1)
    at = open_page("indicators")
    with_year = at.dataframe[0].value["年份"].dropna()
    ((spec, values),) = charts(at)
    assert "color" not in spec["encoding"] and "xOffset" not in spec["encoding"]
    assert sorted(int(v["年份"]) for v in values) == sorted(set(with_year.astype(int)))
    assert sum(v["数量"] for v in values) == len(with_year)
    assert any("按年份合计" in c.value for c in at.caption)

    at = open_page("overview")
    by_year = next(values for spec, values in charts(at) if spec["encoding"]["x"]["field"] == "year")
    assert sum(v["n"] for v in by_year) == len(with_year)
    assert any("按年份合计" in c.value for c in at.caption)


@pytest.mark.parametrize("example", sorted(p.stem for p in (ROOT / "ontology" / "queries").glob("*.rq")))
def test_sparql_examples_run(example: str) -> None:
    params = {f"p_{p.name}": "陕西省知识产权保护中心" if p.name == "entity" else "知识产权保护中心" if p.name == "keyword"
              else "陕西省" for p in saved_queries()[example].parameters}
    at = open_page("sparql", ex=example, **params)
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("example", sorted(name for name, q in saved_queries().items()
                                            if q.parameters and not any(p.required for p in q.parameters)))
def test_sparql_examples_run_with_their_optional_parameters_left_empty(example: str) -> None:
    at = open_page("sparql", ex=example)
    assert not at.error and not at.info, [m.value for m in (*at.error, *at.info)]
    assert at.dataframe, "the query ran and its table is shown"  # (empty when the fixture has no match)
    assert saved_queries()[example].parameters[0].name in at.dataframe[0].value.columns


def test_sparql_syntax_error_shown_plainly() -> None:
    at = open_page("sparql", query="SELEC * WHERE {")
    assert at.error and "查询有误" in at.error[0].value


def test_sparql_refuses_updates() -> None:
    at = open_page("sparql", query="INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert at.error


def test_sparql_select_iris_as_network() -> None:
    at = open_page("sparql", ex="institutions_serving_measure", p_keyword="知识产权保护中心")
    assert at.get("iframe")
    assert len(at.get("download_button")) == 2  # CSV and JSON


def test_documents_text_highlighted() -> None:
    at = open_page("documents")
    marked = [m.value for m in at.markdown if "<mark" in m.value]
    assert marked and "陕西谱写高质量发展新篇章" in marked[0]
    assert at.get("file_uploader")


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "nt", "graphml", "gexf", "csv", "html"])
def test_export_formats(fmt: str, index: EntityIndex) -> None:
    seed = entity_param(iri_of(index, "秦创原创新驱动平台"))
    at = open_page("export", seed=seed, fmt=fmt)
    assert any("个节点" in m.value for m in at.markdown)
    assert at.get("download_button")


def test_network_html_has_no_cdn_and_escapes_text(index: EntityIndex) -> None:
    iri = iri_of(index, "秦创原创新驱动平台")
    index.nodes[iri].labels["zh"] = "</script><script>alert(1)</script>"
    try:
        html = network_html(ego_network(index, [iri], 1)[0])
    finally:
        index.nodes[iri].labels["zh"] = "秦创原创新驱动平台"
    assert "<script>alert(1)" not in html
    # every script and style is inline: nothing for the browser to fetch
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "vis.Network" in html


def test_ego_network_cap_and_physics_switch(index: EntityIndex) -> None:
    seed = iri_of(index, "陕西省")
    net, hidden = ego_network(index, [seed], 3, cap=50)
    assert net.number_of_nodes() == 50 and hidden > 0
    page = network_html(net, physics=False)
    options = json.loads(page.split("var options = ", 1)[1].split(";\n", 1)[0])
    assert options["physics"]["enabled"] is False


def test_search_ranks_exact_then_prefix(index: EntityIndex) -> None:
    hits = index.search("陕西省知识产权保护中心")
    assert hits[0].label() == "陕西省知识产权保护中心"
    assert index.search("秦創原")[0].label().startswith("秦创原")


# --------------------------------------------------------------------------- the store and index the pages share


def _versioned_store(root: Path) -> None:
    from graph import storage, summaries
    from graph.namespaces import document_graph

    with storage.begin_build(root) as writer:
        writer.load_file(FIXTURE, document_graph(FIXTURE.name))
        summaries.refresh(writer)  # as a build leaves it: the app would otherwise publish them first


def test_the_index_is_kept_beside_the_store_for_its_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graph import storage
    from graph.app_support import kept_dir, load_index

    root = tmp_path / "store"
    _versioned_store(root)
    store = storage.open_current(root)
    try:
        index = load_index(store, root)
        ident = storage.version_id(root, store.version)
        assert ident and kept_dir(store, root) == tmp_path / ".ipkg-index" / f"store-v{store.version}.{ident[:12]}"
        assert (kept_dir(store, root) / "index.json").is_file()
        monkeypatch.setattr(EntityIndex, "from_store", classmethod(lambda *_a, **_k: pytest.fail("built again")))
        assert load_index(store, root).nodes == index.nodes  # read back, not rebuilt
    finally:
        store.close()


def test_a_store_built_anew_never_reads_what_was_kept_for_its_predecessor(tmp_path: Path) -> None:
    """Deleting a store and building it again numbers its versions from 1 again."""
    import shutil

    from graph import storage
    from graph.app_support import kept_dir, load_index

    root = tmp_path / "store"
    _versioned_store(root)
    store = storage.open_current(root)
    try:
        load_index(store, root)
        first = kept_dir(store, root)
    finally:
        store.close()
    shutil.rmtree(root)
    with storage.begin_build(root) as writer:  # version 1 again, holding something else
        writer.update("INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> a <https://w3id.org/ipkg/ontology#Document> } }")
    store = storage.open_current(root)
    try:
        assert store.version == 1 and kept_dir(store, root) != first
        index = load_index(store, root)
        assert set(index.nodes) == {"urn:x:a"}, "read from the new graph, not the kept index of the old one"
    finally:
        store.close()


def test_a_new_version_never_closes_the_store_a_session_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graph import storage
    from graph.store import StoreError

    root = tmp_path / "store"
    _versioned_store(root)
    monkeypatch.delenv("IPKG_FIXTURE")
    monkeypatch.setenv("IPKG_STORE", str(root))
    ask = "ASK { ?document a <https://w3id.org/ipkg/ontology#Document> }"
    try:
        first = app_support.get_store()
        assert app_support.get_store() is first
        with storage.begin_build(root) as writer:  # an upload elsewhere publishes a new version
            writer.remove_graph(next(iter(writer.graphs())))
        second = app_support.get_store()
        assert second is not first and second.version > first.version
        assert first.query(ask).boolean, "the old version stays open for the sessions still reading it"
        monkeypatch.setattr(app_support, "RETIRE_AFTER_S", 0.0)
        app_support.get_store()
        with pytest.raises(StoreError):
            first.query(ask)  # closed once its time is up
        assert second.query(ask).boolean is False
    finally:
        for key, (store, _since) in list(app_support._OPEN.items()):
            if key.startswith(str(root)):
                store.close()
                del app_support._OPEN[key]


@pytest.fixture
def read_from_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app as it runs on a graph too large to hold in memory: pages ask the store (StoreIndex)."""

    def never(cls, store, **kw):
        raise AssertionError("a large graph's whole index is not read")

    monkeypatch.setattr(app_support, "FULL_INDEX_NODES", 0)
    monkeypatch.setattr(EntityIndex, "from_store", classmethod(never))
    app_support._cached_index.clear()
    app_support._cached_store_index.clear()
    yield
    app_support._cached_index.clear()
    app_support._cached_store_index.clear()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_from_the_store(page: str, read_from_store: None) -> None:
    at = open_page(page)
    assert at.title and not at.error, [e.value for e in at.error]
    assert any("按需" in c.value for c in at.sidebar.caption), "the sidebar says the graph is read as needed"


def test_the_overview_of_a_large_graph_counts_as_the_index_does(monkeypatch: pytest.MonkeyPatch) -> None:
    in_memory = metrics(open_page("overview"))
    monkeypatch.setattr(app_support, "FULL_INDEX_NODES", 0)
    app_support._cached_store_index.clear()
    from_store = metrics(open_page("overview"))
    assert from_store == in_memory and int(from_store["措施"]) > 10


def test_a_large_graph_is_searched_and_explored_through_the_store(index: EntityIndex,
                                                                  read_from_store: None) -> None:
    at = open_page("explore", q="秦創原")  # Traditional script, found in the labels
    center = app_support.iri_from_param(at.selectbox(key="explore.e").value)
    assert index.get(center).label() == "秦创原创新驱动平台"
    assert at.get("iframe"), "the network is drawn"
    shown = {app_support.iri_from_param(i) for i in at.dataframe[0].value["id"]}
    assert shown == {str(n) for n in select_subgraph(index, [center], 1).nodes[1:]}

    at = open_page("entity", e=entity_param(center))
    assert at.header[0].value == "秦创原创新驱动平台"


def test_sparql_on_a_large_graph_resolves_names_and_draws_results(read_from_store: None) -> None:
    at = open_page("sparql", ex="describe_entity", p_entity="陕西省知识产权保护中心")
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert len(table) and any("陕西省知识产权保护中心" in str(v) for v in table.to_numpy().ravel())
    assert at.get("iframe"), "the result is drawn as a network"


@pytest.fixture
def many_measures(monkeypatch: pytest.MonkeyPatch, read_from_store: None) -> None:
    """The Measures page as on a graph with more measures than it lists at once."""
    monkeypatch.setattr(app_support, "MEASURES_LISTED", 10)


def measure_table(at: AppTest) -> list[tuple[str, str, str, str]]:
    table = at.dataframe[0].value
    return sorted(set(zip(table["措施"], table["机构"], table["类型"], table["角色"], strict=True)))


def test_many_measures_are_looked_up_by_keyword(many_measures: None, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page("measures")
    assert not at.dataframe and "按需查询" in at.caption[0].value  # nothing is read before a keyword
    keyword = "知识产权保护中心"
    at = open_page("measures", q=keyword)
    found = measure_table(at)
    assert any(inst == "陕西省知识产权保护中心" for _, inst, *_ in found) and not at.warning
    # The same rows as the page lists on a small graph, for the measures whose text has the keyword.
    monkeypatch.setattr(app_support, "MEASURES_LISTED", 10**9)
    small = [row for row in measure_table(open_page("measures", q=keyword)) if keyword in row[0]]
    assert found == small
    monkeypatch.setattr(app_support, "MEASURES_LISTED", 10)
    monkeypatch.setattr(app_support, "MEASURES_MATCHED", 1)
    assert open_page("measures", q=keyword).warning, "says when the list stops at the limit"


def test_many_measures_are_looked_up_by_institution(many_measures: None, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page("measures", view="institution")
    assert not at.dataframe and not at.exception
    at = open_page("measures", view="institution", q="陕西省知识产权保护中心")
    picked = at.selectbox(key="measures.inst").value
    table = at.dataframe[0].value
    assert len(table) >= 1
    monkeypatch.setattr(app_support, "MEASURES_LISTED", 10**9)
    small = open_page("measures", view="institution", inst=picked).dataframe[0].value
    assert sorted(table["措施"]) == sorted(small["措施"])
    assert sorted(table["文档"]) == sorted(small["文档"])


def test_the_keyword_query_stops_where_the_page_says() -> None:
    from graph.queries import internal_queries

    assert f"LIMIT {app_support.MEASURES_MATCHED}" in internal_queries()["measures_matching"].sparql.replace(",", "")


def test_many_measures_leave_the_region_matrix_as_it_is(many_measures: None) -> None:
    assert open_page("measures", view="matrix").dataframe


def test_many_targets_are_listed_per_indicator(read_from_store: None, monkeypatch: pytest.MonkeyPatch,
                                               index: EntityIndex) -> None:
    small = open_page("indicators")
    every = small.dataframe[0].value
    monkeypatch.setattr(app_support, "TARGETS_LISTED", 10)
    at = open_page("indicators")
    assert not at.dataframe and at.info and "请选择指标" in at.info[0].value
    ((_spec, values),) = charts(at)
    assert sum(v["数量"] for v in values) == every["年份"].notna().sum(), "counts per year stand in for the rows"
    assert [o for o in at.selectbox(key="indicators.ind").options if o != "全部"] == \
        sorted(set(small.selectbox(key="indicators.ind").options) - {"全部"}), "the same indicators to pick"
    ind = entity_param(index.search("每万人口高价值", classes=["Indicator"])[0].iri)
    at = open_page("indicators", ind=ind)
    table = at.dataframe[0].value
    monkeypatch.setattr(app_support, "TARGETS_LISTED", 10**9)
    want = open_page("indicators", ind=ind).dataframe[0].value
    assert len(table) >= 1 and table.to_dict("records") == want.to_dict("records")


def test_the_entity_page_does_not_ask_the_store_once_per_relation(read_from_store: None, index: EntityIndex,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from graph import store_index
    from graph.queries import entity_card

    seed = entity_param(iri_of(index, "陕西省"))
    # as the in-memory index of the whole graph names them
    want = [index.get(r.other).label("zh") for r in entity_card(open_app_store(), iri_of(index, "陕西省")).incoming]
    open_page("explore", e=seed, limit="10")  # every neighbour read, ten of them described
    asked: list[str] = []
    real = store_index.run_saved

    def counted(store, name, **kw):
        asked.append(name)
        return real(store, name, **kw)

    monkeypatch.setattr(store_index, "run_saved", counted)
    at = open_page("entity", e=seed)
    got = at.dataframe[1].value
    assert len(got) > 20, "many relations in"
    assert asked.count("entity_index") <= 3, asked
    assert sorted(got["名称"]) == sorted(want), "the same names as the in-memory index gives"


def test_an_index_past_the_time_limit_gives_way_to_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the whole index passed the time limit (a 10,000-document graph did, after minutes):
    the pages read the store instead, and the index is not tried again for the same version."""
    from graph.store import QueryTimeout

    calls = []

    def too_slow(cls, store, **kw):
        calls.append(1)
        raise QueryTimeout("query stopped after the 120 s time limit")

    monkeypatch.setattr(EntityIndex, "from_store", classmethod(too_slow))
    monkeypatch.setattr(app_support, "_INDEX_TIMED_OUT", {})
    app_support._cached_index.clear()
    try:
        at = open_page("overview")
        assert not at.error and metrics(at)["文档"] == "5"
        assert any("按需" in c.value for c in at.sidebar.caption)
        at = open_page("explore", q="保护中心")
        assert at.get("iframe")
        assert calls == [1], "one attempt per store version"
    finally:
        app_support._cached_index.clear()


def test_overview_says_which_documents_a_build_would_read_again(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import graph.pipeline
    import graph.rdf
    from graph import storage
    from graph.pipeline import build

    source = tmp_path / "elsewhere"
    source.mkdir()
    (source / "district_plan.txt").write_bytes(
        (Path(__file__).parent / "data" / "documents" / "chengdu_district.txt").read_bytes())
    root = tmp_path / "store"
    with monkeypatch.context() as earlier:  # built by an earlier release, with other rules
        for module in (graph.pipeline, graph.rdf):
            earlier.setattr(module, "extraction_fingerprint", lambda: "0123456789abcdef")
        with storage.begin_build(root) as store:
            build([source / "district_plan.txt"], store, jobs=1)
    assert app_support.documents_read_with_other_rules(root) == ["district_plan.txt"]
    monkeypatch.delenv("IPKG_FIXTURE", raising=False)
    monkeypatch.delenv("IPKG_ENDPOINT", raising=False)
    monkeypatch.setenv("IPKG_STORE", str(root))
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert not at.exception, at.exception
        notes = [i.value for i in at.info]
        # The app has not the file to read it again (it is not bundled): it says how to.
        assert any("1 篇" in n and f"--out {root}" in n for n in notes), notes
        with storage.begin_build(root) as store:  # the user builds again with this version
            build([source / "district_plan.txt"], store, jobs=1)
        assert app_support.documents_read_with_other_rules(root) == []
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert not any("篇非内置文档" in i.value for i in at.info)
    finally:
        for key, (store, _since) in list(app_support._OPEN.items()):
            if key.startswith(str(root)):
                store.close()
                del app_support._OPEN[key]
