"""The Store seam: one narrow interface over an RDF dataset, two backends.

Everything above this module (pipeline, queries, network, export, app, CLI)
talks to a :class:`Store`; nothing else imports pyoxigraph or speaks HTTP.

* :class:`OxigraphStore` embeds pyoxigraph (in memory, or RocksDB on disk).
* :class:`EndpointStore` speaks SPARQL 1.1 Protocol / Update / Graph Store
  Protocol to a server (tested against ``oxigraph serve``).

Design notes
------------
*Bindings.* Parameters are bound by :func:`bind_query`, which rewrites the
query token by token: each occurrence of a bound variable is replaced by the
term's canonical N-Triples serialisation (a single lexical token produced by
pyoxigraph, so no value can close a string or open a group), and a bound
variable in a SELECT projection becomes ``(term AS ?var)``, as in SPARQL
SEP-0007. We do not use pyoxigraph's own ``substitutions=``: in 0.5.13 it
rejects every variable that is not in the SELECT projection, so it cannot
bind a ``FILTER(CONTAINS(?text, ?keyword))`` parameter, nor anything in ASK
or CONSTRUCT. The same rewrite serves the HTTP endpoint, so both backends
give the same answers.

*Read-only guard.* ``query()`` parses the text with rdflib's SPARQL parser
and refuses updates and ``SERVICE`` (federated queries would make the
server fetch arbitrary URLs). Text rdflib cannot parse falls back to a
lexical scan for update keywords and SERVICE, then to the engine, whose
syntax error (with line and column) becomes :class:`QueryError`.

*Merged default graph.* Every write keeps the default graph equal to the
deduplicated union of the named graphs (one per document), and queries read
the default graph. A triple stated by two documents is one triple there, so
joins do not multiply by the number of documents that repeat an entity's
labels (the union-as-bag that pyoxigraph offers made saved queries 10–100×
slower at 100 documents). ``GRAPH ?g { … }`` still reaches each document's own
graph, except for its passage nodes (measures, mentions, targets with their
offsets and quotes): those are the document's alone, so they are stored once,
in the default graph (:func:`split_passages`), and belong to the graph that
types their document. A store written before this (named graphs, empty default
graph) is queried with the union default graph until its next write fills the view.

*Language tags.* Oxigraph lowercases language tags, so dumps carry
``@zh-hans``; tags are case-insensitive (BCP 47), and query results give them
back in canonical case (``zh-Hans``).

*Time limit.* pyoxigraph 0.5 has no query cancellation in Python. A query
with a limit runs in a worker thread (pyoxigraph releases the GIL) that
converts rows as they stream and stops at the deadline; the caller gets
:class:`QueryTimeout` at the deadline in every case. Operators that must
see all rows before the first one (ORDER BY, GROUP BY, aggregates) cannot
be interrupted: their worker runs on in the background until the engine
returns, then drops the result. :func:`running_abandoned_queries` reports
how many are still running.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from graph.namespaces import IPKG, PREFIXES
from graph.terms import Statement, iri

__all__ = [
    "RDF_FORMATS",
    "EndpointStore",
    "OxigraphStore",
    "QueryError",
    "QueryRefused",
    "QueryResult",
    "QueryTimeout",
    "Store",
    "StoreError",
    "Term",
    "Triple",
    "bind_query",
    "check_read_only",
    "from_ox",
    "ntriples",
    "open_store",
    "rdf_format",
    "running_abandoned_queries",
    "serialize_quads",
    "serialize_triples",
    "split_ntriples",
    "split_passages",
    "statements",
    "to_ox",
]

log = logging.getLogger(__name__)

#: An RDF term as the rest of the project sees it (rdflib).
Term = URIRef | BNode | Literal
Triple = tuple[Term, Term, Term]
Quad = tuple[Term, Term, Term, URIRef | None]  # graph None = default graph

_T = TypeVar("_T")


# --------------------------------------------------------------------------- errors


class StoreError(Exception):
    """Anything that went wrong inside a store."""


class QueryError(StoreError):
    """The query is not valid SPARQL; ``line``/``column`` are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


# The names are the seam's public contract (ARCHITECTURE.md), hence no "Error" suffix.
class QueryTimeout(StoreError):  # noqa: N818
    """The query ran past its time limit."""


class QueryRefused(StoreError):  # noqa: N818
    """The query asks for something ``query()`` never does (updates, SERVICE)."""


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class QueryResult:
    """The answer to one query, with rdflib terms.

    Attributes:
        kind: ``"select"``, ``"ask"`` or ``"graph"`` (CONSTRUCT / DESCRIBE).
        variables: projected variable names, in order (SELECT only).
        rows: one tuple per solution, aligned with ``variables``; ``None`` is unbound.
        triples: the triples of a CONSTRUCT / DESCRIBE answer.
        boolean: the answer of an ASK query.
        truncated: True when ``max_rows`` cut the answer short.
    """

    kind: TypingLiteral["select", "ask", "graph"]
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    triples: list[Triple] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False

    def dicts(self) -> list[dict[str, Term | None]]:
        """The rows as ``{variable: term}`` dictionaries."""
        return [dict(zip(self.variables, row, strict=True)) for row in self.rows]

    def __len__(self) -> int:
        return len(self.triples) if self.kind == "graph" else len(self.rows)


# --------------------------------------------------------------------------- terms

_XSD_STRING = str(XSD.string)
_RDF_LANGSTRING = str(RDF.langString)
_BNODE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert one rdflib term to pyoxigraph (the only place that does).

    Raises:
        TypeError: for anything that is not an IRI, blank node or literal.
    """
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        ident = str(term)
        # pyoxigraph only accepts N-Triples blank node labels; keep valid ones stable.
        return ox.BlankNode(ident if _BNODE_ID.match(ident) else f"b{abs(hash(ident)):x}")
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


@lru_cache(maxsize=256)
def _bcp47_case(tag: str) -> str:
    """Canonical case of a language tag (zh-Hans, en-GB): Oxigraph stores tags lowercased."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def from_ox(term: Any) -> Term | None:
    """Convert one pyoxigraph term (or ``None`` for unbound) to rdflib.

    Language tags come back in their canonical case (``zh-Hans``): Oxigraph
    lowercases them, and rdflib's graph comparison is case-sensitive.
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=_bcp47_case(term.language))
        dt = term.datatype.value
        # xsd:string is the plain literal of RDF 1.1; rdflib keeps them distinct.
        if dt in (_XSD_STRING, _RDF_LANGSTRING):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise TypeError(f"unsupported pyoxigraph term: {term!r}")


def statements(triples: Iterable[Triple] | Iterable[Statement]) -> list[Statement]:
    """Triples as :data:`graph.terms.Statement`, each rdflib term as pyoxigraph serialises it.

    Statements pass through as they are. Each rdflib term object is converted
    once, looked up by identity: a graph repeats its IRIs, predicates and
    classes thousands of times, and hashing an rdflib Literal costs more than
    converting it.
    """
    # Held in a list, the triples keep every term alive for the whole call, so no id is
    # reused (a generator's terms could be freed and their ids given to new ones).
    held = triples if isinstance(triples, list | tuple) else list(triples)
    if not held or _is_statement(held[0]):
        return held  # type: ignore[return-value]
    memo: dict[int, str] = {}

    def text(term: Node) -> str:
        found = memo.get(id(term))
        if found is None:
            found = memo[id(term)] = str(to_ox(term))
        return found

    return [(text(s), text(p), text(o)) for s, p, o in held]


def _is_statement(triple: tuple) -> bool:
    # rdflib terms are str subclasses; a statement's terms are plain str.
    return type(triple[0]) is str


def ntriples(triples: Iterable[Triple] | Iterable[Statement]) -> bytes:
    """N-Triples of rdflib triples or of statements (`graph.terms`).

    This is how a build worker hands a document's graph to the store: bytes
    cross the process boundary in a fraction of the time pickled rdflib terms
    take, and the store parses them without converting a term in Python.
    """
    return "".join([f"{s} {p} {o} .\n" for s, p, o in statements(triples)]).encode()


# --------------------------------------------------------------------------- passages

#: The links from a passage node (a measure, mention or target read from one passage of
#: one document, with its offsets and quote) to that document.
PASSAGE_LINKS = (IPKG.statedIn, IPKG.inDocument)
_PASSAGE_PATH = "|".join(map(iri, PASSAGE_LINKS))
_DOCUMENT, _TYPE_TERM = iri(IPKG.Document), iri(RDF.type)
_LINK_TERMS = frozenset(map(iri, PASSAGE_LINKS))


def split_passages(triples: Iterable[_T]) -> tuple[list[_T], list[_T]]:
    """A document graph's triples as (what the named graph keeps, the passage triples).

    A passage node belongs to one document alone (its IRI hashes the file name and
    offsets), so no other graph repeats its triples and the merged default graph
    would only copy them: they are stored once, in the default graph. They are
    nine in ten of a document's triples, and a quad in a named graph costs six
    index entries plus three for its copy in the default graph, so this cuts the
    build's index writes by more than half. Passage triples are those whose
    subject has ``ipkg:statedIn`` or ``ipkg:inDocument`` to a node the same
    triples type ``ipkg:Document``; :func:`_replace_graph_update` finds them again
    by the same rule. Takes rdflib triples or statements, and gives back the same kind.
    """
    triples = list(triples)
    # Compared as N-Triples text, where an IRI and a literal can never be equal, and
    # plain string comparison is fast (rdflib's term equality runs in Python).
    text = statements(triples)
    documents = {s for s, p, o in text if p == _TYPE_TERM and o == _DOCUMENT}
    nodes = {s for s, p, o in text if p in _LINK_TERMS and o in documents and s.startswith("<")}
    if not nodes:
        return triples, []
    kept: list[_T] = []
    passages: list[_T] = []
    for triple, (s, _, _) in zip(triples, text, strict=True):
        (passages if s in nodes else kept).append(triple)
    return kept, passages


def split_ntriples(triples: Iterable[Triple] | Iterable[Statement]) -> tuple[bytes, bytes]:
    """A document graph's N-Triples as (what the named graph keeps, the passages): see :func:`split_passages`."""
    kept, passages = split_passages(statements(triples))
    return ntriples(kept), ntriples(passages)


def _named_nquads(graph: URIRef, data: bytes) -> bytes:
    """N-Triples lines (``s p o .``) put into named graph ``graph`` as N-Quads."""
    suffix = b" " + str(_graph_to_ox(graph)).encode() + b" ."
    return b"\n".join(line[:-2] + suffix for line in data.splitlines() if line) + b"\n"


def _graph_to_ox(graph: URIRef | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph is None else ox.NamedNode(str(graph))


# --------------------------------------------------------------------------- SPARQL lexing

# A SPARQL 1.1 lexer good enough to find variables, keywords and projections;
# the order of alternatives matters (long strings before short ones, IRIs before "<").
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
             |\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
             |'(?:[^'\\\n\r]|\\.)*'
             |"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<name>[\w:\\%](?:[\w\-.:\\%\u00B7]*[\w\-:\\%\u00B7])?)
  | (?P<op>\^\^|&&|\|\||!=|<=|>=|.)
    """,
    re.VERBOSE | re.DOTALL,
)

_UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
_CLAUSE_END = frozenset({"LIMIT", "OFFSET", "HAVING", "VALUES", "ORDER", "GROUP", "WHERE"})


def _tokens(text: str) -> list[tuple[str, str]]:
    """Split SPARQL text into ``(kind, text)`` tokens; joining them gives ``text`` back."""
    return [(m.lastgroup or "op", m.group()) for m in _TOKEN.finditer(text)]


def _term_text(term: Node) -> str:
    """The canonical N-Triples form of a bound value: always exactly one SPARQL token."""
    if isinstance(term, BNode):
        # "_:x" in a query is a variable-like blank node, not a constant.
        raise StoreError("blank nodes cannot be bound as query parameters")
    if not isinstance(term, URIRef | Literal):
        raise TypeError(f"bindings take rdflib URIRef or Literal values, got {term!r}")
    return str(to_ox(term))


def bind_query(sparql: str, bindings: Mapping[str, Node] | None) -> str:
    """Substitute bound variables with constant terms (SEP-0007 style).

    Every ``?name``/``$name`` token whose name is bound becomes the term's
    N-Triples text; in a SELECT projection it becomes ``(term AS ?name)``,
    and in a bare ORDER BY / GROUP BY key ``(term)``, so the query keeps
    its shape and its result columns; ``BOUND(?name)`` becomes ``true``.

    Args:
        sparql: the query text (a template using ``?name`` for parameters).
        bindings: variable name (without ``?``) → rdflib URIRef or Literal.

    Returns:
        The query text with the values in place.

    Raises:
        StoreError: a bound variable is assigned inside the query (``AS ?v``,
            ``VALUES ?v``) or a value is a blank node.
    """
    if not bindings:
        return sparql
    values: dict[str, str] = {}
    for name, term in bindings.items():
        try:
            values[name.lstrip("?$")] = _term_text(term)
        except ValueError as exc:  # pyoxigraph rejects malformed IRIs and language tags
            raise StoreError(f"invalid value for ?{name}: {term!r} ({exc})") from None
    toks = _tokens(sparql)
    significant = [i for i, (kind, _) in enumerate(toks) if kind not in ("ws", "comment")]
    nxt = dict(pairwise(significant))
    out: list[str] = []
    state = "body"  # body | projection | keys (after ORDER BY / GROUP BY)
    depth = 0  # parenthesis depth inside the current projection / key list
    prev = ""  # previous significant token, upper-cased
    in_values = False
    skip_to = -1
    for i, (kind, tok) in enumerate(toks):
        if i <= skip_to:
            continue
        if kind in ("ws", "comment"):
            out.append(tok)
            continue
        upper = tok.upper() if kind == "name" else tok
        if kind == "name" and upper == "BOUND":
            # BOUND(?bound) is true by definition (SEP-0007); BOUND("x") would not parse.
            a = nxt.get(i, -1)
            b = nxt.get(a, -1)
            c = nxt.get(b, -1)
            if (c > 0 and toks[a][1] == "(" and toks[b][0] == "var" and toks[b][1][1:] in values
                    and toks[c][1] == ")"):
                out.append("true")
                skip_to, prev = c, ")"
                continue
        if kind == "name":
            if upper == "SELECT":
                state, depth = "projection", 0
            elif upper == "BY" and prev in ("ORDER", "GROUP"):
                state, depth = "keys", 0
            elif depth == 0 and (
                (state == "projection" and upper in ("WHERE", "FROM"))
                or (state == "keys" and upper in _CLAUSE_END)
            ):
                state = "body"
            if upper == "VALUES":
                in_values = True
        elif kind == "op":
            if tok == "(":
                depth += 1
            elif tok == ")":
                depth -= 1
            elif tok in ("{", "}") and depth <= 0:
                state = "body"
                in_values = False
        if kind == "var" and tok[1:] in values:
            name = tok[1:]
            if prev == "AS" or in_values:
                raise StoreError(f"parameter ?{name} is assigned inside the query; rename it")
            term = values[name]
            if state == "projection" and depth == 0:
                out.append(f"({term} AS ?{name})")
            elif state == "keys" and depth == 0:
                out.append(f"({term})")
            else:
                out.append(term)
        else:
            out.append(tok)
        prev = upper
    return "".join(out)


# --------------------------------------------------------------------------- read-only guard


def _parse_tree_names(tree: Any) -> Iterator[str]:
    """Names of every rdflib CompValue in a parse tree (to find SERVICE)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            yield node.name
            stack.extend(node.values())
        elif isinstance(node, list | tuple | ParseResults):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())


def limit_select(sparql: str, max_rows: int | None) -> str:
    """The query with ``LIMIT max_rows + 1`` added when it is a SELECT without a LIMIT.

    An endpoint sends its whole answer before the client can cut it at ``max_rows``;
    the limit makes the server stop there (the extra row tells that rows were cut).
    CONSTRUCT and DESCRIBE are left alone: a LIMIT there counts solutions, not triples.
    """
    if max_rows is None:
        return sparql
    toks = _tokens(sparql)
    depth, end, form = 0, None, None
    for i, (kind, tok) in enumerate(toks):
        if kind == "name" and form is None and tok.upper() in ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK"):
            form = tok.upper()
        elif kind == "op" and tok == "{":
            depth += 1
        elif kind == "op" and tok == "}":
            depth -= 1
            if depth == 0 and end is None:
                end = i  # the end of the main WHERE group: solution modifiers follow
    if form != "SELECT" or end is None:
        return sparql
    tail = [(i, tok.upper()) for i, (kind, tok) in enumerate(toks[end + 1:], end + 1) if kind == "name"]
    if any(tok == "LIMIT" for _, tok in tail):
        return sparql
    # A trailing VALUES block comes after the solution modifiers.
    at = next((i for i, tok in tail if tok == "VALUES"), len(toks))
    return "".join(t for _, t in toks[:at]) + f"\nLIMIT {max_rows + 1}\n" + "".join(t for _, t in toks[at:])


@lru_cache(maxsize=1024)
def check_read_only(sparql: str) -> None:
    """Refuse SPARQL Update and SERVICE; let every query (valid or not) through.

    Args:
        sparql: the query text, before parameters are bound.

    Raises:
        QueryRefused: the text is an update request or contains SERVICE.
    """
    service = QueryRefused("SERVICE (federated query) is not allowed here")
    update = QueryRefused("SPARQL Update is not allowed here: the store is queried read-only")
    # The token scan is cheap and cannot be fooled by strings, IRIs or comments; it
    # backs up the parser, whose tree we trust only for telling queries from updates.
    words = {tok.upper() for kind, tok in _tokens(sparql) if kind == "name" and ":" not in tok}
    if "\\u" in sparql.lower():
        # SPARQL lets \uXXXX stand for any character anywhere in a query (§19.2), and
        # some engines expand them before parsing: \u0053ERVICE is SERVICE there.
        expanded = _expand_codepoints(sparql)
        words |= {tok.upper() for kind, tok in _tokens(expanded) if kind == "name" and ":" not in tok}
    if "SERVICE" in words:
        raise service
    if not words & _UPDATE_KEYWORDS:
        # No update keyword anywhere: not an update, and the engine's query() runs no
        # updates anyway. Skipping the parser saves rdflib's import and a parse per query.
        return
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseQuery(sparql)
    except Exception:  # ParseException, and odd errors rdflib raises on odd prologues
        tree = None
    if tree is not None:
        if "ServiceGraphPattern" in set(_parse_tree_names(tree)):
            raise service
        return
    try:
        parsed_update = parseUpdate(sparql)
    except Exception:
        parsed_update = None
    if parsed_update is not None and parsed_update.get("request"):
        raise update
    # Neither parser accepted it (bad syntax, or SPARQL 1.2 that rdflib lacks): a bare
    # update keyword can only mean an update, which the engine would reject anyway.
    if words & _UPDATE_KEYWORDS:
        raise update


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _expand_codepoints(text: str) -> str:
    r"""Replace SPARQL codepoint escapes (``\u0053``) with the characters they stand for."""

    def char(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)

    return _CODEPOINT.sub(char, text)


_POSITION = re.compile(r"\bat (\d+):(\d+)")


def _syntax_error(message: str) -> QueryError:
    """A QueryError carrying the engine's line:column when it gives one."""
    m = _POSITION.search(message)
    if m:
        line, col = int(m.group(1)), int(m.group(2))
        return QueryError(f"SPARQL syntax error at line {line}, column {col}: {message}", line, col)
    return QueryError(f"SPARQL syntax error: {message}")


# --------------------------------------------------------------------------- serialisation

#: File suffix → pyoxigraph format for dumps and loads.
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
}
_FORMAT_ALIASES = {
    "ttl": ".ttl", "turtle": ".ttl", "nt": ".nt", "ntriples": ".nt", "n-triples": ".nt",
    "nq": ".nq", "nquads": ".nq", "n-quads": ".nq", "trig": ".trig", "jsonld": ".jsonld",
    "json-ld": ".jsonld", "rdf": ".rdf", "xml": ".rdf", "rdfxml": ".rdf", "rdf/xml": ".rdf",
}
_QUAD_FORMATS = frozenset({ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG})


def rdf_format(path: str | Path | None = None, fmt: str | None = None) -> ox.RdfFormat:
    """Pick the RDF format from ``fmt`` (a name or suffix) or else the path's suffix.

    Raises:
        ValueError: the format is unknown.
    """
    key = (fmt or "").lower().strip()
    suffix = (key if key.startswith(".") else _FORMAT_ALIASES.get(key, "")) if key else Path(path or "").suffix.lower()
    try:
        return RDF_FORMATS[suffix]
    except KeyError:
        raise ValueError(
            f"unknown RDF format {fmt or suffix!r}; use one of {', '.join(RDF_FORMATS)}"
        ) from None


def _canonical(quads: list[ox.Quad]) -> list[ox.Quad]:
    """Relabel blank nodes deterministically (RDFC-1.0) when there are any."""
    if not any(
        isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
        or isinstance(q.graph_name, ox.BlankNode) for q in quads
    ):
        return quads
    ds = ox.Dataset(quads)
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return list(ds)


def _sorted_output(quads: Iterable[ox.Quad], rdf_fmt: ox.RdfFormat, union: bool) -> list[Any]:
    """Triples or quads, deduplicated and sorted by their N-Triples text."""
    canon = _canonical(list(quads))
    if rdf_fmt in _QUAD_FORMATS:
        keyed = {
            ("" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name),
             str(q.subject), str(q.predicate), str(q.object)): q for q in canon
        }
        return [keyed[k] for k in sorted(keyed)]
    triples: dict[tuple[str, str, str], ox.Triple] = {}
    for q in canon:
        if union or isinstance(q.graph_name, ox.DefaultGraph):
            t = q.triple
            triples[(str(t.subject), str(t.predicate), str(t.object))] = t
    return [triples[k] for k in sorted(triples)]


def serialize_quads(
    quads: Iterable[ox.Quad], fmt: ox.RdfFormat, *, union: bool = True
) -> bytes:
    """Serialise pyoxigraph quads deterministically (same input, same bytes).

    Triple formats get the union of all graphs (or only the default graph
    when ``union`` is False); N-Quads and TriG keep the named graphs.
    """
    items = _sorted_output(quads, fmt, union)
    return ox.serialize(items, format=fmt, prefixes=PREFIXES) or b""


def serialize_triples(triples: Iterable[Triple], fmt: str | ox.RdfFormat) -> bytes:
    """Serialise rdflib triples deterministically in an RDF format (name or RdfFormat)."""
    rdf_fmt = fmt if isinstance(fmt, ox.RdfFormat) else rdf_format(fmt=fmt)
    quads = (ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples)
    return serialize_quads(quads, rdf_fmt)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so readers never see half a dump."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _replace_graph_update(graph: URIRef, triples: Iterable[Triple]) -> str:
    """One SPARQL Update that replaces a named graph and keeps the merged default graph.

    The default graph holds the deduplicated union of all named graphs, so queries
    read one set of triples instead of the bag every document graph repeats (entity
    types and labels are stated once per mentioning document), plus the passage
    triples of the graph's documents, which live there alone (:func:`split_passages`).
    First the old graph's passage triples go, then its triples that no other graph
    states leave the default graph, then the new ones enter. Built from canonical
    N-Triples serialisations of terms (never from raw strings), so it is well-formed
    whatever the literals contain.
    """
    g = str(to_ox(graph))
    body, once = (data.decode() for data in split_ntriples(triples))
    parts = [
        f"DELETE {{ ?n ?p ?o }} WHERE {{ GRAPH {g} {{ ?d a {_DOCUMENT} }} ?n {_PASSAGE_PATH} ?d . ?n ?p ?o }}",
        f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER(?h != {g}) }} }}",
        f"DROP SILENT GRAPH {g}",
    ]
    if body or once:
        # One block for both copies: a blank node keeps one identity within one operation.
        parts.append(f"INSERT DATA {{ GRAPH {g} {{\n{body}}}\n{body}{once}}}")
    return " ;\n".join(parts)


#: The passage triples of the default graph (with, in a store written before they were
#: stored once, those its named graphs repeat: :func:`_with_passages` drops those).
_PASSAGE_TRIPLES = f"CONSTRUCT {{ ?node ?p ?o }} WHERE {{ ?node {_PASSAGE_PATH} ?d . ?node ?p ?o }}"


def _with_passages(named: Iterable[ox.Quad], passages: Callable[[], Iterable[ox.Triple]]) -> Iterator[ox.Quad]:
    """The named graphs' quads, then the passage triples stored in the default graph alone."""
    links = {ox.NamedNode(str(link)) for link in PASSAGE_LINKS}
    in_named: set[Any] = set()
    for quad in named:
        if quad.predicate in links:
            in_named.add(quad.subject)
        yield quad
    for t in passages():
        if t.subject not in in_named:
            yield ox.Quad(t.subject, t.predicate, t.object)


#: Fills the merged default graph of a store built before it existed.
_MERGE_ALL = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def _merging(update: str, needs_union: bool) -> str:
    """``update``, preceded by filling the merged default graph when the store has none yet."""
    return " ;\n".join(part for part in (_MERGE_ALL if needs_union else "", update) if part)


def _load_quads(path: Path, fmt: str | None) -> list[ox.Quad]:
    rdf_fmt = rdf_format(path, fmt)
    try:
        return list(ox.parse(path=str(path), format=rdf_fmt))
    except SyntaxError as exc:
        raise StoreError(f"cannot parse {path}: {exc}") from exc


def _group_for_load(quads: list[ox.Quad], graph: URIRef) -> dict[URIRef, list[Triple]]:
    """Default-graph quads go to ``graph``; named graphs in quad files keep their names."""
    groups: dict[URIRef, list[Triple]] = {graph: []}
    for q in quads:
        target = graph if isinstance(q.graph_name, ox.DefaultGraph) else from_ox(q.graph_name)
        groups.setdefault(target, []).append(  # type: ignore[arg-type]
            (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))  # type: ignore[arg-type]
        )
    return groups


# --------------------------------------------------------------------------- deadline

_abandoned_lock = threading.Lock()
_abandoned = 0


def running_abandoned_queries() -> int:
    """How many timed-out queries are still running in the background."""
    return _abandoned


def _run_with_deadline(
    work: Callable[[threading.Event], _T], timeout_s: float | None, what: str
) -> _T:
    """Run ``work(cancel)`` and return its value, or raise QueryTimeout at the deadline.

    ``work`` must poll ``cancel`` between rows; it runs in a daemon thread so a
    blocking engine call cannot hold the caller past the limit.
    """
    global _abandoned
    cancel = threading.Event()
    if timeout_s is None:
        return work(cancel)
    box: dict[str, Any] = {}
    state = {"done": False, "abandoned": False}

    def runner() -> None:
        global _abandoned
        try:
            box["value"] = work(cancel)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc
        finally:
            with _abandoned_lock:
                state["done"] = True
                if state["abandoned"]:
                    _abandoned -= 1

    thread = threading.Thread(target=runner, name="ipkg-query", daemon=True)
    thread.start()
    thread.join(timeout_s)
    with _abandoned_lock:
        timed_out = not state["done"]
        if timed_out:
            state["abandoned"] = True
            _abandoned += 1
            cancel.set()
    if timed_out:
        raise QueryTimeout(f"{what} stopped after the {timeout_s:g} s time limit")
    if "error" in box:
        raise box["error"]
    return box["value"]


# --------------------------------------------------------------------------- isolated queries

#: Address-space limit of an isolated query's process (MiB): an ORDER BY over a
#: cartesian product is stopped by this before it can take the machine's memory.
#: RocksDB alone reserves about 0.5 GiB of address space. IPKG_QUERY_MEMORY_MB overrides.
ISOLATED_MEMORY_MB = 4096


def _isolated_query(folder: Path, text: str, timeout_s: float | None, max_rows: int | None,
                    *, union: bool = False) -> QueryResult:
    """Run ``text`` in a child process on the store in ``folder``; kill it at the deadline.

    The child (``python -m graph.storage --query-worker``) opens the folder
    read-only, so this is for read-only or published stores; it starts in
    about 60 ms.
    """
    import json
    import signal
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    memory_mb = int(os.environ.get("IPKG_QUERY_MEMORY_MB") or ISOLATED_MEMORY_MB)
    request = json.dumps({"query": text, "max_rows": max_rows, "memory_mb": memory_mb, "union": union})
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph.storage", "--query-worker", str(folder)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        text=True, encoding="utf-8",
    )
    try:
        out, err = proc.communicate(request, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise QueryTimeout(f"query stopped after the {timeout_s:g} s time limit") from None
    except BaseException:
        proc.kill()
        proc.communicate()
        raise
    lines = out.splitlines()
    head = json.loads(lines[0]) if lines else {}
    tail = json.loads(lines[-1]) if lines else {}
    if "error" in head:
        if head["error"] == "syntax":
            raise _syntax_error(head["message"])
        raise StoreError(f"query failed: {head['message']}")
    if not tail.get("end"):
        if proc.returncode in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV) or "memory" in err:
            raise StoreError(
                f"query stopped: it needed more than the {memory_mb} MB of memory a query may use"
            )
        detail = err.strip().splitlines()[-1] if err.strip() else f"exit status {proc.returncode}"
        raise StoreError(f"query failed: {detail}")
    truncated = bool(tail.get("truncated"))
    body = [json.loads(line) for line in lines[1:-1]]
    if head["kind"] == "ask":
        return QueryResult(kind="ask", boolean=bool(head["boolean"]))
    if head["kind"] == "graph":
        triples = [tuple(_decode_term(t) for t in row) for row in body]
        return QueryResult(kind="graph", triples=triples, truncated=truncated)  # type: ignore[arg-type]
    rows = [tuple(_decode_term(t) for t in row) for row in body]
    return QueryResult(kind="select", variables=list(head["variables"]), rows=rows, truncated=truncated)


def _decode_term(item: list[Any] | None) -> Term | None:
    """Inverse of ``graph.storage._encode_term``, with the same rules as :func:`from_ox`."""
    if item is None:
        return None
    kind = item[0]
    if kind == "u":
        return URIRef(item[1])
    if kind == "b":
        return BNode(item[1])
    value, lang, datatype = item[1], item[2], item[3]
    if lang:
        return Literal(value, lang=_bcp47_case(lang))
    if datatype in (_XSD_STRING, _RDF_LANGSTRING):
        return Literal(value)
    return Literal(value, datatype=URIRef(datatype))


# --------------------------------------------------------------------------- protocol


@runtime_checkable
class Store(Protocol):
    """The seam: what the pipeline, the app and the CLI may ask of a store."""

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        timeout_s: float | None = None,
        max_rows: int | None = None,
        isolate: bool | None = None,
    ) -> QueryResult:
        """Run a read-only SPARQL query over the union of all graphs."""
        ...

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None:
        """Atomically replace the content of one named graph."""
        ...

    def remove_graph(self, graph: URIRef) -> None:
        """Drop one named graph (no error when it does not exist)."""
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update as one transaction; the caller keeps the merged default graph in step."""
        ...

    def graphs(self) -> list[URIRef]:
        """The named graphs, sorted."""
        ...

    def dump(self, path: str | Path, fmt: str | None = None, *, union: bool = True) -> None:
        """Write the dataset to a file, deterministically."""
        ...

    def load_file(self, path: str | Path, graph: URIRef, fmt: str | None = None) -> None:
        """Replace ``graph`` with the content of an RDF file."""
        ...

    def __len__(self) -> int:
        """Number of quads in the dataset."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...


# --------------------------------------------------------------------------- embedded


#: The file beside an on-disk store's RocksDB files that keeps its maintenance count.
MAINTENANCE_FILE = "ipkg-maintenance.json"


class OxigraphStore:
    """The embedded store: pyoxigraph in memory (``path=None``) or on disk.

    Args:
        path: directory of the RocksDB store; ``None`` keeps everything in memory.
        read_only: open an existing on-disk store for reading only (several
            processes may read at once; none may write meanwhile).
        timeout_s: default time limit for ``query()`` when the call gives none.
        isolate_queries: default for ``query(isolate=...)``: run each query in
            a child process that is killed at the time limit (on-disk stores only).
        on_close: called once after the store is closed (``graph.storage``
            releases its reader's lease with it).
        bulk_writes: :meth:`write_graphs` goes through RocksDB's bulk loader,
            which is several times faster but not atomic: for a store nobody
            reads until it is published whole (``graph.storage.begin_build``).

    Attributes:
        version: the published version this store reads (set by
            :func:`graph.storage.open_current`; None otherwise).
    """

    def __init__(
        self, path: str | Path | None = None, read_only: bool = False, *,
        timeout_s: float | None = None,
        isolate_queries: bool = False,
        on_close: Callable[[], None] | None = None,
        bulk_writes: bool = False,
    ):
        if read_only and path is None:
            raise StoreError("a read-only store needs a path")
        self.path = None if path is None else Path(path)
        self.read_only = read_only
        self.timeout_s = timeout_s
        self.isolate_queries = isolate_queries
        self.bulk_writes = bulk_writes
        self._needs_union: bool | None = None  # a published version never changes; writes reset it
        self.version: int | None = None
        self._on_close = on_close
        try:
            if path is None:
                self._store: ox.Store | None = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(path))
            else:
                self._store = ox.Store(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open store at {path}: {exc}") from exc

    def __repr__(self) -> str:
        where = "memory" if self.path is None else str(self.path)
        return f"OxigraphStore({where!r}, read_only={self.read_only})"

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _ox(self) -> ox.Store:
        if self._store is None:
            raise StoreError("the store is closed")
        return self._store

    # -- reading

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        timeout_s: float | None = None,
        max_rows: int | None = None,
        isolate: bool | None = None,
    ) -> QueryResult:
        """Run a read-only SPARQL query with the default graph as the union of all graphs.

        Args:
            sparql: SPARQL 1.1 query text (SELECT, ASK, CONSTRUCT or DESCRIBE).
            bindings: parameter values, see :func:`bind_query`.
            timeout_s: time limit in seconds (default: the store's).
            max_rows: keep at most this many rows / triples, setting ``truncated``.
            isolate: run the query in a child process that is killed at the
                time limit, so a runaway query stops using CPU and memory at
                once (default: the store's ``isolate_queries``). Use it for
                text a person typed. Only read-only on-disk stores can; other
                stores run the query in a thread as usual.

        Raises:
            QueryRefused: the text is an update or uses SERVICE.
            QueryError: the text is not valid SPARQL.
            QueryTimeout: the time limit passed.
        """
        check_read_only(sparql)
        text = bind_query(sparql, bindings)
        store = self._ox
        limit = timeout_s if timeout_s is not None else self.timeout_s
        if (self.isolate_queries if isolate is None else isolate) and self.path is not None and self.read_only:
            return _isolated_query(self.path, text, limit, max_rows, union=self.needs_union())

        union = self.needs_union()

        def work(cancel: threading.Event) -> QueryResult:
            try:
                res = store.query(text, use_default_graph_as_union=union)
                return _collect(res, max_rows, cancel)
            except SyntaxError as exc:
                raise _syntax_error(str(exc)) from None
            except (OSError, RuntimeError, ValueError) as exc:
                raise StoreError(f"query failed: {exc}") from exc

        return _run_with_deadline(work, limit, "query")

    def needs_union(self) -> bool:
        """True for a store without a merged default graph (one built before it existed)."""
        if self._needs_union is None:
            store = self._ox
            has_default = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None
            self._needs_union = not has_default and next(iter(store.named_graphs()), None) is not None
        return self._needs_union

    def graphs(self) -> list[URIRef]:
        """The named graphs, sorted by IRI (blank-node graphs are left out)."""
        graphs = self._ox.named_graphs()
        return sorted(URIRef(g.value) for g in graphs if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:
        """Triples in the merged default graph (the graph queries read), or quads when it is empty.

        The merged graph holds each triple once however many documents state it;
        a store written before it existed holds only named graphs. Counted by
        Oxigraph, not by iterating in Python: ten thousand documents hold tens of
        millions of triples.
        """
        store = self._ox
        if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None:
            return len(store)
        default = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # the default graph alone
        return int(next(iter(default))[0].value)

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad of the dataset (pyoxigraph terms; for dumps and exports).

        The named graphs, and the passage triples stored in the default graph
        (the rest of it only repeats the named graphs); a store holding nothing
        but a default graph yields that.
        """
        store = self._ox
        if next(iter(store.named_graphs()), None) is None:
            return iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        named = (q for q in store.quads_for_pattern(None, None, None, None)
                 if not isinstance(q.graph_name, ox.DefaultGraph))
        return _with_passages(named, lambda: store.query(_PASSAGE_TRIPLES))

    def dump(self, path: str | Path, fmt: str | None = None, *, union: bool = True) -> None:
        """Write the dataset to ``path``; the same content always gives the same bytes.

        Args:
            path: output file; its suffix picks the format unless ``fmt`` is given
                (.ttl .nt .nq .trig .jsonld .rdf).
            fmt: format name or suffix overriding the path's suffix.
            union: for triple formats, merge every graph (True) or write only the
                default graph (False). N-Quads and TriG always keep named graphs.
        """
        path = Path(path)
        data = serialize_quads(self.quads(), rdf_format(path, fmt), union=union)
        _write_atomic(path, data)

    # -- writing

    def _update(self, update: str) -> None:
        if self.read_only:
            raise StoreError("the store is open read-only")
        try:
            self._ox.update(update)  # one update = one transaction in Oxigraph
        except (OSError, SyntaxError, RuntimeError) as exc:
            raise StoreError(f"update failed: {exc}") from exc
        finally:
            self._needs_union = None

    def _merged_update(self, update: str) -> None:
        """Run an update, first filling the merged default graph if the store predates it."""
        update = _merging(update, self.needs_union())
        if update:
            self._update(update)

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update in one transaction (see :meth:`Store.update`)."""
        self._merged_update(sparql)

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None:
        """Replace one named graph's content (and its share of the merged view) in one transaction."""
        self._merged_update(_replace_graph_update(graph, triples))

    def remove_graph(self, graph: URIRef) -> None:
        """Drop one named graph and what only it said; nothing happens when it does not exist."""
        self._merged_update(_replace_graph_update(graph, []))

    def write_graphs(self, items: Iterable[tuple[URIRef, bytes, bytes]]) -> None:
        """Replace several named graphs, each given as N-Triples bytes (see :func:`ntriples`).

        The build's write path. Each item is (graph, the triples its named graph
        keeps, its passage triples), as :func:`split_passages` divides them.
        Graphs that exist are first removed with what only they said (one
        update), then every graph, its share of the merged default graph and its
        passages are loaded from one N-Quads buffer, in one transaction, or
        through the bulk loader when the store was opened with ``bulk_writes``.
        Parsing and indexing run in Oxigraph, not in Python.
        """
        if self.read_only:
            raise StoreError("the store is open read-only")
        items = list(items)
        store = self._ox
        existing = [g for g, _, _ in items if store.contains_named_graph(_graph_to_ox(g))]
        self._merged_update(" ;\n".join(_replace_graph_update(g, []) for g in existing))
        # Named-graph quads, then the same triples again and the passages as default-graph
        # lines (N-Triples is N-Quads).
        buffer = b"".join([*(_named_nquads(g, data) for g, data, _ in items),
                           *(data + once for _, data, once in items)])
        if not buffer:
            return
        try:
            if self.bulk_writes:
                store.bulk_load(buffer, format=ox.RdfFormat.N_QUADS)
            else:
                store.load(buffer, format=ox.RdfFormat.N_QUADS)
        except (OSError, SyntaxError, RuntimeError, ValueError) as exc:
            raise StoreError(f"write failed: {exc}") from exc
        finally:
            self._needs_union = None

    def table_files(self) -> int:
        """How many RocksDB table files the on-disk store holds (0 in memory)."""
        return 0 if self.path is None else sum(1 for _ in self.path.glob("*.sst"))

    def documents_since_compaction(self) -> int:
        """Documents written or removed since the store was last compacted (0 in memory or unknown).

        Kept in :data:`MAINTENANCE_FILE` beside RocksDB's files (a build's copy of
        the store carries it over, see ``graph.storage.begin_build``).
        """
        if self.path is None:
            return 0
        try:
            data = json.loads((self.path / MAINTENANCE_FILE).read_text("utf-8"))
            return max(0, int(data.get("documents_since_compaction", 0)))
        except (OSError, ValueError, TypeError, AttributeError):
            return 0

    def note_documents_written(self, count: int) -> None:
        """Add ``count`` to :meth:`documents_since_compaction`."""
        self._save_maintenance(self.documents_since_compaction() + count)

    def _save_maintenance(self, documents: int) -> None:
        if self.path is None or self.read_only:
            return
        tmp = self.path / f".{MAINTENANCE_FILE}.tmp"
        # Bookkeeping only: failing to keep the count must not fail the write it follows
        # (at worst the next compaction comes later).
        with contextlib.suppress(OSError):
            tmp.write_text(json.dumps({"documents_since_compaction": documents}), "utf-8")
            tmp.replace(self.path / MAINTENANCE_FILE)

    def compact(self) -> None:
        """Merge the store's table files (RocksDB compaction, Oxigraph's ``optimize``).

        Every bulk load adds files whose keys overlap the rest of the store, and
        each lookup reads all of them: at 10,000 documents the saved queries ran
        1.4–2.8× faster after it (bench/RESULTS.md, run 11 against run 10). It
        rewrites the store (39–51 s at 10,000 documents), so the build calls it
        only once enough documents were written since the last compaction
        (`graph.pipeline.compact_if_worthwhile`).
        """
        if self.read_only:
            raise StoreError("the store is open read-only")
        try:
            self._ox.optimize()
        except OSError as exc:
            raise StoreError(f"compaction failed: {exc}") from exc
        self._save_maintenance(0)

    def load_file(self, path: str | Path, graph: URIRef, fmt: str | None = None) -> None:
        """Replace ``graph`` with a file's triples, atomically.

        For N-Quads / TriG files the default-graph part goes to ``graph`` and
        each named graph in the file replaces the graph of the same name.
        """
        groups = _group_for_load(_load_quads(Path(path), fmt), graph)
        self._merged_update(" ;\n".join(_replace_graph_update(g, t) for g, t in groups.items()))

    def close(self) -> None:
        """Flush and release the store (RocksDB lock is freed when collected)."""
        if self._store is not None:
            if not self.read_only:
                with contextlib.suppress(OSError):
                    self._store.flush()
            self._store = None
        if self._on_close is not None:
            callback, self._on_close = self._on_close, None
            callback()


def _collect(res: Any, max_rows: int | None, cancel: threading.Event) -> QueryResult:
    """Turn a pyoxigraph result into a QueryResult, polling ``cancel`` per row."""
    if isinstance(res, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(res))
    # A result repeats its terms (predicates, classes, the node it is about), and an
    # rdflib term costs microseconds to build: each distinct term is converted once.
    memo: dict[Any, Term | None] = {}

    def convert(term: Any) -> Term | None:
        found = memo.get(term, memo)
        if found is memo:
            found = memo[term] = from_ox(term)
        return found  # type: ignore[return-value]

    if isinstance(res, ox.QueryTriples):
        triples: list[Triple] = []
        for t in res:
            if cancel.is_set():
                break
            if max_rows is not None and len(triples) >= max_rows:
                return QueryResult(kind="graph", triples=triples, truncated=True)
            triples.append((convert(t.subject), convert(t.predicate), convert(t.object)))  # type: ignore[arg-type]
        return QueryResult(kind="graph", triples=triples)
    variables = [v.value for v in res.variables]
    width = len(variables)
    rows: list[tuple[Term | None, ...]] = []
    for sol in res:
        if cancel.is_set():
            break
        if max_rows is not None and len(rows) >= max_rows:
            return QueryResult(kind="select", variables=variables, rows=rows, truncated=True)
        rows.append(tuple(convert(sol[i]) for i in range(width)))
    return QueryResult(kind="select", variables=variables, rows=rows)


# --------------------------------------------------------------------------- endpoint

_ACCEPT = (
    "application/sparql-results+json, application/n-triples;q=0.9, "
    "text/turtle;q=0.8, application/sparql-results+xml;q=0.5"
)


class EndpointStore:
    """A store behind a SPARQL 1.1 server (Protocol, Update, Graph Store Protocol).

    Args:
        query_url: the query endpoint (``http://host:7878/query`` for Oxigraph).
        update_url: the update endpoint; ``None`` makes the store read-only.
        graph_store_url: the Graph Store Protocol endpoint used by ``dump``;
            without it dumps go through SELECT queries.
        auth: ``(user, password)`` for HTTP Basic authentication, or any
            ``requests`` auth object.
        union_default_graph: send Oxigraph's ``union-default-graph`` flag with
            each query. For other servers configure the union default graph on
            the server and set this to False.
        timeout_s: default time limit for ``query()``.
    """

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        auth: Any = None,
        *,
        union_default_graph: bool = True,
        timeout_s: float | None = None,
    ):
        import requests

        self.query_url = query_url
        self.update_url = update_url
        self.graph_store_url = graph_store_url
        self.union_default_graph = union_default_graph
        self._needs_union: bool | None = None
        self.timeout_s = timeout_s
        self._session: Any = requests.Session()
        if auth is not None:
            self._session.auth = auth

    def __repr__(self) -> str:
        return f"EndpointStore({self.query_url!r})"

    def __enter__(self) -> EndpointStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- HTTP plumbing

    def _post(
        self, url: str, data: dict[str, str], accept: str | None, timeout_s: float | None
    ) -> tuple[str, bytes]:
        """POST a form; return (content type, body), reading no longer than the limit."""
        import requests

        headers = {"Accept": accept} if accept else {}
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        try:
            resp = self._session.post(
                url, data=data, headers=headers, stream=True,
                timeout=(10.0, timeout_s if timeout_s is not None else 300.0),
            )
            chunks = []
            for chunk in resp.iter_content(64 * 1024):
                chunks.append(chunk)
                if deadline is not None and time.monotonic() > deadline:
                    resp.close()
                    raise QueryTimeout(f"query stopped after the {timeout_s:g} s time limit")
            body = b"".join(chunks)
        except requests.Timeout as exc:
            raise QueryTimeout(f"query stopped after the {timeout_s:g} s time limit") from exc
        except requests.RequestException as exc:
            raise StoreError(f"cannot reach {url}: {exc}") from exc
        if resp.status_code == 400:
            raise _syntax_error(body.decode("utf-8", "replace").strip())
        if resp.status_code >= 300:
            text = body.decode("utf-8", "replace").strip()[:500]
            raise StoreError(f"{url} answered HTTP {resp.status_code}: {text}")
        return resp.headers.get("Content-Type", ""), body

    def _select(self, sparql: str, *, union: bool) -> QueryResult:
        """An internal query (no guard, no binding), optionally without the union flag."""
        data = {"query": sparql}
        if union and self.union_default_graph:
            data["union-default-graph"] = ""
        ctype, body = self._post(self.query_url, data, _ACCEPT, self.timeout_s)
        return _parse_http_result(ctype, body, None)

    # -- reading

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        timeout_s: float | None = None,
        max_rows: int | None = None,
        isolate: bool | None = None,
    ) -> QueryResult:
        """Run a read-only query on the server; same contract as :meth:`OxigraphStore.query`.

        The time limit bounds the wait on the client; the server may go on
        computing (start ``oxigraph serve`` with ``--timeout-s`` to stop it there too).
        ``isolate`` is accepted for the seam's sake: the server is already another process.
        """
        del isolate
        check_read_only(sparql)
        data = {"query": limit_select(bind_query(sparql, bindings), max_rows)}
        if self.union_default_graph and self.needs_union():
            data["union-default-graph"] = ""
        limit = timeout_s if timeout_s is not None else self.timeout_s
        ctype, body = self._post(self.query_url, data, _ACCEPT, limit)
        return _parse_http_result(ctype, body, max_rows)

    def graphs(self) -> list[URIRef]:
        """The named graphs, sorted by IRI."""
        res = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", union=False)
        return sorted(r[0] for r in res.rows if isinstance(r[0], URIRef))

    def __len__(self) -> int:
        """Triples in the server's default graph (the merged view), or quads when it is empty."""
        res = self._select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", union=False)
        default = int(res.rows[0][0]) if res.rows else 0  # type: ignore[arg-type]
        if default:
            return default
        res = self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", union=False)
        return int(res.rows[0][0]) if res.rows else 0  # type: ignore[arg-type]

    def _graph_triples(self, graph: URIRef | None) -> list[ox.Triple]:
        """One graph's triples through the Graph Store Protocol (or CONSTRUCT)."""
        import requests

        if self.graph_store_url is None:
            pattern = (
                "{ ?s ?p ?o }" if graph is None else f"{{ GRAPH {to_ox(graph)} {{ ?s ?p ?o }} }}"
            )
            res = self._select(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {pattern}", union=False)
            return [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in res.triples]  # type: ignore[arg-type]
        params = {"default": ""} if graph is None else {"graph": str(graph)}
        try:
            resp = self._session.get(
                self.graph_store_url, params=params,
                headers={"Accept": "application/n-triples"}, timeout=(10.0, 300.0),
            )
        except requests.RequestException as exc:
            raise StoreError(f"cannot reach {self.graph_store_url}: {exc}") from exc
        if resp.status_code == 404:
            return []
        if resp.status_code >= 300:
            raise StoreError(f"{self.graph_store_url} answered HTTP {resp.status_code}")
        ctype = resp.headers.get("Content-Type", "")
        fmt = ox.RdfFormat.from_media_type(ctype) or ox.RdfFormat.N_TRIPLES
        return [q.triple for q in ox.parse(resp.content, format=fmt)]

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad of the dataset, graph by graph, then the passage triples of the default graph.

        The rest of the merged default graph only repeats the named graphs.
        """
        graphs = self.graphs()
        if not graphs:
            for t in self._graph_triples(None):
                yield ox.Quad(t.subject, t.predicate, t.object)
            return

        def named() -> Iterator[ox.Quad]:
            for g in graphs:
                gn = ox.NamedNode(str(g))
                for t in self._graph_triples(g):
                    yield ox.Quad(t.subject, t.predicate, t.object, gn)

        def passages() -> Iterator[ox.Triple]:
            for s, p, o in self._select(_PASSAGE_TRIPLES, union=False).triples:
                yield ox.Triple(to_ox(s), to_ox(p), to_ox(o))  # type: ignore[arg-type]

        yield from _with_passages(named(), passages)

    def dump(self, path: str | Path, fmt: str | None = None, *, union: bool = True) -> None:
        """Write the server's dataset to a file; same rules as :meth:`OxigraphStore.dump`."""
        path = Path(path)
        _write_atomic(path, serialize_quads(self.quads(), rdf_format(path, fmt), union=union))

    # -- writing

    def _update(self, update: str) -> None:
        if self.update_url is None:
            raise StoreError("this endpoint store has no update URL: it is read-only")
        self._post(self.update_url, {"update": update}, None, None)

    def needs_union(self) -> bool:
        """True while the server's default graph is not the merged view (data from elsewhere)."""
        if self._needs_union is None:
            has_default = self._select("ASK { ?s ?p ?o }", union=False).boolean
            has_named = self._select("ASK { GRAPH ?g { ?s ?p ?o } }", union=False).boolean
            self._needs_union = bool(has_named and not has_default)
        return self._needs_union

    def _merged_update(self, update: str) -> None:
        self._update(_merging(update, self.needs_union()))
        self._needs_union = None

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update in one request (see :meth:`Store.update`)."""
        self._merged_update(sparql)

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None:
        """Replace a graph and its share of the merged default graph in one update request."""
        self._merged_update(_replace_graph_update(graph, triples))

    def remove_graph(self, graph: URIRef) -> None:
        """Drop one named graph and what only it said; nothing happens when it does not exist."""
        self._merged_update(_replace_graph_update(graph, []))

    def load_file(self, path: str | Path, graph: URIRef, fmt: str | None = None) -> None:
        """Parse a file locally and replace ``graph`` (and any named graphs it holds)."""
        groups = _group_for_load(_load_quads(Path(path), fmt), graph)
        self._merged_update(" ;\n".join(_replace_graph_update(g, t) for g, t in groups.items()))

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()


def _parse_http_result(ctype: str, body: bytes, max_rows: int | None) -> QueryResult:
    """Decode a SPARQL results document or an RDF graph into a QueryResult."""
    media = ctype.split(";")[0].strip().lower()
    results_fmt = ox.QueryResultsFormat.from_media_type(media) if media else None
    never = threading.Event()
    if results_fmt is not None:
        try:
            res = ox.parse_query_results(body, format=results_fmt)
        except SyntaxError as exc:
            raise StoreError(f"unreadable query results: {exc}") from exc
        return _collect(res, max_rows, never)
    rdf_fmt = ox.RdfFormat.from_media_type(media) if media else None
    if rdf_fmt is None:
        raise StoreError(f"unexpected response type {ctype!r}")
    triples: list[Triple] = []
    for q in ox.parse(body, format=rdf_fmt):
        if max_rows is not None and len(triples) >= max_rows:
            return QueryResult(kind="graph", triples=triples, truncated=True)
        triples.append((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))  # type: ignore[arg-type]
    return QueryResult(kind="graph", triples=triples)


# --------------------------------------------------------------------------- factory


def open_store(
    location: str | Path | None = None,
    *,
    endpoint: str | None = None,
    user: str | None = None,
    password: str | None = None,
    read_only: bool = False,
    timeout_s: float | None = None,
    isolate_queries: bool = False,
) -> Store:
    """Open the embedded store at ``location`` or a SPARQL server at ``endpoint``.

    A ``location`` in the versioned layout of :mod:`graph.storage` opens its
    published version (read-only: builds go through
    :func:`graph.storage.begin_build`); a plain RocksDB folder opens as it is.

    Args:
        location: store directory; ``None`` (and no endpoint) gives an in-memory store.
        endpoint: a server's base URL (``http://127.0.0.1:7878``, whose
            ``/query``, ``/update`` and ``/store`` are used, as Oxigraph lays
            them out) or its query URL ending in ``/query`` or ``/sparql``.
        user: user name for HTTP Basic authentication.
        password: password for HTTP Basic authentication.
        read_only: open for reading only (no update URL for an endpoint).
        timeout_s: default time limit for queries.
        isolate_queries: embedded store only: run every query in a child
            process killed at its time limit (see :meth:`OxigraphStore.query`).

    Returns:
        A :class:`Store`.

    Raises:
        StoreError: a versioned store opened for writing, or nothing built there yet.
    """
    if endpoint is None:
        if location is not None:
            from graph import storage

            if not storage.is_legacy(location) and storage.is_versioned(location):
                if not read_only:
                    raise StoreError(
                        f"{location} is a versioned store: published versions are read-only; "
                        "build into it with graph.storage.begin_build"
                    )
                store = storage.open_current(location, timeout_s=timeout_s)
                store.isolate_queries = isolate_queries
                return store
        return OxigraphStore(location, read_only=read_only, timeout_s=timeout_s,
                             isolate_queries=isolate_queries)
    url = endpoint.rstrip("/")
    if url.endswith(("/query", "/sparql")):
        query_url, graph_store_url = url, None
        update_url = url.rsplit("/", 1)[0] + "/update"
    else:
        query_url, update_url, graph_store_url = f"{url}/query", f"{url}/update", f"{url}/store"
    auth = (user, password or "") if user is not None else None
    return EndpointStore(
        query_url,
        None if read_only else update_url,
        graph_store_url,
        auth,
        timeout_s=timeout_s,
    )
