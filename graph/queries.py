"""Saved SPARQL queries, loaded by name and run with bound parameters.

Saved queries are files ``ontology/queries/<name>.rq``; the query layer's
own queries live in ``ontology/queries/_internal/``. Each file starts with
header comments::

    # title_zh: 哪些机构服务于涉及某主题的措施
    # title_en: Which institutions serve measures about X
    # description: free text (may repeat)
    # param: keyword  措施文本中的关键词 / keyword in the measure text
    # param: node:iri  a parameter that takes an IRI

followed by the query, which uses ``?keyword`` where the value goes. A
parameter's type follows its name after a colon: ``str`` (the default),
``iri``, ``int``, ``decimal``.

How values are bound
--------------------
A ``str`` parameter is bound as a *plain* literal (``xsd:string``, no
language tag), whatever the script. Plain literals are argument-compatible
with ``@zh-Hans`` labels in SPARQL's string functions, so
``CONTAINS(?text, ?keyword)`` and ``STRSTARTS`` work against tagged and
untagged text alike; a ``"…"@zh-Hans`` value would make ``CONTAINS`` an
error against an untagged ``ipkg:quote``. Equality is the exception: compare
``STR(?label) = STR(?keyword)``, since ``"x"@zh-hans = "x"`` is false.
Values are not converted between scripts here (quotes keep the source's
script); :func:`search_entities` converts Traditional to Simplified itself.
A parameter left out stays unbound. Binding is done by the store
(:func:`graph.store.bind_query`), never by formatting strings.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from graph.namespaces import IPKG, OWL, PREFIXES, PROV
from graph.store import QueryResult, Store

__all__ = [
    "CLASS_ORDER",
    "INSTITUTION_CLASSES",
    "INTERNAL_DIR",
    "QUERY_DIR",
    "DocumentRow",
    "EntityCard",
    "EntityHit",
    "MentionRef",
    "Param",
    "Relation",
    "SavedQuery",
    "compact_iri",
    "counts_by_class",
    "documents",
    "entity_card",
    "internal_queries",
    "is_iri",
    "local_name",
    "node_label",
    "parse_parameter",
    "prepare",
    "primary_class",
    "python_value",
    "results_json",
    "run_rows",
    "run_saved",
    "saved_queries",
    "search_entities",
    "to_simplified",
]

QUERY_DIR = Path(__file__).resolve().parents[1] / "ontology" / "queries"
INTERNAL_DIR = QUERY_DIR / "_internal"

_HEADER = re.compile(r"^#\s*(title_zh|title_en|description|param)\s*:\s*(.*)$")
_PARAM_KINDS = ("str", "iri", "int", "decimal")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|^`\\]*$")
_DECLARED_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.\-]*)?\s*:", re.IGNORECASE)


def is_iri(text: object) -> bool:
    """True for an absolute IRI that a query may name (what ``:iri`` parameters accept)."""
    return bool(_IRI.match(str(text)))


# --------------------------------------------------------------------------- saved queries


@dataclass(frozen=True)
class Param:
    """One parameter of a saved query: ``?name`` in the text."""

    name: str
    description: str = ""
    kind: str = "str"  # str | iri | int | decimal

    @property
    def required(self) -> bool:
        """False when the header calls the parameter optional (可选 / optional): the query runs without it."""
        return not re.search(r"可选|\boptional\b", self.description)


@dataclass(frozen=True)
class SavedQuery:
    """A query file with its header parsed."""

    name: str
    title_zh: str
    title_en: str
    description: str
    parameters: tuple[Param, ...]
    text: str

    @property
    def sparql(self) -> str:
        """The query text with the project prefixes it does not declare itself."""
        return prepare(self.text)

    def title(self, lang: str = "zh") -> str:
        """The title in ``lang`` ("zh" or "en"), falling back to the other one or the name."""
        first, second = (self.title_en, self.title_zh) if lang.startswith("en") else (
            self.title_zh, self.title_en)
        return first or second or self.name


def _parse_file(path: Path) -> SavedQuery:
    """Read one .rq file: header comments, then the query."""
    text = path.read_text("utf-8")
    fields: dict[str, str] = {"title_zh": "", "title_en": ""}
    description: list[str] = []
    params: list[Param] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        m = _HEADER.match(stripped)
        if m is None:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "param":
            name, _, doc = value.partition(" ")
            name, _, kind = name.partition(":")
            kind = kind or "str"
            if kind not in _PARAM_KINDS:
                raise ValueError(f"{path.name}: parameter {name!r} has unknown type {kind!r}")
            params.append(Param(name.lstrip("?$"), doc.strip(), kind))
        elif key == "description":
            description.append(value)
        else:
            fields[key] = value
    return SavedQuery(
        name=path.stem,
        title_zh=fields["title_zh"],
        title_en=fields["title_en"],
        description="\n".join(description),
        parameters=tuple(params),
        text=text,
    )


@lru_cache(maxsize=4)
def _load_dir(directory: Path) -> dict[str, SavedQuery]:
    return {p.stem: _parse_file(p) for p in sorted(directory.glob("*.rq"))}


def saved_queries() -> dict[str, SavedQuery]:
    """The saved queries of ``ontology/queries/*.rq`` by name (cached).

    Call ``saved_queries.cache_clear()`` after editing the files in a running process.
    """
    return _load_dir(QUERY_DIR)


def internal_queries() -> dict[str, SavedQuery]:
    """The query layer's own queries (``ontology/queries/_internal/*.rq``), by name."""
    return _load_dir(INTERNAL_DIR)


saved_queries.cache_clear = _load_dir.cache_clear  # type: ignore[attr-defined]


def prepare(text: str, *, only_used: bool = False) -> str:
    """Prepend PREFIX lines for the project prefixes the query does not declare.

    Args:
        text: SPARQL as typed by a person or read from a file.
        only_used: add only the prefixes the text uses (``ipkg:Measure``), as the
            SPARQL editor shows them; by default every missing one is added.

    Returns:
        The text with the missing ``PREFIX`` declarations first (a query's own
        declarations come later and so win).
    """
    declared = {m.group(1) or "" for m in _DECLARED_PREFIX.finditer(text)}
    missing = "".join(
        f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items()
        if p not in declared and (not only_used or re.search(rf"(?<![\w<]){re.escape(p)}:", text))
    )
    return missing + text if missing else text


def _coerce(param: Param | None, value: Any) -> Node:
    """An rdflib term for one parameter value (see the module docstring)."""
    if isinstance(value, URIRef | Literal):
        return value
    kind = param.kind if param is not None else "str"
    name = param.name if param is not None else "?"
    if kind == "iri":
        iri = str(value)
        if not is_iri(iri):
            raise ValueError(f"parameter {name} takes an absolute IRI, got {iri!r}")
        return URIRef(iri)
    try:
        if kind == "int" or (kind == "str" and isinstance(value, int) and not isinstance(value, bool)):
            return Literal(int(value))
        if kind == "decimal" or isinstance(value, Decimal | float):
            return Literal(Decimal(str(value)), datatype=XSD.decimal)
    except (ValueError, ArithmeticError):
        raise ValueError(f"parameter {name} takes a number ({kind}), got {value!r}") from None
    return Literal(str(value))


def parse_parameter(param: Param, text: str) -> Node:
    """The term for a parameter value typed into a form field.

    Like the values :func:`run_saved` takes, typed by the parameter's kind, except
    that a ``str`` parameter given an absolute http(s) IRI gets the IRI (saved
    queries document such parameters as "name or IRI").

    Raises:
        ValueError: the text does not fit the parameter's kind.
    """
    text = text.strip()
    if param.kind == "str" and re.fullmatch(r"https?://\S+", text):
        return URIRef(text)
    return _coerce(param, text)


def _bindings(query: SavedQuery, params: Mapping[str, Any]) -> dict[str, Node]:
    declared = {p.name: p for p in query.parameters}
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise TypeError(f"query {query.name!r} has no parameter(s) {', '.join(unknown)}")
    return {k: _coerce(declared[k], v) for k, v in params.items() if v is not None}


def run_saved(
    store: Store,
    name: str,
    *,
    timeout_s: float | None = None,
    max_rows: int | None = None,
    **params: Any,
) -> QueryResult:
    """Run the saved query ``name`` with its parameters bound.

    Args:
        store: where to run it.
        name: file stem in ``ontology/queries`` (or ``_internal``).
        timeout_s: time limit in seconds.
        max_rows: truncate the answer after this many rows.
        **params: parameter values: str, int, Decimal/float, or rdflib terms
            (``URIRef`` for IRIs). ``None`` or a missing parameter stays unbound.

    Raises:
        KeyError: no query has that name.
        TypeError: a parameter the query does not declare.
    """
    query = saved_queries().get(name) or internal_queries().get(name)
    if query is None:
        raise KeyError(f"no saved query named {name!r}")
    return store.query(
        query.sparql, _bindings(query, params), timeout_s=timeout_s, max_rows=max_rows
    )


def python_value(term: Node | None) -> Any:
    """A displayable Python value for one term: numbers as numbers, the rest as text.

    IRIs become their string; ``None`` (unbound) stays ``None``. Unlike rdflib's
    ``toPython`` dates stay ISO strings, so tables and CSV files show them as written.
    """
    if term is None:
        return None
    if isinstance(term, Literal):
        dt = str(term.datatype or "")
        if dt.endswith(("#integer", "#int", "#long", "#nonNegativeInteger")):
            try:
                return int(str(term))
            except ValueError:
                return str(term)
        if dt.endswith(("#decimal", "#double", "#float")):
            try:
                value = float(Decimal(str(term)))
            except ArithmeticError:
                return str(term)
            return int(value) if value.is_integer() else value
        if dt.endswith("#boolean"):
            return str(term).lower() in ("true", "1")
    return str(term)


def run_rows(store: Store, name: str, *, timeout_s: float | None = 30.0, **params: Any) -> list[dict[str, Any]]:
    """Run the saved or internal query ``name`` and return its rows as dicts of Python values.

    Args:
        store: where to run it.
        name: the query's name (see :func:`run_saved`).
        timeout_s: time limit in seconds.
        **params: parameter values, as for :func:`run_saved`.
    """
    res = run_saved(store, name, timeout_s=timeout_s, **params)
    return [{v: python_value(t) for v, t in zip(res.variables, row, strict=True)} for row in res.rows]


def compact_iri(value: Any) -> Any:
    """``ipkg:Measure`` for an IRI under a project namespace; any other value unchanged."""
    if isinstance(value, str) and "://" in value:
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            local = value[len(ns):]
            if value.startswith(ns) and re.fullmatch(r"[\w.-]*", local.replace("/", "_")):
                return f"{prefix}:{local}"
    return value


def results_json(res: QueryResult) -> dict[str, Any]:
    """A SELECT or ASK result in the SPARQL 1.1 Query Results JSON format."""
    if res.kind == "ask":
        return {"head": {}, "boolean": bool(res.boolean)}

    def cell(term: Node) -> dict[str, str]:
        if isinstance(term, URIRef):
            return {"type": "uri", "value": str(term)}
        if isinstance(term, BNode):
            return {"type": "bnode", "value": str(term)}
        out = {"type": "literal", "value": str(term)}
        if isinstance(term, Literal) and term.language:
            out["xml:lang"] = term.language
        elif isinstance(term, Literal) and term.datatype:
            out["datatype"] = str(term.datatype)
        return out

    return {
        "head": {"vars": list(res.variables)},
        "results": {"bindings": [
            {v: cell(t) for v, t in zip(res.variables, row, strict=True) if t is not None}
            for row in res.rows
        ]},
    }


# --------------------------------------------------------------------------- vocabulary helpers

#: ipkg classes from most to least specific: a node typed with several shows the first.
CLASS_ORDER: tuple[str, ...] = (
    "GovernmentAgency", "InternalUnit", "ProtectionCenter", "ServiceCenter", "Platform",
    "Court", "University", "Association", "Base", "Fund", "Institution", "Policy", "Program",
    "Event", "Indicator", "Measure", "Target", "Region", "Document", "Mention",
    "NamedEntity",  # the superclass of named things: never the most specific
)
#: The institution classes: Institution and its subclasses.
INSTITUTION_CLASSES: frozenset[str] = frozenset(CLASS_ORDER[: CLASS_ORDER.index("Institution") + 1])


def local_name(iri: str | Node) -> str:
    """The part of an IRI after its last ``#`` or ``/``."""
    text = str(iri)
    return re.split(r"[#/]", text.rstrip("/#"))[-1] or text


def primary_class(types: Iterable[str | Node]) -> str:
    """The short name of the most specific ipkg class among ``types`` ("" if none).

    Unknown ipkg classes (added to the ontology later) rank before the
    generic ``Institution`` but after the classes listed in :data:`CLASS_ORDER`.
    """
    names = {str(t)[len(str(IPKG)):] for t in types if str(t).startswith(str(IPKG))}
    if not names:
        return ""
    rank = {n: i for i, n in enumerate(CLASS_ORDER)}
    unknown_rank = CLASS_ORDER.index("Institution") - 0.5

    def key(n: str) -> tuple[float, str]:
        return (rank.get(n, unknown_rank), n)

    return min(names, key=key)


def node_label(
    iri: str | Node,
    pref: Node | str | None = None,
    title: Node | str | None = None,
    text: Node | str | None = None,
    file_name: Node | str | None = None,
    *,
    width: int = 40,
) -> str:
    """The best display name: preferred label, title, start of the text, file name, IRI's end."""
    for value in (pref, title):
        if value:
            return str(value)
    if text:
        s = " ".join(str(text).split())
        return s if len(s) <= width else s[: width - 1] + "…"
    return str(file_name) if file_name else local_name(iri)


def _split_iris(value: Node | None) -> list[str]:
    return str(value).split() if value else []


# --------------------------------------------------------------------------- search

_converter_lock = threading.Lock()


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese with OpenCC ``t2s`` (other text unchanged)."""
    converter = _t2s()
    with _converter_lock:  # OpenCC's Python binding makes no thread-safety promise
        return converter.convert(text)


@dataclass(frozen=True)
class EntityHit:
    """One entity found by :func:`search_entities`."""

    iri: URIRef
    label: str
    cls: str
    matched: str
    score: int  # 0 exact, 1 prefix, 2 elsewhere in the name


def search_entities(
    store: Store,
    text: str,
    classes: Iterable[str | URIRef] | None = None,
    limit: int = 50,
    *,
    timeout_s: float | None = 10.0,
) -> list[EntityHit]:
    """Find entities whose preferred or alternative label contains ``text``.

    The text is stripped and converted Traditional → Simplified first; both
    forms are matched, case-insensitively, and bound as parameters.

    Args:
        store: the store to search.
        text: part of a name, in either script.
        classes: ipkg class short names or IRIs to restrict to (subclasses
            included when the ontology graph is loaded); None for any.
        limit: at most this many hits.
        timeout_s: time limit per query.

    Returns:
        Hits, exact matches first, then prefix matches, then shorter names.
    """
    raw = " ".join(text.split())
    if not raw or limit <= 0:
        return []
    simplified = to_simplified(raw)
    wanted = [URIRef(c) if ":" in str(c) else IPKG[str(c)] for c in (classes or [])] or [OWL.Thing]
    hits: dict[URIRef, EntityHit] = {}
    for cls in wanted:
        res = run_saved(
            store, "search_entities", q=simplified, raw=raw, cls=cls,
            timeout_s=timeout_s, max_rows=limit,
        )
        for row in res.dicts():
            iri = row["entity"]
            if not isinstance(iri, URIRef):
                continue
            hit = EntityHit(
                iri=iri,
                label=node_label(iri, row["label"]),
                cls=primary_class(_split_iris(row["types"])),
                matched=str(row["matched"] or ""),
                score=int(row["score"]) if row["score"] is not None else 2,  # type: ignore[arg-type]
            )
            if iri not in hits or hit.score < hits[iri].score:
                hits[iri] = hit
    ordered = sorted(hits.values(), key=lambda h: (h.score, len(h.label), h.label, str(h.iri)))
    return ordered[:limit]


# --------------------------------------------------------------------------- entity card

_LABEL_PROPS = {
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
}
_REGION_PROPS = {str(IPKG.locatedIn), str(IPKG.jurisdiction), str(IPKG.region)}
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: The super-property of statedIn / inDocument: listed, it would show every source twice.
_DERIVED_FROM = str(PROV.wasDerivedFrom)


@dataclass(frozen=True)
class Relation:
    """One edge from or to the entity of a card."""

    predicate: URIRef
    name: str  # the predicate's short name (servedBy)
    other: URIRef
    other_label: str
    other_cls: str
    quote: str | None = None  # the source passage of the other node (a measure's quote)


@dataclass(frozen=True)
class MentionRef:
    """One place a document mentions the entity."""

    mention: URIRef
    document: URIRef
    file_name: str
    title: str
    quote: str
    start: int | None
    end: int | None
    measure: URIRef | None


@dataclass(frozen=True)
class EntityCard:
    """Everything the entity page shows about one node."""

    iri: URIRef
    label: str
    alt_labels: tuple[str, ...]
    types: tuple[str, ...]
    cls: str
    region: str | None
    region_iri: URIRef | None
    attributes: tuple[tuple[str, str], ...]  # (predicate short name, literal value)
    outgoing: tuple[Relation, ...]
    incoming: tuple[Relation, ...]
    mentions: tuple[MentionRef, ...]


def _int(value: Node | None) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def entity_card(
    store: Store, iri: str | URIRef, *, timeout_s: float | None = 10.0
) -> EntityCard | None:
    """Collect labels, types, region, relations in and out, and mentions of one node.

    Args:
        store: the store.
        iri: the node.
        timeout_s: time limit per query.

    Returns:
        The card, or None when the store says nothing about the node (or ``iri``
        is not an IRI, as in a hand-edited link: it names no node).
    """
    if not is_iri(iri):
        return None
    node = URIRef(str(iri))
    out = run_saved(store, "entity_out", entity=node, timeout_s=timeout_s).dicts()
    inc = run_saved(store, "entity_in", entity=node, timeout_s=timeout_s).dicts()
    if not out and not inc:
        return None
    ments = run_saved(store, "entity_mentions", entity=node, timeout_s=timeout_s).dicts()

    pref: str | None = None
    title: str | None = None
    text: str | None = None
    file_name: str | None = None
    alts: list[str] = []
    types: list[str] = []
    attributes: list[tuple[str, str]] = []
    outgoing: list[Relation] = []
    region: tuple[str, URIRef] | None = None
    for row in out:
        p, o = str(row["p"]), row["o"]
        if p == _RDF_TYPE:
            types.append(str(o))
        elif isinstance(o, Literal):
            if p == "http://www.w3.org/2004/02/skos/core#prefLabel":
                pref = pref or str(o)
            elif p in _LABEL_PROPS:
                alts.append(str(o))
            else:
                if p == "http://purl.org/dc/terms/title":
                    title = title or str(o)
                elif p == str(IPKG.text):
                    text = text or str(o)
                elif p == str(IPKG.fileName):
                    file_name = file_name or str(o)
                attributes.append((local_name(p), str(o)))
        elif isinstance(o, URIRef) and p != _DERIVED_FROM:
            label = node_label(o, row["prefLabel"], row["title"], row["text"], row["fileName"])
            outgoing.append(Relation(URIRef(p), local_name(p), o, label,
                                     primary_class(_split_iris(row["types"]))))
            if p in _REGION_PROPS and region is None:
                region = (label, o)
    incoming = [
        Relation(URIRef(str(row["p"])), local_name(str(row["p"])), row["s"],  # type: ignore[arg-type]
                 node_label(row["s"], row["prefLabel"], row["title"], row["text"], row["fileName"]),  # type: ignore[arg-type]
                 primary_class(_split_iris(row["types"])),
                 str(row["quote"]) if row["quote"] is not None else None)
        for row in inc if isinstance(row["s"], URIRef)
    ]
    mentions = [
        MentionRef(
            mention=row["mention"], document=row["document"],  # type: ignore[arg-type]
            file_name=str(row["fileName"] or ""), title=str(row["title"] or ""),
            quote=str(row["quote"] or ""), start=_int(row["start"]), end=_int(row["end"]),
            measure=row["measure"] if isinstance(row["measure"], URIRef) else None,
        )
        for row in ments
    ]
    return EntityCard(
        iri=node,
        label=node_label(node, pref, title, text, file_name),
        alt_labels=tuple(sorted(set(alts) - {pref or ""})),
        types=tuple(sorted({local_name(t) for t in types})),
        cls=primary_class(types),
        region=region[0] if region else None,
        region_iri=region[1] if region else None,
        attributes=tuple(sorted(attributes)),
        outgoing=tuple(outgoing),
        incoming=tuple(incoming),
        mentions=tuple(mentions),
    )


# --------------------------------------------------------------------------- overview


def counts_by_class(store: Store, *, timeout_s: float | None = 30.0) -> dict[str, int]:
    """Number of nodes per ipkg class (stated types), largest first, by short name."""
    res = run_saved(store, "counts_by_class", timeout_s=timeout_s)
    return {local_name(cls): int(n) for cls, n in res.rows}  # type: ignore[arg-type]


@dataclass(frozen=True)
class DocumentRow:
    """One document of the store, for lists and tables."""

    iri: URIRef
    file_name: str
    title: str
    doc_number: str
    issued: str
    level: str
    genre: str
    jurisdiction: str
    issued_by: str
    measures: int | None  # None: built before documents stated their count (ipkg:measureCount)


def documents(store: Store, *, timeout_s: float | None = 30.0) -> list[DocumentRow]:
    """Every ipkg:Document with its metadata, sorted by file name."""
    res = run_saved(store, "documents", timeout_s=timeout_s)

    def s(v: Node | None) -> str:
        return "" if v is None else str(v)

    return [
        DocumentRow(
            iri=r["document"], file_name=s(r["fileName"]), title=s(r["title"]),  # type: ignore[arg-type]
            doc_number=s(r["docNumber"]), issued=s(r["issued"]), level=s(r["level"]),
            genre=s(r["genre"]), jurisdiction=s(r["jurisdiction"]), issued_by=s(r["issuedBy"]),
            measures=_int(r["measures"]),
        )
        for r in res.dicts()
    ]


