"""Saved queries (ontology/queries/*.rq), run through pyoxigraph.

Every case runs twice: with pyoxigraph's own `substitutions=` (SEP-0007) and with the
query layer's rewrite of the query text (`graph.store.bind_query`, what the app and
the CLI use). A query must give the same answer both ways.

Hand-made cases live as file triplets, rdflib's W3C-suite style, collected by glob:

    tests/queries/<query>/data.ttl        a small graph (loaded as one document graph,
                                          beside the ontology in its own graph)
    tests/queries/<query>/params.json     parameter bindings (may be {})
    tests/queries/<query>/expected.json  {"rows": [...], "ordered": bool} for SELECT,
                                          {"triples": [[s, p, o], ...]} for CONSTRUCT/DESCRIBE

A variant of a case is a folder `<query>.<variant>/`; without its own data.ttl it
uses `<query>/data.ttl`. Terms are written as strings: `"<id:doc/a>"` is an IRI
(prefixes from graph.namespaces.PREFIXES, or a full IRI), anything else a literal
compared by its lexical form, `null` an unbound cell; a params.json number is an
xsd:integer. Expected rows may list only some columns: the others are not compared.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.plugins.sparql import prepareQuery

from graph import summaries
from graph.namespaces import ONTOLOGY_GRAPH, PREFIXES
from graph.pipeline import ONTOLOGY_FILE
from graph.store import OxigraphStore, bind_query, to_ox
from graph.summaries import SUMMARY_GRAPH

ROOT = Path(__file__).resolve().parents[1]
QUERY_DIR = ROOT / "ontology" / "queries"
CASE_DIR = Path(__file__).resolve().parent / "queries"
DOC_GRAPH = ox.NamedNode("https://w3id.org/ipkg/graph/doc/test")

#: The two ways parameters get bound: pyoxigraph's substitutions, and the query
#: layer's rewrite of the query text (graph.store.bind_query). Both must work.
BINDERS = ["substitutions", "bind_query"]

HEADER = re.compile(r"^#\s*(title_zh|title_en|description|param):\s*(.*)$")


# --------------------------------------------------------------------------- helpers


def query_files() -> list[Path]:
    """Every saved query, sorted by name."""
    return sorted(QUERY_DIR.glob("*.rq"))


def header(text: str) -> dict[str, Any]:
    """The header comment of a saved query: titles, description and parameters."""
    out: dict[str, Any] = {"param": {}, "kind": {}}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = HEADER.match(line)
        if not m:
            continue
        key, value = m.groups()
        if key == "param":
            name, _, doc = value.partition(" ")
            name, _, kind = name.partition(":")
            out["param"][name] = doc.strip()
            out["kind"][name] = kind or "str"
        else:
            out[key] = value.strip()
    return out


def expand(curie: str) -> str:
    """A full IRI from `prefix:local` (known prefixes) or an IRI as it is."""
    prefix, sep, local = curie.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return curie


def compact(iri: str) -> str:
    """`prefix:local` for an IRI in a known namespace (longest match), else the IRI."""
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


def to_term(value: Any) -> ox.NamedNode | ox.Literal:
    """A params.json value as a pyoxigraph term."""
    if isinstance(value, bool):
        return ox.Literal(str(value).lower(), datatype=ox.NamedNode(PREFIXES["xsd"] + "boolean"))
    if isinstance(value, int):
        return ox.Literal(value)
    if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
        return ox.NamedNode(expand(value[1:-1]))
    return ox.Literal(str(value))


def show(term: Any) -> str | None:
    """A result term as written in expected.json."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return f"<{compact(term.value)}>"
    if isinstance(term, ox.BlankNode):
        return "_:b"
    return term.value


def load_store(data: Path) -> ox.Store:
    """An in-memory store laid out as the build lays it out: data, ontology and summary graphs."""
    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.TURTLE, to_graph=DOC_GRAPH)
    store.bulk_load(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(ONTOLOGY_GRAPH)))
    # The summaries the build would keep for this data (graph.summaries), computed on a
    # store of the query layer and copied over.
    built = OxigraphStore()
    built.load_file(data, URIRef(DOC_GRAPH.value))
    built.load_file(ONTOLOGY_FILE, ONTOLOGY_GRAPH)
    summaries.refresh(built)
    summary = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?s ?p ?o }} }}"
    store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.NamedNode(str(SUMMARY_GRAPH)))
                 for s, p, o in built.query(summary).triples)
    return store


def to_rdflib(value: Any) -> URIRef | Literal:
    """A params.json value as an rdflib term (what the query layer binds)."""
    term = to_term(value)
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def run(store: ox.Store, text: str, params: dict[str, Any], binder: str = "substitutions") -> dict[str, Any]:
    """Run a query with bound parameters; rows (as dicts) or triples, shown as strings.

    `binder` is "substitutions" (pyoxigraph's own, SEP-0007) or "bind_query" (the query
    layer's rewrite of the text, graph.store.bind_query, which the app and CLI use).
    """
    if binder == "bind_query":
        text = bind_query(text, {k: to_rdflib(v) for k, v in params.items()})
        substitutions = {}
    else:
        substitutions = {ox.Variable(k): to_term(v) for k, v in params.items()}
    result = store.query(text, use_default_graph_as_union=True, substitutions=substitutions)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return {"rows": [{n: show(row[n]) for n in names} for row in result]}
    if isinstance(result, ox.QueryBoolean):
        return {"boolean": bool(result)}
    return {"triples": sorted([show(t.subject), show(t.predicate), show(t.object)] for t in result)}


def cases() -> Iterator[Any]:
    """One pytest param per case folder."""
    for folder in sorted(p for p in CASE_DIR.iterdir() if p.is_dir()):
        query = folder.name.split(".", 1)[0]
        yield pytest.param(folder, query, id=folder.name)


# --------------------------------------------------------------------------- the cases


@pytest.mark.parametrize("binder", BINDERS)
@pytest.mark.parametrize(("folder", "query"), list(cases()))
def test_case(folder: Path, query: str, binder: str) -> None:
    rq = QUERY_DIR / f"{query}.rq"
    assert rq.exists(), f"{folder.name}: no saved query {rq.name}"
    data = folder / "data.ttl"
    if not data.exists():
        data = CASE_DIR / query / "data.ttl"
    params = json.loads((folder / "params.json").read_text("utf-8"))
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    declared = header(rq.read_text("utf-8"))["param"]
    assert set(params) <= set(declared), f"params.json binds undeclared {set(params) - set(declared)}"

    kinds = header(rq.read_text("utf-8"))["kind"]
    for name, value in params.items():
        if kinds[name] == "iri":
            assert str(value).startswith("<"), f"{name} takes an IRI: write it as \"<...>\""
        if kinds[name] == "int":
            assert isinstance(value, int), f"{name} takes an integer"

    got = run(load_store(data), rq.read_text("utf-8"), params, binder)

    if "triples" in expected:
        want = sorted(expected["triples"])
        assert got["triples"] == want, json.dumps(
            {"missing": [t for t in want if t not in got["triples"]],
             "extra": [t for t in got["triples"] if t not in want]}, ensure_ascii=False, indent=1)
        return
    assert_rows(got["rows"], expected["rows"], ordered=bool(expected.get("ordered")))


def assert_rows(got: list[dict[str, Any]], want: list[dict[str, Any]], *, ordered: bool) -> None:
    """Each wanted row matches one got row on the wanted row's own columns; no rows left over."""

    def fits(w: dict[str, Any], g: dict[str, Any]) -> bool:
        return all(g.get(k) == v for k, v in w.items())

    report = json.dumps({"got": got, "want": want}, ensure_ascii=False, indent=1)
    assert len(got) == len(want), report
    if ordered:
        assert all(fits(w, g) for w, g in zip(want, got, strict=True)), report
        return
    left = list(got)
    for w in want:
        hit = next((g for g in left if fits(w, g)), None)
        assert hit is not None, f"no row fits {json.dumps(w, ensure_ascii=False)}\n{report}"
        left.remove(hit)


# --------------------------------------------------------------------------- the files


@pytest.mark.parametrize("rq", query_files(), ids=lambda p: p.stem)
def test_query_file_is_well_formed(rq: Path) -> None:
    """Header lines present, parameters used and substitutable, standard SPARQL 1.1."""
    text = rq.read_text("utf-8")
    head = header(text)
    for key in ("title_zh", "title_en", "description"):
        assert head.get(key), f"{rq.name}: no `# {key}:` header line"
    assert re.search(r"[\u4e00-\u9fff]", head["title_zh"]), f"{rq.name}: title_zh is not Chinese"
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for name, doc in head["param"].items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), f"{rq.name}: parameter name {name!r}"
        assert head["kind"][name] in ("str", "iri", "int", "decimal"), f"{rq.name}: type of {name}"
        assert ("required" in doc) != ("optional" in doc), f"{rq.name}: say whether {name} is required"
        assert " / " in doc, f"{rq.name}: parameter {name} needs a Chinese / English description"
        assert f"?{name}" in body, f"{rq.name}: parameter {name} is never used"
        # pyoxigraph substitutes only variables that a SELECT (or sub-select) projects or
        # a DESCRIBE names; a CONSTRUCT resolves its parameters in a sub-select.
        assert re.search(rf"(SELECT|DESCRIBE)[^{{]*\?{name}\b", body), f"{rq.name}: ?{name} is not projected"
        assert not re.search(rf"BOUND\(\s*\?{name}\s*\)", body), (
            f"{rq.name}: BOUND(?{name}) is folded to false by Oxigraph before substitution; use COALESCE")
    # Plain SPARQL 1.1 (rdflib's parser), so an endpoint store can run it too.
    prepareQuery(text)


def test_every_saved_query_has_a_case() -> None:
    tested = {p.name.split(".", 1)[0] for p in CASE_DIR.iterdir() if p.is_dir()}
    missing = [p.stem for p in query_files() if p.stem not in tested]
    assert not missing, f"saved queries without a case under tests/queries/: {missing}"


def test_required_parameters_give_nothing_when_unbound() -> None:
    """A required parameter left unbound yields no rows rather than the whole graph."""
    store = load_store(CASE_DIR / "ego_network" / "data.ttl")
    for rq in query_files():
        text = rq.read_text("utf-8")
        required = [n for n, doc in header(text)["param"].items() if "required" in doc]
        if not required:
            continue
        got = run(store, text, {})
        assert not got.get("rows") and not got.get("triples"), f"{rq.name} ran without {required}"


# --------------------------------------------------------------------------- the bundled corpus
#
# Every saved query on the graph built from data/corpus, with answers read from the
# corpus (and the evaluation gold): what an analyst asking that question must see.
# Checks are "includes", not exact, so better extraction does not break them.


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """The bundled corpus built once with `python -m graph build`, loaded as the scorer loads it."""
    out = tmp_path_factory.mktemp("corpus") / "graph.ttl"
    cmd = [sys.executable, "-m", "graph", "build", str(ROOT / "data" / "corpus"), "--out", str(out),
           "--no-validate"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and out.exists(), f"build failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    store = ox.Store()
    store.bulk_load(path=str(out), format=ox.RdfFormat.TURTLE, to_graph=DOC_GRAPH)
    return store


def column(result: dict[str, Any], name: str) -> list[Any]:
    return [row[name] for row in result["rows"]]


def check_serving(r: dict[str, Any]) -> None:
    labels = column(r, "institutionLabel")
    assert {"陕西省知识产权保护中心", "中国(西安)知识产权保护中心", "中国(甘肃)知识产权保护中心"} <= set(labels)
    assert all(int(n) >= 1 for n in column(r, "measures"))


def check_measures_of(r: dict[str, Any]) -> None:
    assert r["rows"], "陕西省知识产权保护中心 serves no measure"
    assert {row["provinceLabel"] for row in r["rows"]} == {"陕西省"}
    assert any("陕西省知识产权保护中心建设" in row["text"] for row in r["rows"])


def check_cited_by_002(r: dict[str, Any]) -> None:
    assert "知识产权强国建设纲要(2021—2035年)" in column(r, "policyLabel")
    assert set(column(r, "fileName")) == {"002_d03b6dd1b66d5dd2.txt"}


def check_citing_outline(r: dict[str, Any]) -> None:
    assert "002_d03b6dd1b66d5dd2.txt" in column(r, "fileName")


def check_gansu_targets(r: dict[str, Any]) -> None:
    found = {(row["indicatorLabel"], row["value"], row["targetYear"]) for row in r["rows"]}
    assert ("有效发明专利拥有量", "10000", "2025") in found
    assert ("每万人口高价值发明专利拥有量", "1.32", "2025") in found
    assert set(column(r, "regionLabel")) == {"甘肃省"}


def check_targets_2025(r: dict[str, Any]) -> None:
    assert r["rows"]
    assert set(column(r, "targetYear")) == {"2025"}
    assert all("发明专利" in label for label in column(r, "indicatorLabel"))


def check_protection_regions(r: dict[str, Any]) -> None:
    assert {"陕西省", "西安市", "甘肃省", "山东省"} <= set(column(r, "regionLabel"))


def check_responsible(r: dict[str, Any]) -> None:
    (row,) = [row for row in r["rows"] if "加强全省知识产权指标统计监测" in row["text"]]
    for unit in ("办公室", "政策法规处", "规划协调处"):
        assert unit in row["units"]


def check_shaanxi_documents(r: dict[str, Any]) -> None:
    assert set(column(r, "fileName")) == {"000_30989b61d970a54d.txt", "002_d03b6dd1b66d5dd2.txt"}


def check_district_documents(r: dict[str, Any]) -> None:
    assert column(r, "fileName") == ["004_be5da60cd2e374ba.txt"]


def check_outline_documents(r: dict[str, Any]) -> None:
    assert column(r, "fileName") == ["001_c4ffeb260150952e.txt"]


def check_across_provinces(r: dict[str, Any]) -> None:
    by_label = {row["institutionLabel"]: int(row["provinces"]) for row in r["rows"]}
    assert by_label.get("国家知识产权局", 0) >= 3
    assert all(n >= 2 for n in by_label.values())


def check_most_cited(r: dict[str, Any]) -> None:
    docs = {row["policyLabel"]: int(row["documents"]) for row in r["rows"]}
    assert docs.get("知识产权强国建设纲要(2021—2035年)", 0) >= 2
    assert list(docs.values()) == sorted(docs.values(), reverse=True)


def check_ego(r: dict[str, Any]) -> None:
    triples = r["triples"]
    (center,) = {s for s, p, o in triples if p == "<skos:prefLabel>" and o == "陕西省知识产权保护中心"}
    assert any(p == "<ipkg:servedBy>" and o == center for s, p, o in triples)
    assert any(p == "<ipkg:mentions>" and o == center for s, p, o in triples)
    assert not any(p == "<ipkg:mentionOf>" for s, p, o in triples)


def check_describe(r: dict[str, Any]) -> None:
    predicates = {p for s, p, o in r["triples"]}
    assert {"<skos:prefLabel>", "<ipkg:mentionOf>", "<ipkg:quote>"} <= predicates


CORPUS_CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    ("protection-centre", "institutions_serving_measure", {"keyword": "知识产权保护中心"}, check_serving),
    ("shaanxi-centre", "measures_of_institution", {"institution": "陕西省知识产权保护中心"}, check_measures_of),
    ("doc-002", "policies_cited_by_document", {"document": "002_d03b6dd1b66d5dd2.txt"}, check_cited_by_002),
    ("outline", "documents_citing_policy", {"policy": "知识产权强国建设纲要"}, check_citing_outline),
    ("gansu", "targets", {"region": "甘肃省"}, check_gansu_targets),
    ("patents-2025", "targets", {"indicator": "发明专利", "year": 2025}, check_targets_2025),
    ("all", "regions_with_protection_center", {}, check_protection_regions),
    ("statistics", "responsible_units_per_measure",
     {"document": "002_d03b6dd1b66d5dd2.txt", "keyword": "统计监测"}, check_responsible),
    ("shaanxi", "documents_by_region_level_genre", {"region": "陕西省"}, check_shaanxi_documents),
    ("district", "documents_by_region_level_genre", {"level": "district"}, check_district_documents),
    ("outline-genre", "documents_by_region_level_genre", {"genre": "纲要"}, check_outline_documents),
    ("all", "institutions_across_provinces", {}, check_across_provinces),
    ("all", "policies_most_cited", {}, check_most_cited),
    ("shaanxi-centre", "ego_network", {"entity": "陕西省知识产权保护中心"}, check_ego),
]


@pytest.mark.slow
@pytest.mark.parametrize("binder", BINDERS)
@pytest.mark.parametrize(("query", "params", "check"),
                         [pytest.param(q, p, c, id=f"{q}-{i}") for i, q, p, c in CORPUS_CASES])
def test_on_the_corpus(corpus_store: ox.Store, query: str, params: dict[str, Any], check: Any,
                       binder: str) -> None:
    check(run(corpus_store, (QUERY_DIR / f"{query}.rq").read_text("utf-8"), params, binder))


@pytest.mark.slow
@pytest.mark.parametrize("binder", BINDERS)
def test_describe_on_the_corpus(corpus_store: ox.Store, binder: str) -> None:
    # describe_entity takes an IRI: find the centre's first.
    (iri,) = {row["e"] for row in run(corpus_store, """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?e WHERE { ?e skos:prefLabel ?l FILTER(STR(?l) = "陕西省知识产权保护中心") }""", {})["rows"]}
    check_describe(run(corpus_store, (QUERY_DIR / "describe_entity.rq").read_text("utf-8"),
                       {"entity": iri}, binder))


def test_every_saved_query_runs_on_the_corpus() -> None:
    tested = {q for _, q, _, _ in CORPUS_CASES} | {"describe_entity"}
    assert tested == {p.stem for p in query_files()}
