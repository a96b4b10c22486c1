"""RDF terms written as N-Triples text: how a build worker states a document's graph.

A document graph has about 3,000 triples. Made as rdflib terms and then
serialised term by term for the store, they cost a build worker nearly half of
its time per document (rdflib's ``Literal`` checks and converts every value).
The worker therefore writes each term straight in its N-Triples form
(:data:`Statement`) and hands the store the joined lines; the rdflib triples
the rest of the project uses are read back from them (:func:`to_rdflib`) only
where they are needed (the in-memory store, SHACL, tests).

Every IRI given to :func:`iri` is minted by `graph.namespaces` (hashes and
fixed namespaces), so it needs no escaping; literals are escaped here.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

from rdflib import Literal, URIRef
from rdflib.plugins.parsers.ntriples import unquote
from rdflib.term import Node

from graph.namespaces import XSD

#: A triple whose terms are N-Triples text: ``("<s>", "<p>", '"o"@zh-Hans')``.
Statement = tuple[str, str, str]

__all__ = ["Statement", "decimal", "integer", "iri", "literal", "term_to_rdflib", "to_rdflib"]

_INTEGER, _DECIMAL = f"<{XSD.integer}>", f"<{XSD.decimal}>"
# The characters N-Triples does not allow unescaped in a string (and the escape itself).
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri(value: str) -> str:
    """An IRI term (``<value>``)."""
    return f"<{value}>"


def literal(text: str, lang: str = "", datatype: str = "") -> str:
    """A literal term: plain, language-tagged or typed (``datatype`` is an IRI, not a term)."""
    quoted = f'"{text.translate(_ESCAPES)}"'
    if lang:
        return f"{quoted}@{lang}"
    return f"{quoted}^^<{datatype}>" if datatype else quoted


@lru_cache(maxsize=65536)
def integer(value: int) -> str:
    """An ``xsd:integer`` literal."""
    return f'"{int(value)}"^^{_INTEGER}'


def decimal(value: float | Decimal) -> str:
    """An ``xsd:decimal`` literal, in plain notation (the lexical space has no exponent)."""
    text = format(Decimal(str(value)), "f")
    return f'"{text}"^^{_DECIMAL}'


@lru_cache(maxsize=65536)
def term_to_rdflib(term: str) -> Node:
    """The rdflib term of one N-Triples term (an IRI or a literal; never a blank node here)."""
    if term.startswith("<"):
        return URIRef(term[1:-1])
    end = term.rindex('"')
    lexical = unquote(term[1:end])
    rest = term[end + 1:]
    if rest.startswith("@"):
        return Literal(lexical, lang=rest[1:])
    if rest.startswith("^^"):
        return Literal(lexical, datatype=URIRef(rest[3:-1]))
    return Literal(lexical)


def to_rdflib(statements: Iterable[Statement]) -> list[tuple[Node, Node, Node]]:
    """The statements as rdflib triples, in the same order."""
    convert = term_to_rdflib
    return [(convert(s), convert(p), convert(o)) for s, p, o in statements]
