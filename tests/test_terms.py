"""N-Triples terms written by hand (graph.terms) against pyoxigraph's and rdflib's readings of them."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from graph.extract import extract
from graph.normalise import normalise
from graph.rdf import document_statements, document_triples
from graph.resolve import resolve
from graph.segment import segment
from graph.store import ntriples, to_ox
from graph.terms import decimal, integer, iri, literal, term_to_rdflib, to_rdflib
from pipeline_support import raw

P = "<https://example.org/p>"


def parsed(term: str) -> ox.Literal | ox.NamedNode:
    """How Oxigraph reads one term written here (as the object of a triple)."""
    (quad,) = ox.parse(f"{P} {P} {term} .\n".encode(), format=ox.RdfFormat.N_TRIPLES)
    return quad.object


TERMS = [
    # (written here, the rdflib term it stands for)
    (iri("https://w3id.org/ipkg/id/doc/1"), URIRef("https://w3id.org/ipkg/id/doc/1")),
    (literal("知识产权"), Literal("知识产权")),
    (literal("知识产权", "zh-Hans"), Literal("知识产权", lang="zh-Hans")),
    (literal("智慧財產權", "zh-Hant"), Literal("智慧財產權", lang="zh-Hant")),
    (literal('他说"保护"\\n'), Literal('他说"保护"\\n')),
    (literal("第一行\n第二行\r\n\t表"), Literal("第一行\n第二行\r\n\t表")),
    (literal("2021-09", datatype=str(XSD.gYearMonth)), Literal("2021-09", datatype=XSD.gYearMonth)),
    (integer(2025), Literal(2025, datatype=XSD.integer)),
    (decimal(6.8), Literal(Decimal("6.8"), datatype=XSD.decimal)),
    (decimal(1e-07), Literal(Decimal("1E-7"), datatype=XSD.decimal)),
    (decimal(1.32e4), Literal(Decimal("13200.0"), datatype=XSD.decimal)),
]


@pytest.mark.parametrize(("term", "expected"), TERMS)
def test_a_term_reads_back_as_what_it_stands_for(term, expected):
    assert term_to_rdflib(term) == expected
    assert parsed(term) == to_ox(expected)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["", "zh-Hans", "en"]))
def test_any_text_is_a_well_formed_literal(text, lang):
    term = literal(text, lang)
    expected = Literal(text, lang=lang or None)
    assert parsed(term) == to_ox(expected)
    assert term_to_rdflib(term) == expected


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=1e12, allow_nan=False) | st.floats(min_value=0, max_value=1e-3))
def test_a_decimal_has_no_exponent_and_keeps_its_value(value):
    term = decimal(value)
    assert "e" not in term.split("^^")[0].lower()
    assert Decimal(str(parsed(term).value)) == Decimal(str(value))


def test_statements_are_the_triples_of_a_document():
    # The worker's N-Triples text and the rdflib triples everything else reads are one graph.
    text = ("陕西省知识产权局关于印发《知识产权强国建设纲要（2021—2035年）》的通知\n"
            "一、加强西安市知识产权保护中心建设，引用“十四五”规划。到2025年，每万人口高价值发明专利拥有量达到6.8件。")
    result = extract(segment(normalise(raw(text))))
    resolved = resolve(result)
    stated = document_statements(result, resolved)
    triples = document_triples(result, resolved)
    assert to_rdflib(stated) == triples
    assert len(stated) == len(set(stated)) > 30
    from_text = set(ox.parse(ntriples(stated), format=ox.RdfFormat.N_TRIPLES))
    from_rdflib = {ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples}
    assert from_text == from_rdflib
