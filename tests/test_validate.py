"""graph.validate: the SHACL shapes (ontology/shapes.ttl) and the provenance check of offsets."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from graph.namespaces import IPKG, ORG, SH
from graph.validate import (
    SHAPES_PATH,
    ValidationReport,
    check_offsets,
    load_graph,
    main,
    validate,
)

#: The source text the tiny graph below was "read" from.
SOURCE = "一、总体要求\n加快推进陕西省知识产权保护中心建设。到2025年，有效发明专利拥有量达到5万件以上。"
FILE = "tiny.txt"


def span(text: str) -> tuple[int, int]:
    start = SOURCE.index(text)
    return start, start + len(text)


MEASURE_TEXT = "加快推进陕西省知识产权保护中心建设"
TARGET_TEXT = "有效发明专利拥有量达到5万件以上"
MENTION_TEXT = "陕西省知识产权保护中心"
M0, M1 = span(MEASURE_TEXT)
T0, T1 = span(TARGET_TEXT)
N0, N1 = span(MENTION_TEXT)

TINY = f"""
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix x: <https://w3id.org/ipkg/id/test/> .

x:doc a ipkg:Document ; ipkg:fileName "{FILE}" ; dcterms:title "测试文件"@zh-Hans ;
    dcterms:issued "2022-04"^^xsd:gYearMonth ; ipkg:level "province" ; ipkg:genre "规划" ;
    ipkg:script "simplified" ; ipkg:jurisdiction x:shaanxi ; ipkg:issuedBy x:agency ;
    ipkg:mentions x:center ; ipkg:cites x:policy ;
    ipkg:sha256 "{"0" * 64}" .
x:shaanxi a ipkg:Region ; skos:prefLabel "陕西省"@zh-Hans ; ipkg:adminLevel "province" .
x:xian a ipkg:Region ; skos:prefLabel "西安市"@zh-Hans ; ipkg:adminLevel "city" ; ipkg:partOf x:shaanxi .
x:agency a ipkg:GovernmentAgency ; skos:prefLabel "陕西省知识产权局"@zh-Hans ; ipkg:locatedIn x:shaanxi .
x:office a ipkg:InternalUnit ; skos:prefLabel "保护处"@zh-Hans ; org:subOrganizationOf x:agency .
x:center a ipkg:ProtectionCenter ; skos:prefLabel "陕西省知识产权保护中心"@zh-Hans ;
    skos:altLabel "省保护中心"@zh-Hans , "陝西省知識產權保護中心"@zh-Hant .
x:policy a ipkg:Policy ; skos:prefLabel "陕西省知识产权保护与运用条例"@zh-Hans .
x:indicator a ipkg:Indicator ; skos:prefLabel "有效发明专利拥有量"@zh-Hans .
x:measure a ipkg:Measure ; ipkg:statedIn x:doc ; ipkg:text "{MEASURE_TEXT}"@zh-Hans ;
    ipkg:quote "{MEASURE_TEXT}" ; ipkg:charStart {M0} ; ipkg:charEnd {M1} ; ipkg:section "一、总体要求" ;
    ipkg:servedBy x:center ; ipkg:responsibleUnit x:office ; ipkg:refersTo x:policy .
x:target a ipkg:Target ; ipkg:statedIn x:doc ; ipkg:indicator x:indicator ; ipkg:value 50000.0 ;
    ipkg:unit "件" ; ipkg:year 2025 ; ipkg:region x:shaanxi ; ipkg:qualifier "以上" ;
    ipkg:quote "{TARGET_TEXT}" ; ipkg:charStart {T0} ; ipkg:charEnd {T1} .
x:mention a ipkg:Mention ; ipkg:mentionOf x:center ; ipkg:inDocument x:doc ; ipkg:inMeasure x:measure ;
    ipkg:quote "{MENTION_TEXT}" ; ipkg:charStart {N0} ; ipkg:charEnd {N1} .
"""

X = "https://w3id.org/ipkg/id/test/"


def x(name: str) -> URIRef:
    return URIRef(X + name)


@pytest.fixture
def tiny() -> Graph:
    return Graph().parse(data=TINY, format="turtle")


def test_tiny_graph_conforms(tiny: Graph) -> None:
    report = validate(tiny, sources={FILE: SOURCE})
    assert isinstance(report, ValidationReport)
    assert report.conforms, report.text
    assert report.violations == []


def test_input_graph_is_not_modified(tiny: Graph) -> None:
    before = len(tiny)
    validate(tiny)
    assert len(tiny) == before  # the ontology was added to a copy


# --------------------------------------------------------------------------- broken graphs

Mutation = Callable[[Graph], None]


def drop(s: str, p: URIRef) -> Mutation:
    return lambda g: g.remove((x(s), p, None))


def put(s: str, p: URIRef, o: object) -> Mutation:
    def apply(g: Graph) -> None:
        g.remove((x(s), p, None))
        g.add((x(s), p, o))  # type: ignore[arg-type]
    return apply


def add(s: str, p: URIRef, o: object) -> Mutation:
    return lambda g: g.add((x(s), p, o))  # type: ignore[arg-type]


BROKEN: list[tuple[str, Mutation, str, URIRef, str]] = [
    # id, mutation, focus node, path, a piece of the English message
    ("measure-without-statedIn", drop("measure", IPKG.statedIn), "measure", IPKG.statedIn,
     "must be stated in exactly one document"),
    ("target-without-statedIn", drop("target", IPKG.statedIn), "target", IPKG.statedIn,
     "must be stated in exactly one document"),
    ("measure-in-two-documents", add("measure", IPKG.statedIn, x("other-doc")), "measure", IPKG.statedIn,
     "must be stated in exactly one document"),
    ("charStart-after-charEnd", put("measure", IPKG.charStart, Literal(M1 + 5)), "measure", IPKG.charStart,
     "must not be greater than ipkg:charEnd"),
    ("charStart-not-integer", put("target", IPKG.charStart, Literal(str(T0))), "target", IPKG.charStart,
     "non-negative integer ipkg:charStart"),
    ("negative-charEnd", put("mention", IPKG.charEnd, Literal(-1)), "mention", IPKG.charEnd,
     "non-negative integer ipkg:charEnd"),
    ("measure-without-quote", drop("measure", IPKG.quote), "measure", IPKG.quote, "non-empty ipkg:quote"),
    ("measure-without-text", drop("measure", IPKG.text), "measure", IPKG.text, "exactly one Chinese ipkg:text"),
    ("measure-text-in-english", put("measure", IPKG.text, Literal("Build the centre", lang="en")), "measure",
     IPKG.text, "exactly one Chinese ipkg:text"),
    ("two-prefLabels", add("center", SKOS.prefLabel, Literal("省保护中心", lang="zh-Hans")), "center",
     SKOS.prefLabel, "exactly one Chinese skos:prefLabel"),
    ("region-without-prefLabel", drop("xian", SKOS.prefLabel), "xian", SKOS.prefLabel,
     "exactly one Chinese skos:prefLabel"),
    ("indicator-label-in-english", put("indicator", SKOS.prefLabel, Literal("patents", lang="en")),
     "indicator", SKOS.prefLabel, "exactly one Chinese skos:prefLabel"),
    ("bad-level", put("doc", IPKG.level, Literal("provincial")), "doc", IPKG.level,
     "one of national, province, city, district"),
    ("level-with-language-tag", put("doc", IPKG.level, Literal("province", lang="en")), "doc", IPKG.level,
     "one of national, province, city, district"),
    ("no-level", drop("doc", IPKG.level), "doc", IPKG.level, "exactly one ipkg:level"),
    ("bad-genre", put("doc", IPKG.genre, Literal("通告")), "doc", IPKG.genre, "exactly one ipkg:genre"),
    ("no-fileName", drop("doc", IPKG.fileName), "doc", IPKG.fileName, "exactly one ipkg:fileName"),
    ("no-title", drop("doc", URIRef("http://purl.org/dc/terms/title")), "doc",
     URIRef("http://purl.org/dc/terms/title"), "exactly one dcterms:title"),
    ("issued-as-string", put("doc", URIRef("http://purl.org/dc/terms/issued"), Literal("2022年4月")), "doc",
     URIRef("http://purl.org/dc/terms/issued"), "xsd:gYear, xsd:gYearMonth or xsd:date"),
    ("bad-admin-level", put("xian", IPKG.adminLevel, Literal("prefecture")), "xian", IPKG.adminLevel,
     "ipkg:adminLevel"),
    ("servedBy-a-region", add("measure", IPKG.servedBy, x("shaanxi")), "measure", IPKG.servedBy,
     "ipkg:servedBy must be institutions"),
    ("responsibleUnit-a-policy", add("measure", IPKG.responsibleUnit, x("policy")), "measure",
     IPKG.responsibleUnit, "ipkg:responsibleUnit must be institutions"),
    ("subOrganizationOf-a-region", put("office", ORG.subOrganizationOf, x("shaanxi")), "office",
     ORG.subOrganizationOf, "org:subOrganizationOf must be institutions"),
    ("target-value-as-double", put("target", IPKG.value, Literal(5e4, datatype=XSD.double)), "target",
     IPKG.value, "exactly one ipkg:value (xsd:decimal)"),
    ("target-without-unit", drop("target", IPKG.unit), "target", IPKG.unit, "exactly one ipkg:unit"),
    ("target-without-indicator", drop("target", IPKG.indicator), "target", IPKG.indicator,
     "exactly one indicator"),
    ("mention-without-mentionOf", drop("mention", IPKG.mentionOf), "mention", IPKG.mentionOf,
     "exactly one ipkg:mentionOf"),
    ("mention-without-document", drop("mention", IPKG.inDocument), "mention", IPKG.inDocument,
     "exactly one document"),
    ("mention-without-offsets", drop("mention", IPKG.charStart), "mention", IPKG.charStart,
     "non-negative integer ipkg:charStart"),
    ("cites-an-institution", add("doc", IPKG.cites, x("agency")), "doc", IPKG.cites,
     "ipkg:cites must be policies"),
    ("partOf-a-document", add("xian", IPKG.partOf, x("doc")), "xian", IPKG.partOf,
     "ipkg:partOf must be regions"),
    ("summary-count-zero", add("policy", IPKG.citedByDocuments, Literal(0)), "policy", IPKG.citedByDocuments,
     "a positive integer"),
    ("summary-count-as-string", add("policy", IPKG.citedByDocuments, Literal("2")), "policy",
     IPKG.citedByDocuments, "a positive integer"),
    ("summary-province-a-document",
     lambda g: (add("policy", IPKG.citedByDocuments, Literal(1))(g), add("policy", IPKG.citedInProvince, x("doc"))(g)),
     "policy", IPKG.citedInProvince, "must be regions"),
    ("summary-without-documents", add("agency", IPKG.mentionedInProvinces, Literal(1)), "agency",
     IPKG.mentionedInProvincialDocuments, "exactly one, a positive integer"),
]


@pytest.mark.parametrize(("mutate", "focus", "path", "message"),
                         [pytest.param(*case[1:], id=case[0]) for case in BROKEN])
def test_broken_graph_fails_with_message(tiny: Graph, mutate: Mutation, focus: str, path: URIRef,
                                         message: str) -> None:
    mutate(tiny)
    report = validate(tiny, lang="en")
    assert not report.conforms
    hits = [v for v in report.violations if v.focus == x(focus) and v.path == path]
    assert hits, f"no result on {focus} {path}; got:\n" + "\n".join(map(str, report.violations))
    assert any(message in v.message for v in hits), [v.message for v in hits]
    assert all(v.severity == "Violation" for v in hits)


def test_messages_come_in_both_languages_by_default(tiny: Graph) -> None:
    tiny.remove((x("measure"), IPKG.statedIn, None))
    (violation,) = validate(tiny).violations
    focus, path, message, severity = violation  # a plain 4-tuple too
    assert (focus, path, severity) == (x("measure"), IPKG.statedIn, "Violation")
    assert message == ("必须恰有一个出处文件（ipkg:statedIn → ipkg:Document） / "
                       "must be stated in exactly one document (ipkg:statedIn → ipkg:Document)")
    (zh,) = validate(tiny, lang="zh").violations
    assert zh.message == "必须恰有一个出处文件（ipkg:statedIn → ipkg:Document）"


def test_subclass_instances_are_checked_without_their_superclass_type(tiny: Graph) -> None:
    # x:center is typed ipkg:ProtectionCenter only: the shapes reach it through the
    # ontology's rdfs:subClassOf, which validate() adds to the data when it is missing.
    tiny.add((x("center"), SKOS.prefLabel, Literal("另一个名称", lang="zh-Hans")))
    assert (x("center"), RDF.type, IPKG.Institution) not in tiny
    report = validate(tiny)
    assert [v.focus for v in report.violations] == [x("center")]


def test_graph_that_embeds_the_ontology_gives_the_same_report(tiny: Graph) -> None:
    from graph.validate import ONTOLOGY_PATH

    tiny.add((x("center"), SKOS.prefLabel, Literal("另一个名称", lang="zh-Hans")))
    embedded = Graph()
    embedded += tiny
    embedded.parse(ONTOLOGY_PATH, format="turtle")
    before = len(embedded)
    assert validate(embedded).violations == validate(tiny).violations
    assert len(embedded) == before  # validated in place, and left as it was


def test_files_and_datasets_are_accepted(tiny: Graph, tmp_path: Path) -> None:
    tiny.remove((x("measure"), IPKG.statedIn, None))
    ttl = tmp_path / "g.ttl"
    tiny.serialize(ttl, format="turtle")
    ds = Dataset()
    graph = ds.graph(URIRef("https://w3id.org/ipkg/graph/doc/test"))
    for triple in tiny:
        graph.add(triple)
    trig = tmp_path / "g.trig"
    ds.serialize(trig, format="trig")
    expected = validate(tiny).violations
    assert len(expected) == 1
    assert validate(ttl).violations == expected
    assert validate(str(trig)).violations == expected
    assert validate(ds).violations == expected
    assert len(load_graph(ds)) == len(tiny)


def test_custom_shapes_replace_the_default(tiny: Graph) -> None:
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ipkg: <https://w3id.org/ipkg/ontology#> .
        [] a sh:NodeShape ; sh:targetClass ipkg:Document ;
           sh:property [ sh:path ipkg:docNumber ; sh:minCount 1 ; sh:severity sh:Warning ;
                         sh:message "no document number"@en ] .
    """, format="turtle")
    report = validate(tiny, shapes=shapes, lang="en")
    assert report.conforms  # warnings do not break conformance
    assert [(v.focus, v.message, v.severity) for v in report.violations] == [
        (x("doc"), "no document number", "Warning")]


def test_every_shape_message_is_in_chinese_and_english() -> None:
    shapes = Graph().parse(SHAPES_PATH, format="turtle")
    owners = set(shapes.subjects(SH.message, None))
    assert owners
    for owner in owners:
        langs = {m.language for m in shapes.objects(owner, SH.message) if isinstance(m, Literal)}
        assert langs == {"zh-Hans", "en"}, (owner, langs)
    # every property shape carries its own message (sh:or members have no sh:path)
    for shape in shapes.subjects(SH.path, None):
        assert (shape, SH.message, None) in shapes, shape


# --------------------------------------------------------------------------- offsets


def test_offsets_match_their_quotes(tiny: Graph) -> None:
    assert check_offsets(tiny, {FILE: SOURCE}) == []
    assert check_offsets(tiny, {f"some/folder/{FILE}": SOURCE}) == []  # keys may be paths


def test_shifted_offsets_are_reported(tiny: Graph) -> None:
    tiny.set((x("mention"), IPKG.charStart, Literal(N0 + 1)))
    tiny.set((x("mention"), IPKG.charEnd, Literal(N1 + 1)))
    (mismatch,) = check_offsets(tiny, {FILE: SOURCE})
    assert (mismatch.node, mismatch.file_name, mismatch.start) == (x("mention"), FILE, N0 + 1)
    assert mismatch.quote == MENTION_TEXT
    assert mismatch.found == SOURCE[N0 + 1:N1 + 1]
    report = validate(tiny, sources={FILE: SOURCE})
    assert not report.conforms
    assert [(v.focus, v.path) for v in report.violations] == [(x("mention"), IPKG.quote)]
    assert "Offset mismatches" in report.text


def test_quote_in_simplified_for_a_traditional_source_is_a_mismatch(tiny: Graph) -> None:
    # The quote must be the source passage in its original script, not the converted text.
    traditional = SOURCE.replace("陕西省知识产权保护中心", "陝西省知識產權保護中心")
    mismatches = check_offsets(tiny, {FILE: traditional})
    assert {m.node for m in mismatches} == {x("measure"), x("mention")}


def test_offsets_past_the_end_are_reported(tiny: Graph) -> None:
    short = SOURCE[:T0]
    assert [m.node for m in check_offsets(tiny, {FILE: short})] == [x("target")]


def test_documents_without_a_source_are_skipped(tiny: Graph) -> None:
    assert check_offsets(tiny, {"another.txt": "…"}) == []


def test_value_as_python_decimal_round_trips(tiny: Graph) -> None:
    tiny.set((x("target"), IPKG.value, Literal(Decimal("1.32"))))
    assert validate(tiny).conforms


# --------------------------------------------------------------------------- command line


def test_command_line(tiny: Graph, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.ttl"
    tiny.serialize(good, format="turtle")
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / FILE).write_text(SOURCE, encoding="utf-8")
    assert main([str(good), "--sources", str(sources)]) == 0
    assert capsys.readouterr().out.strip().endswith("conforms")
    tiny.set((x("doc"), IPKG.level, Literal("provincial")))
    bad = tmp_path / "bad.ttl"
    tiny.serialize(bad, format="turtle")
    assert main([str(bad), "--lang", "zh"]) == 1
    out = capsys.readouterr().out
    assert "ipkg:level" in out and "1 violation(s)" in out
