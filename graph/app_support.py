"""What the Streamlit pages share: the store, the app's saved queries, an entity index,
ego networks, network HTML, source texts and URL state.

Pages import from here and from the query layer (`graph.store`, `graph.queries`,
`graph.export`); none of them builds SPARQL. The queries the pages need live as
`graph/app_queries/*.rq` and are run with bound parameters.

The store is opened once per process (`st.cache_resource`) read-only; a missing
or empty store is built from the bundled corpus with the pipeline first.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node as Term

from graph.i18n import class_name, normalise_lang, relation_name
from graph.namespaces import ID, IPKG, ONTOLOGY_GRAPH, PREFIXES

ROOT = Path(__file__).resolve().parents[1]
QUERY_DIR = Path(__file__).with_name("app_queries")
DEFAULT_STORE = ROOT / "data" / "store"
DEFAULT_CORPUS = ROOT / "data" / "corpus"
UPLOAD_DIR = ROOT / "data" / "uploads"
#: Named graph the test fixture is loaded into.
FIXTURE_GRAPH = URIRef("https://w3id.org/ipkg/graph/fixture")

#: Past this many nodes the network is laid out here and physics is switched off,
#: so the browser draws it at once instead of simulating for seconds.
PHYSICS_LIMIT = 150
#: Default cap on the nodes an ego network shows; the rest is reported as "+N more".
DEFAULT_NODE_LIMIT = 200

__all__ = [
    "DEFAULT_NODE_LIMIT", "PHYSICS_LIMIT", "AppStore", "EgoNetwork", "EntityIndex", "GraphNode",
    "build_store_if_needed", "class_style", "document_text", "ego_network", "entity_param",
    "highlight_spans", "iri_from_param", "local_name", "network_html", "open_app_store",
    "query_rows", "run_app_query", "saved_app_queries", "to_python",
]


# --------------------------------------------------------------------------- store


@dataclass
class QueryRows:
    """A query result as plain Python: `kind`, `variables`, `rows` (tuples of terms)."""

    kind: str
    variables: list[str]
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    triples: list[tuple[Term, Term, Term]] = field(default_factory=list)
    truncated: bool = False
    boolean: bool | None = None


class AppStore:
    """The app's read handle on the graph: `query(sparql, bindings, timeout_s, max_rows)`.

    Wraps `graph.store.Store` when the query layer is installed; otherwise (early
    development, tests with a fixture) an in-memory pyoxigraph store.
    """

    def __init__(self, inner: Any, *, location: str = "", native: bool = True) -> None:
        self.inner = inner
        self.location = location
        self.native = native  # True: inner is a graph.store.Store

    def query(self, sparql: str, bindings: Mapping[str, Term] | None = None, *,
              timeout_s: float = 10.0, max_rows: int = 100_000) -> Any:
        """Run a read-only query; returns the store's `QueryResult` (or `QueryRows`)."""
        if self.native:
            return self.inner.query(sparql, bindings=dict(bindings or {}), timeout_s=timeout_s,
                                    max_rows=max_rows)
        return _ox_query(self.inner, sparql, bindings or {}, max_rows)

    def close(self) -> None:
        """Release the underlying store, if it can be released."""
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


def _ox_term(term: Term) -> Any:
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot bind {term!r}")


def _rdflib_term(term: Any) -> Term | None:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return Literal(str(term))


def _ox_query(store: Any, sparql: str, bindings: Mapping[str, Term], max_rows: int) -> QueryRows:
    import pyoxigraph as ox

    subs = {ox.Variable(k): _ox_term(v) for k, v in bindings.items()}
    res = store.query(sparql, substitutions=subs or None, use_default_graph_as_union=True)
    if isinstance(res, ox.QueryBoolean):
        return QueryRows("ask", [], boolean=bool(res))
    if isinstance(res, ox.QueryTriples):
        triples = []
        for i, t in enumerate(res):
            if i >= max_rows:
                return QueryRows("graph", [], triples=triples, truncated=True)
            triples.append((_rdflib_term(t.subject), _rdflib_term(t.predicate), _rdflib_term(t.object)))
        return QueryRows("graph", [], triples=triples)
    variables = [v.value for v in res.variables]
    rows: list[tuple[Term | None, ...]] = []
    truncated = False
    for i, sol in enumerate(res):
        if i >= max_rows:
            truncated = True
            break
        rows.append(tuple(_rdflib_term(sol[v]) for v in variables))
    return QueryRows("select", variables, rows, truncated=truncated)


def store_location() -> tuple[str | None, str | None]:
    """(path, endpoint) the app reads: env `IPKG_ENDPOINT`, else `IPKG_STORE`, else data/store."""
    endpoint = os.environ.get("IPKG_ENDPOINT") or None
    path = os.environ.get("IPKG_STORE") or str(DEFAULT_STORE)
    return (None if endpoint else path), endpoint


def _fixture_store(path: Path) -> AppStore:
    """An in-memory store holding one Turtle/TriG file and the ontology (tests, development)."""
    ontology = ROOT / "ontology" / "ipkg.ttl"
    try:
        from graph.store import open_store
    except ImportError:  # before the query layer existed: plain pyoxigraph
        import pyoxigraph as ox

        store = ox.Store()
        fmt = ox.RdfFormat.TRIG if path.suffix == ".trig" else ox.RdfFormat.TURTLE
        store.load(path=str(path), format=fmt, to_graph=ox.NamedNode(f"{FIXTURE_GRAPH}"))
        if ontology.is_file():
            store.load(path=str(ontology), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(ONTOLOGY_GRAPH)))
        return AppStore(store, location=str(path), native=False)
    inner = open_store(None)
    inner.load_file(path, FIXTURE_GRAPH)
    if ontology.is_file():
        inner.load_file(ontology, ONTOLOGY_GRAPH)
    return AppStore(inner, location=str(path))


def _store_is_empty(store: AppStore) -> bool:
    res = store.query("ASK { GRAPH ?g { ?s ?p ?o } }")
    kind = getattr(res, "kind", "")
    if kind == "ask":
        value = getattr(res, "boolean", None)
        if value is None:  # graph.store's QueryResult: ASK as one row
            value = bool(res.rows and res.rows[0] and res.rows[0][0] is not None
                         and to_python(res.rows[0][0]))
        return not value
    return not getattr(res, "rows", None)


def build_store_if_needed(path: str | Path, corpus: str | Path = DEFAULT_CORPUS,
                          progress: Callable[..., None] | None = None) -> bool:
    """Build the on-disk store from the corpus when it is missing or empty.

    Returns True when a build ran. Needs `graph.pipeline.build`; without it the
    store is left as it is.
    """
    path = Path(path)
    if path.exists() and any(path.iterdir()):
        return False
    try:
        from graph.pipeline import build
        from graph.store import open_store
    except ImportError:
        return False
    store = open_store(str(path))
    try:
        build([Path(corpus)], store, progress=progress)
    finally:
        store.close()
    return True


def add_documents(store: AppStore, paths: Sequence[Path],
                  progress: Callable[[int, int, str], None] | None = None) -> Any:
    """Build `paths` into the graph, keeping what is there; returns the pipeline's report.

    An on-disk store is written through its own writable handle while the
    app's read-only one is closed (a reader never holds the store during a
    build); an in-memory or endpoint store is written through the same handle.
    """
    from graph.pipeline import build

    path, endpoint = store_location()
    if endpoint or os.environ.get("IPKG_FIXTURE"):
        return build(list(paths), store.inner, progress=progress)
    from graph.store import open_store

    store.close()
    writer = open_store(str(path))
    try:
        return build(list(paths), writer, progress=progress)
    finally:
        writer.close()


def open_app_store(path: str | Path | None = None, endpoint: str | None = None) -> AppStore:
    """Open the graph for reading.

    `IPKG_FIXTURE` (a .ttl/.trig file) wins over everything: an in-memory store
    with that file, for tests. Otherwise an endpoint, or the on-disk store opened
    read-only through `graph.store.open_store`.
    """
    fixture = os.environ.get("IPKG_FIXTURE")
    if fixture:
        return _fixture_store(Path(fixture))
    if path is None and endpoint is None:
        path, endpoint = store_location()
    from graph.store import open_store  # the query layer's seam

    if endpoint:
        return AppStore(open_store(endpoint=endpoint), location=endpoint)
    try:
        inner = open_store(str(path), read_only=True)
    except TypeError:  # a store without a read-only switch
        inner = open_store(str(path))
    return AppStore(inner, location=str(path))


# --------------------------------------------------------------------------- queries


@lru_cache(maxsize=1)
def saved_app_queries() -> dict[str, str]:
    """The app's queries by name (file stem of `graph/app_queries/*.rq`)."""
    return {p.stem: p.read_text("utf-8") for p in sorted(QUERY_DIR.glob("*.rq"))}


def to_python(term: Term | None) -> Any:
    """A displayable Python value for one RDF term (IRIs as strings, numbers as numbers)."""
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
    return str(term)


def run_app_query(store: AppStore, name: str, **bindings: Term) -> Any:
    """Run the app query `name` with bound parameters; returns the raw result."""
    return store.query(saved_app_queries()[name], bindings=bindings, timeout_s=30)


def query_rows(store: AppStore, name: str, **bindings: Term) -> list[dict[str, Any]]:
    """Run the app query `name` and return its rows as dicts of Python values."""
    res = run_app_query(store, name, **bindings)
    return [dict(zip(res.variables, (to_python(v) for v in row), strict=False)) for row in res.rows]


# --------------------------------------------------------------------------- entity index

#: Most specific first: the class a node is drawn as when it has several.
CLASS_ORDER = (
    "Document", "Measure", "Target", "Indicator", "Policy", "Program", "Event", "Region",
    "GovernmentAgency", "InternalUnit", "ProtectionCenter", "ServiceCenter", "Platform",
    "Court", "University", "Association", "Base", "Fund", "Institution",
)

#: class -> (colour, vis-network shape)
CLASS_STYLE: dict[str, tuple[str, str]] = {
    "Document": ("#7f7f7f", "box"),
    "Measure": ("#bcbd22", "square"),
    "Target": ("#17becf", "triangle"),
    "Indicator": ("#9edae5", "triangleDown"),
    "Policy": ("#8c564b", "diamond"),
    "Program": ("#e377c2", "star"),
    "Event": ("#ff7f0e", "hexagon"),
    "Region": ("#2ca02c", "ellipse"),
    "GovernmentAgency": ("#1f77b4", "dot"),
    "InternalUnit": ("#aec7e8", "dot"),
    "ProtectionCenter": ("#d62728", "dot"),
    "ServiceCenter": ("#ff9896", "dot"),
    "Platform": ("#9467bd", "dot"),
    "Court": ("#393b79", "dot"),
    "University": ("#637939", "dot"),
    "Association": ("#c5b0d5", "dot"),
    "Base": ("#8c6d31", "dot"),
    "Fund": ("#e7ba52", "dot"),
    "Institution": ("#6baed6", "dot"),
    "Other": ("#cccccc", "dot"),
}


def class_style(cls: str) -> tuple[str, str]:
    """(colour, shape) a node of class `cls` is drawn with."""
    return CLASS_STYLE.get(cls, CLASS_STYLE["Other"])


def local_name(iri: str) -> str:
    """The part of an IRI after its last `#` or `/`."""
    return re.split(r"[#/]", str(iri))[-1]


def entity_param(iri: str) -> str:
    """Short form of an instance IRI for URLs (`institution/1a2b…`)."""
    iri = str(iri)
    return iri[len(str(ID)):] if iri.startswith(str(ID)) else iri


def iri_from_param(value: str) -> str:
    """Inverse of `entity_param`."""
    value = str(value or "").strip()
    return value if "://" in value else f"{ID}{value}"


@dataclass
class GraphNode:
    """One node of the graph as the app shows it."""

    iri: str
    cls: str = "Other"
    classes: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)  # lang ("zh"/"en"/"") -> label
    aliases: tuple[str, ...] = ()

    def label(self, lang: str = "zh") -> str:
        """Label in `lang`, else Chinese, else any, else the IRI's tail."""
        lang = normalise_lang(lang)
        for key in (lang, "zh", "", "en"):
            if self.labels.get(key):
                return self.labels[key]
        return local_name(self.iri)

    def short_label(self, lang: str = "zh", width: int = 18) -> str:
        """The label cut to `width` characters (measure texts are sentences)."""
        text = self.label(lang)
        return text if len(text) <= width else text[: width - 1] + "…"


def _lang_key(term: Term | None) -> str:
    lang = (getattr(term, "language", None) or "").lower()
    if lang.startswith("zh"):
        return "zh"
    if lang.startswith("en"):
        return "en"
    return ""


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    try:
        import opencc

        conv = opencc.OpenCC("t2s")
        return conv.convert
    except Exception:
        return lambda s: s


def simplify(text: str) -> str:
    """Traditional → Simplified (OpenCC t2s), folded to one case and stripped."""
    return _t2s()(str(text)).strip().casefold()


class EntityIndex:
    """Every node's labels and class, every link between nodes, and a search over labels.

    Built once per store from two app queries; shared read-only by sessions.
    """

    def __init__(self, nodes: dict[str, GraphNode], edges: list[tuple[str, str, str, str]]) -> None:
        self.nodes = nodes
        self.edges = edges  # (subject, property local name, object, quote)
        self.out: dict[str, list[int]] = defaultdict(list)
        self.inc: dict[str, list[int]] = defaultdict(list)
        for i, (s, _p, o, _q) in enumerate(edges):
            self.out[s].append(i)
            self.inc[o].append(i)
        self._keys: list[tuple[str, str, bool]] = []  # (folded label, iri, preferred?)
        for node in nodes.values():
            for label in {*node.labels.values()}:
                self._keys.append((simplify(label), node.iri, True))
            for alias in node.aliases:
                self._keys.append((simplify(alias), node.iri, False))

    @classmethod
    def from_store(cls, store: AppStore) -> EntityIndex:
        """Read the index from a store with two queries."""
        nodes: dict[str, GraphNode] = {}
        classes: dict[str, set[str]] = defaultdict(set)
        res = run_app_query(store, "entity_index")
        col = {v: i for i, v in enumerate(res.variables)}
        for row in res.rows:
            s, kind, label, klass = (row[col["s"]], row[col["kind"]], row[col["label"]], row[col["class"]])
            if s is None or isinstance(s, BNode):
                continue
            iri = str(s)
            node = nodes.setdefault(iri, GraphNode(iri))
            if klass is not None:
                classes[iri].add(local_name(str(klass)))
            if label is None:
                continue
            if str(kind) == "alt":
                if str(label) not in node.aliases:
                    node.aliases = (*node.aliases, str(label))
            else:
                node.labels.setdefault(_lang_key(label), str(label))
        edges: list[tuple[str, str, str, str]] = []
        res = run_app_query(store, "edges")
        col = {v: i for i, v in enumerate(res.variables)}
        for row in res.rows:
            s, p, o, q = row[col["s"]], row[col["p"]], row[col["o"]], row[col["quote"]]
            if s is None or o is None:
                continue
            edges.append((str(s), local_name(str(p)), str(o), "" if q is None else str(q)))
            for end in (str(s), str(o)):
                nodes.setdefault(end, GraphNode(end))
        for iri, node in nodes.items():
            found = classes.get(iri, set())
            node.classes = tuple(c for c in CLASS_ORDER if c in found) or tuple(sorted(found))
            node.cls = node.classes[0] if node.classes else "Other"
            node.aliases = tuple(a for a in node.aliases if a not in node.labels.values())
        return cls(nodes, edges)

    # -- lookup

    def get(self, iri: str) -> GraphNode:
        """The node for `iri` (a bare node when unknown)."""
        return self.nodes.get(str(iri)) or GraphNode(str(iri))

    def of_class(self, *classes: str) -> list[GraphNode]:
        """Nodes having any of `classes` (local names)."""
        wanted = set(classes)
        return [n for n in self.nodes.values() if wanted & set(n.classes)]

    def search(self, text: str, *, classes: Iterable[str] = (), limit: int = 50) -> list[GraphNode]:
        """Nodes whose label or alias contains `text` (Simplified or Traditional).

        Ranked: exact match, then prefix, then substring; preferred labels before
        aliases; shorter labels first.
        """
        query = simplify(text)
        if not query:
            return []
        raw = str(text).strip().casefold()
        wanted = set(classes)
        best: dict[str, tuple[int, int, int]] = {}
        for key, iri, preferred in self._keys:
            if query in key or (raw and raw in key):
                rank = 0 if key in (query, raw) else 1 if key.startswith((query, raw)) else 2
                score = (rank, 0 if preferred else 1, len(key))
                if iri not in best or score < best[iri]:
                    best[iri] = score
        hits = [self.nodes[i] for i in sorted(best, key=lambda i: (best[i], i))]
        if wanted:
            hits = [n for n in hits if wanted & set(n.classes)]
        # named things before measures/targets whose "label" is a sentence
        hits.sort(key=lambda n: (n.cls in ("Measure", "Target"), best[n.iri]))
        return hits[:limit]

    def relations(self, iri: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
        """([(property, object, quote)] out, [(property, subject, quote)] in) of one node."""
        out = [(self.edges[i][1], self.edges[i][2], self.edges[i][3]) for i in self.out.get(iri, [])]
        inc = [(self.edges[i][1], self.edges[i][0], self.edges[i][3]) for i in self.inc.get(iri, [])]
        return out, inc

    def class_counts(self) -> Counter[str]:
        """Nodes per display class."""
        return Counter(n.cls for n in self.nodes.values())


# --------------------------------------------------------------------------- ego networks


@dataclass
class EgoNetwork:
    """Nodes within `hops` of a centre, capped; `hidden` counts what the cap left out."""

    center: str
    nodes: list[str]
    edges: list[tuple[str, str, str, str]]
    depth: dict[str, int]
    hidden: int = 0
    hidden_by_parent: dict[str, int] = field(default_factory=dict)


def ego_network(index: EntityIndex, centers: str | Sequence[str], hops: int = 1, *,
                classes: Iterable[str] = (), relations: Iterable[str] = (),
                regions: Iterable[str] = (), documents: Iterable[str] = (),
                limit: int = DEFAULT_NODE_LIMIT) -> EgoNetwork:
    """Breadth-first neighbourhood of `centers` (links followed both ways).

    Filters: `classes` keeps nodes of those classes (centres always kept);
    `relations` keeps links of those properties; `regions` keeps nodes located
    in / about those regions (region IRIs) plus nodes without a region;
    `documents` keeps nodes stated in / mentioned by those documents, plus the
    documents themselves. `limit` caps the node count, nearest first.
    """
    if isinstance(centers, str):
        centers = [centers]
    centers = [c for c in centers if c]
    classes, relations = set(classes), set(relations)
    regions, documents = set(regions), set(documents)
    region_of = _region_links(index) if regions else {}
    docs_of = _document_links(index) if documents else {}

    def keep(iri: str) -> bool:
        node = index.get(iri)
        if classes and not (classes & set(node.classes)):
            return False
        if regions and region_of.get(iri) and not (regions & region_of[iri]):
            return False
        if documents and node.cls != "Document" and not (documents & docs_of.get(iri, set())):
            return False
        return not (documents and node.cls == "Document" and iri not in documents)

    depth: dict[str, int] = {c: 0 for c in centers}
    order: list[str] = list(centers)
    parent: dict[str, str] = {}
    queue = deque(centers)
    hidden = 0
    hidden_by_parent: Counter[str] = Counter()
    seen_hidden: set[str] = set()
    while queue:
        cur = queue.popleft()
        if depth[cur] >= hops:
            continue
        for i in (*index.out.get(cur, []), *index.inc.get(cur, [])):
            s, p, o, _q = index.edges[i]
            if relations and p not in relations:
                continue
            nxt = o if s == cur else s
            if nxt in depth or not keep(nxt):
                continue
            if len(order) >= limit:
                if nxt not in seen_hidden:
                    seen_hidden.add(nxt)
                    hidden += 1
                    hidden_by_parent[cur] += 1
                continue
            depth[nxt] = depth[cur] + 1
            parent[nxt] = cur
            order.append(nxt)
            queue.append(nxt)
    members = set(order)
    edges = [
        e for e in index.edges
        if e[0] in members and e[2] in members and (not relations or e[1] in relations)
    ] if len(index.edges) < 200_000 else _edges_among(index, members, relations)
    return EgoNetwork(centers[0] if centers else "", order, edges, depth, hidden, dict(hidden_by_parent))


def _edges_among(index: EntityIndex, members: set[str], relations: set[str]) -> list[tuple[str, str, str, str]]:
    out = []
    for s in members:
        for i in index.out.get(s, []):
            e = index.edges[i]
            if e[2] in members and (not relations or e[1] in relations):
                out.append(e)
    return out


def _region_links(index: EntityIndex) -> dict[str, set[str]]:
    """Node -> regions it is located in / about (documents' jurisdiction passed on to what they state)."""
    region: dict[str, set[str]] = defaultdict(set)
    for s, p, o, _q in index.edges:
        if p in ("locatedIn", "jurisdiction", "region", "partOf"):
            region[s].add(o)
    for node in index.of_class("Region"):
        region[node.iri].add(node.iri)
    for s, p, o, _q in index.edges:
        if p == "statedIn" and o in region:
            region[s] |= region[o]
    return region


def _document_links(index: EntityIndex) -> dict[str, set[str]]:
    """Node -> documents that state or mention it."""
    docs: dict[str, set[str]] = defaultdict(set)
    for s, p, o, _q in index.edges:
        if p == "statedIn":
            docs[s].add(o)
        elif p in ("mentions", "cites", "issuedBy", "jurisdiction"):
            docs[o].add(s)
    for s, _p, o, _q in index.edges:  # institutions serving a measure belong to its document
        if s in docs and index.get(s).cls in ("Measure", "Target"):
            docs[o] |= docs[s]
    return docs


# --------------------------------------------------------------------------- network HTML

_PYVIS_LIB = Path(__import__("pyvis").__file__).parent / "lib" / "vis-9.1.2"


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    return ((_PYVIS_LIB / "vis-network.min.js").read_text("utf-8"),
            (_PYVIS_LIB / "vis-network.css").read_text("utf-8"))


def _radial_layout(net: EgoNetwork) -> dict[str, tuple[float, float]]:
    """Centres in the middle, each hop on a wider ring, children near their parents' angle."""
    rings: dict[int, list[str]] = defaultdict(list)
    for iri in net.nodes:
        rings[net.depth.get(iri, 1)].append(iri)
    pos: dict[str, tuple[float, float]] = {}
    for d in sorted(rings):
        ring = rings[d]
        if d == 0:
            for i, iri in enumerate(ring):
                pos[iri] = (i * 120.0, 0.0)
            continue
        radius = 260.0 * d + 6.0 * len(ring) ** 0.5 * 30
        for i, iri in enumerate(ring):
            angle = 2 * math.pi * i / max(1, len(ring))
            pos[iri] = (radius * math.cos(angle), radius * math.sin(angle))
    return pos


def _tooltip(*parts: str, width: int = 240) -> str:
    text = "\n".join(p for p in parts if p)
    return text if len(text) <= width else text[: width - 1] + "…"


def network_html(index: EntityIndex, net: EgoNetwork, lang: str = "zh", *, height: int = 620,
                 physics: bool | None = None, more_label: str = "+{n}", legend: bool = True) -> str:
    """A standalone HTML page drawing `net` with vis-network, its JavaScript and CSS inlined.

    Node and edge `title`s (hover) hold the source quote; vis-network shows
    string titles as text, so graph text is never interpreted as HTML. The page
    sets `window.ipkgDrawn` (ms since navigation start) once the first frame
    after layout is drawn, for tests and the benchmark.
    """
    from pyvis.network import Network

    lang = normalise_lang(lang)
    if physics is None:
        physics = len(net.nodes) <= PHYSICS_LIMIT
    pos = {} if physics else _radial_layout(net)
    vnet = Network(height=f"{height}px", width="100%", directed=True, cdn_resources="in_line")
    used: Counter[str] = Counter()
    for iri in net.nodes:
        node = index.get(iri)
        colour, shape = class_style(node.cls)
        used[node.cls] += 1
        quote = _node_quote(index, iri)
        kwargs: dict[str, Any] = {}
        if iri in pos:
            kwargs.update(x=pos[iri][0], y=pos[iri][1])
        vnet.add_node(
            iri, label=node.short_label(lang), color=colour, shape=shape,
            title=_tooltip(node.label(lang), f"[{class_name(node.cls, lang)}]", quote),
            size=26 if net.depth.get(iri) == 0 else 14,
            borderWidth=3 if net.depth.get(iri) == 0 else 1, **kwargs,
        )
    for s, p, o, quote in net.edges:
        vnet.add_edge(s, o, label=relation_name(p, lang),
                      title=_tooltip(relation_name(p, lang), quote), arrows="to")
    for parent, n in net.hidden_by_parent.items():
        more = f"more::{parent}"
        kwargs = {}
        if parent in pos:
            kwargs.update(x=pos[parent][0] + 40, y=pos[parent][1] + 40)
        vnet.add_node(more, label=more_label.format(n=n), shape="box", color="#eeeeee",
                      title=more_label.format(n=n), **kwargs)
        vnet.add_edge(parent, more, dashes=True, color="#bbbbbb")
    options = {
        "physics": {"enabled": bool(physics), "stabilization": {"iterations": 150, "fit": True},
                    "barnesHut": {"gravitationalConstant": -6000, "springLength": 140}},
        "layout": {"improvedLayout": bool(physics) and len(net.nodes) <= 60},
        "edges": {"font": {"size": 10, "align": "middle", "color": "#555"},
                  "smooth": bool(physics), "color": {"color": "#999", "highlight": "#333"}},
        "nodes": {"font": {"size": 13, "face": "Noto Sans CJK SC, sans-serif"}},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": not physics},
    }
    data = {"nodes": vnet.nodes, "edges": vnet.edges}
    legend_html = _legend_html(used, lang) if legend else ""
    return _page(data, options, height, legend_html)


def _node_quote(index: EntityIndex, iri: str) -> str:
    for i in index.inc.get(iri, []):  # the quote of a mention / measure pointing here
        if index.edges[i][3]:
            return index.edges[i][3]
    for i in index.out.get(iri, []):
        if index.edges[i][3]:
            return index.edges[i][3]
    return ""


def _legend_html(used: Counter[str], lang: str) -> str:
    items = []
    for cls, n in sorted(used.items(), key=lambda kv: CLASS_ORDER.index(kv[0]) if kv[0] in CLASS_ORDER else 99):
        colour, shape = class_style(cls)
        radius = "50%" if shape in ("dot", "ellipse") else "2px"
        items.append(
            f'<span class="lg"><i style="background:{colour};border-radius:{radius}"></i>'
            f"{html.escape(class_name(cls, lang))} ({n})</span>"
        )
    return f'<div id="legend">{"".join(items)}</div>'


_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>ipkg network</title>
<style>%(css)s</style>
<style>
html,body{margin:0;padding:0;font-family:"Noto Sans CJK SC","Noto Sans SC",sans-serif;background:#fff}
#net{width:100%%;height:%(height)dpx;border:1px solid #e6e6e6;box-sizing:border-box}
#legend{font-size:12px;padding:4px 2px;line-height:1.9}
#legend .lg{margin-right:12px;white-space:nowrap}
#legend i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px}
div.vis-tooltip{white-space:pre-wrap;max-width:380px;font-family:inherit;font-size:12px}
</style></head>
<body>%(legend)s<div id="net"></div>
<script>%(js)s</script>
<script>
window.ipkgDrawn = 0;
(function () {
  var data = %(data)s;
  var options = %(options)s;
  var nodes = new vis.DataSet(data.nodes), edges = new vis.DataSet(data.edges);
  var container = document.getElementById("net");
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, options);
  window.ipkgNetwork = network;
  var done = function () {
    if (!window.ipkgDrawn) {
      window.ipkgDrawn = performance.now();
      document.body.setAttribute("data-drawn", "1");
    }
  };
  if (options.physics.enabled) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({physics: {enabled: false}});
      network.once("afterDrawing", done);
      network.redraw();
    });
  } else {
    network.once("afterDrawing", done);
    network.redraw();
  }
})();
</script></body></html>
"""


def _json_for_script(obj: Any) -> str:
    """JSON that is safe inside a <script> element."""
    return (json.dumps(obj, ensure_ascii=False, default=str)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _page(data: Mapping[str, Any], options: Mapping[str, Any], height: int, legend_html: str) -> str:
    js, css = _vis_assets()
    return _PAGE % {
        "css": css, "js": js, "height": height, "legend": legend_html,
        "data": _json_for_script(data), "options": _json_for_script(options),
    }


# --------------------------------------------------------------------------- documents


def source_dirs() -> list[Path]:
    """Folders the app looks in for a document's source file."""
    dirs = [Path(p) for p in os.environ.get("IPKG_CORPUS", "").split(os.pathsep) if p]
    return [*dirs, DEFAULT_CORPUS, UPLOAD_DIR]


def document_text(file_name: str) -> str | None:
    """The decoded text of a source file (the text the graph's offsets index), or None."""
    if not file_name:
        return None
    for folder in source_dirs():
        path = folder / Path(file_name).name
        if path.is_file():
            try:
                from graph.ingest import read_document

                return read_document(path).text
            except Exception:
                return path.read_text("utf-8", errors="replace")
    return None


def highlight_spans(text: str, spans: Iterable[tuple[int, int, str, str]]) -> str:
    """HTML of `text` (escaped) with `spans` (start, end, css colour, title) marked.

    Overlapping spans keep the earlier, longer one. Newlines become <br>.
    """
    chosen: list[tuple[int, int, str, str]] = []
    last_end = -1
    for start, end, colour, title in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if start < last_end or start >= end or end > len(text):
            continue
        chosen.append((start, end, colour, title))
        last_end = end
    out, pos = [], 0
    for start, end, colour, title in chosen:
        out.append(html.escape(text[pos:start]))
        out.append(
            f'<mark style="background:{colour}40;border-bottom:2px solid {colour};padding:0 1px" '
            f'title="{html.escape(title, quote=True)}">{html.escape(text[start:end])}</mark>'
        )
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def compact_iri(value: Any) -> Any:
    """`ipkg:Measure` for an IRI under a known namespace; anything else unchanged."""
    if isinstance(value, str) and "://" in value:
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if value.startswith(ns) and re.fullmatch(r"[\w.-]*", value[len(ns):].replace("/", "_")):
                return f"{prefix}:{value[len(ns):]}"
    return value


def prefixes_block() -> str:
    """PREFIX lines for every namespace the project knows."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def with_prefixes(query: str) -> str:
    """`query` with PREFIX lines added for namespaces it uses but does not declare."""
    declared = {m.group(1) for m in re.finditer(r"(?im)^\s*PREFIX\s+([\w-]*):", query)}
    needed = [
        f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items()
        if p not in declared and re.search(rf"(?<![\w<]){re.escape(p)}:", query)
    ]
    return "".join(needed) + query


IPKG_NS = str(IPKG)


@dataclass(frozen=True)
class ExampleQuery:
    """One saved query of the example library (ontology/queries/*.rq)."""

    name: str
    title_zh: str
    title_en: str
    description: str
    parameters: tuple[tuple[str, str], ...]  # (name, help text)
    text: str

    def title(self, lang: str = "zh") -> str:
        """The title in `lang`."""
        return (self.title_en if normalise_lang(lang) == "en" else self.title_zh) or self.name


_HEADER = re.compile(r"^#\s*(title_zh|title_en|description|param):\s*(.*)$")


def parse_example(name: str, text: str) -> ExampleQuery:
    """Read the `# title_zh: / # title_en: / # description: / # param: name help` header of a .rq file."""
    fields: dict[str, str] = {}
    params: list[tuple[str, str]] = []
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if not m:
            if line.strip() and not line.lstrip().startswith("#"):
                break
            continue
        key, value = m.groups()
        if key == "param":
            pname, _, help_text = value.strip().partition(" ")
            params.append((pname.strip(), help_text.strip()))
        else:
            fields[key] = value.strip()
    return ExampleQuery(name, fields.get("title_zh", name), fields.get("title_en", name),
                        fields.get("description", ""), tuple(params), text)


def example_queries() -> list[ExampleQuery]:
    """The example library: `ontology/queries/*.rq` with their titles and parameters."""
    folder = ROOT / "ontology" / "queries"
    return [parse_example(p.stem, p.read_text("utf-8")) for p in sorted(folder.glob("*.rq"))]


def parameter_term(value: str) -> Term:
    """A query parameter typed by a person: an IRI when it looks like one, else a string literal."""
    value = value.strip()
    if re.fullmatch(r"https?://\S+", value):
        return URIRef(value)
    if re.fullmatch(r"-?\d+", value):
        return Literal(int(value))
    return Literal(value)


def result_kind(res: Any) -> str:
    """"select", "ask" or "graph" for a store's query result."""
    return str(getattr(res, "kind", "select"))


def ask_value(res: Any) -> bool:
    """The boolean of an ASK result from either store."""
    value = getattr(res, "boolean", None)
    if value is None:
        rows_ = getattr(res, "rows", None) or []
        value = bool(rows_ and rows_[0] and to_python(rows_[0][0]))
    return bool(value)


def sparql_json(res: Any) -> dict[str, Any]:
    """A SELECT/ASK result in the SPARQL 1.1 Query Results JSON format."""
    if result_kind(res) == "ask":
        return {"head": {}, "boolean": ask_value(res)}

    def cell(term: Term) -> dict[str, str]:
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
            {v: cell(t) for v, t in zip(res.variables, row, strict=False) if t is not None} for row in res.rows
        ]},
    }


def network_from_rows(index: EntityIndex, res: Any, limit: int = 500) -> EgoNetwork | None:
    """A network from a query result: CONSTRUCT/DESCRIBE triples between IRIs, or the
    links among the IRIs that SELECT rows hold. None when there is nothing to draw.
    """
    if result_kind(res) == "graph":
        nodes: dict[str, None] = {}
        edges = []
        for s, p, o in res.triples:
            if not isinstance(s, URIRef) or not isinstance(o, URIRef) or local_name(p) == "type":
                continue
            nodes.setdefault(str(s))
            nodes.setdefault(str(o))
            edges.append((str(s), local_name(p), str(o), ""))
        if not nodes:
            nodes = {str(s): None for s, _p, _o in res.triples if isinstance(s, URIRef)}
    else:
        nodes = {}
        for row in getattr(res, "rows", []):
            for term in row:
                if isinstance(term, URIRef) and str(term) in index.nodes:
                    nodes.setdefault(str(term))
        members = set(nodes)
        edges = [e for e in index.edges if e[0] in members and e[2] in members] if members else []
    if not nodes:
        return None
    order = list(nodes)[:limit]
    members = set(order)
    edges = [e for e in edges if e[0] in members and e[2] in members]
    return EgoNetwork(order[0], order, edges, {n: 1 for n in order}, hidden=max(0, len(nodes) - limit))


# --------------------------------------------------------------------------- Streamlit glue
# Everything below needs a running Streamlit script (or AppTest).

import streamlit as st  # noqa: E402 - the plain helpers above do not need it


def ui_lang() -> str:
    """The interface language of this session ("zh" unless switched to English)."""
    return "en" if st.session_state.get("lang_en") else "zh"


def T(key: str, **fmt: object) -> str:  # noqa: N802 - reads like gettext's _()
    """The interface string `key` in the session's language."""
    from graph.i18n import t

    return t(key, ui_lang(), **fmt)


_BUILD_LOCK = threading.Lock()


def _needs_build() -> Path | None:
    """The on-disk store folder when it is missing or empty (and no fixture or endpoint is used)."""
    path, endpoint = store_location()
    if os.environ.get("IPKG_FIXTURE") or endpoint or not path:
        return None
    target = Path(path)
    return None if target.exists() and any(target.iterdir()) else target


@st.cache_resource(show_spinner=False)
def _cached_store_resource(location: str) -> AppStore:
    # No Streamlit elements in here: a cached function's elements are replayed on every call.
    return open_app_store()


def get_store() -> AppStore:
    """The process-wide store, opened once; built from the corpus first when it is missing.

    One session builds (with a progress bar) while the others wait on the lock.
    """
    if _needs_build() is not None:
        with _BUILD_LOCK:
            target = _needs_build()
            if target is not None:
                with st.status(T("store_building"), expanded=True) as status:
                    bar = st.progress(0.0)

                    def progress(done: int, total: int, name: str = "") -> None:
                        bar.progress(min(1.0, done / max(1, total)), text=name)

                    build_store_if_needed(target, progress=progress)
                    docs = len(list(Path(DEFAULT_CORPUS).iterdir()))
                    status.update(label=T("store_built", docs=docs), state="complete", expanded=False)
    path, endpoint = store_location()
    return _cached_store_resource(os.environ.get("IPKG_FIXTURE") or endpoint or str(path))


@st.cache_resource(show_spinner=False)
def _cached_index_resource(_store: AppStore, location: str) -> EntityIndex:
    return EntityIndex.from_store(_store)


def get_index() -> EntityIndex:
    """The process-wide entity index of the store."""
    store = get_store()
    return _cached_index_resource(store, store.location)


@st.cache_data(show_spinner=False)
def _cached_rows(_store: AppStore, location: str, name: str, bindings: tuple[tuple[str, str, str], ...]) -> list[dict[str, Any]]:
    terms = {k: (URIRef(v) if kind == "iri" else Literal(v)) for k, kind, v in bindings}
    return query_rows(_store, name, **terms)


def rows(name: str, **bindings: Term) -> list[dict[str, Any]]:
    """Rows of app query `name` with `bindings`, cached per process (`st.cache_data`)."""
    store = get_store()
    key = tuple(sorted((k, "iri" if isinstance(v, URIRef) else "lit", str(v)) for k, v in bindings.items()))
    return _cached_rows(store, store.location, name, key)


def reset_caches() -> None:
    """Forget the store, index and cached results (after the graph changed)."""
    st.cache_data.clear()
    st.cache_resource.clear()


def _parse(values: list[str], default: Any) -> Any:
    if isinstance(default, list):
        return [v for v in values if v != ""]
    if not values:
        return default
    value = values[-1]
    try:
        if isinstance(default, bool):
            return value.lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(value)
    except ValueError:
        return default
    return value


def url_state(page: str, spec: Mapping[str, Any]) -> None:
    """Seed the widgets of `page` from the URL's query parameters.

    `spec` maps parameter name -> default (its type decides parsing). Widget keys
    are `f"{page}.{name}"`. The URL wins whenever it differs from what this
    session last wrote (a shared link, a link from another page, back/forward).
    """
    current = {k: st.query_params.get_all(k) for k in spec}
    written = st.session_state.get(f"_url.{page}")
    external = written != current
    for name, default in spec.items():
        key = f"{page}.{name}"
        if external or key not in st.session_state:
            st.session_state[key] = _parse(current[name], default)


def write_url(page: str, spec: Mapping[str, Any], omit: Iterable[str] = ()) -> None:
    """Write the widgets of `page` back into the URL (defaults and `omit` left out)."""
    params: dict[str, Any] = {}
    omit = set(omit)
    for name, default in spec.items():
        value = st.session_state.get(f"{page}.{name}", default)
        if name in omit or value == default or value is None or value == "":
            continue
        params[name] = [str(v) for v in value] if isinstance(value, list) else str(value).lower() if isinstance(value, bool) else str(value)
    if ui_lang() == "en":
        params["lang"] = "en"
    st.query_params.from_dict(params)
    st.session_state[f"_url.{page}"] = {
        k: (list(params[k]) if isinstance(params.get(k), list) else [params[k]]) if k in params else []
        for k in spec
    }


def page_path(name: str) -> str:
    """The script path of page `name` relative to app.py."""
    return f"app_pages/{name}.py"


def link_params(**params: Any) -> dict[str, Any]:
    """Query parameters for a link to another view, carrying the language."""
    out = {k: v for k, v in params.items() if v not in (None, "", [])}
    if ui_lang() == "en":
        out["lang"] = "en"
    return out


def page_header(title_key: str) -> None:
    """The page title."""
    st.title(T(title_key))


def store_or_stop() -> tuple[AppStore, EntityIndex]:
    """The store and index, or an error message and `st.stop()`."""
    try:
        store = get_store()
        index = get_index()
    except Exception as exc:
        st.error(T("store_error", error=exc))
        st.stop()
        raise
    if not index.nodes:
        st.info(T("store_empty"))
    return store, index


# --------------------------------------------------------------------------- export

#: format key -> (label, file suffix, MIME type)
EXPORT_FORMATS: dict[str, tuple[str, str, str]] = {
    "ttl": ("Turtle", "ttl", "text/turtle"),
    "jsonld": ("JSON-LD", "jsonld", "application/ld+json"),
    "nt": ("N-Triples", "nt", "application/n-triples"),
    "graphml": ("GraphML", "graphml", "application/graphml+xml"),
    "gexf": ("GEXF (Gephi)", "gexf", "application/gexf+xml"),
    "csv": ("CSV (nodes + edges, zip)", "zip", "application/zip"),
    "html": ("HTML network", "html", "text/html"),
}


def subgraph_triples(store: AppStore, nodes: Iterable[str]) -> list[tuple[Term, Term, Term]]:
    """The triples about `nodes`: their types, labels and literals, and links among them."""
    members = {str(n) for n in nodes}
    out: list[tuple[Term, Term, Term]] = []
    for iri in members:
        res = run_app_query(store, "node_triples", s=URIRef(iri))
        col = {v: i for i, v in enumerate(res.variables)}
        for row in res.rows:
            p, o = row[col["p"]], row[col["o"]]
            if p is None or o is None:
                continue
            if isinstance(o, URIRef) and str(o) not in members and local_name(p) != "type":
                continue
            out.append((URIRef(iri), p, o))
    return out


def _networkx(index: EntityIndex, net: EgoNetwork, lang: str) -> Any:
    import networkx as nx

    g = nx.MultiDiGraph()
    for iri in net.nodes:
        node = index.get(iri)
        g.add_node(iri, label=node.label(lang), type=node.cls, depth=net.depth.get(iri, 0))
    for s, p, o, quote in net.edges:
        g.add_edge(s, o, key=p, label=p, quote=quote)
    return g


def export_bytes(store: AppStore, index: EntityIndex, net: EgoNetwork, fmt: str, lang: str = "zh") -> bytes:
    """The subgraph `net` in export format `fmt` (a key of `EXPORT_FORMATS`)."""
    import io
    import zipfile

    if fmt in ("ttl", "jsonld", "nt"):
        from rdflib import Graph

        graph = Graph()
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        for triple in subgraph_triples(store, net.nodes):
            graph.add(triple)
        rdf_format = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt"}[fmt]
        data = graph.serialize(format=rdf_format)
        return data.encode("utf-8") if isinstance(data, str) else data
    if fmt in ("graphml", "gexf"):
        import networkx as nx

        g = _networkx(index, net, lang)
        buf = io.BytesIO()
        if fmt == "graphml":
            nx.write_graphml(g, buf)
        else:
            nx.write_gexf(g, buf)
        return buf.getvalue()
    if fmt == "csv":
        import csv

        nodes_buf, edges_buf = io.StringIO(), io.StringIO()
        w = csv.writer(nodes_buf)
        w.writerow(["id", "label", "type", "depth"])
        for iri in net.nodes:
            node = index.get(iri)
            w.writerow([iri, node.label(lang), node.cls, net.depth.get(iri, 0)])
        w = csv.writer(edges_buf)
        w.writerow(["source", "relation", "target", "quote"])
        for s, p, o, q in net.edges:
            w.writerow([s, p, o, q])
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("nodes.csv", "\ufeff" + nodes_buf.getvalue())
            zf.writestr("edges.csv", "\ufeff" + edges_buf.getvalue())
        return out.getvalue()
    if fmt == "html":
        return network_html(index, net, lang, height=800).encode("utf-8")
    raise ValueError(f"unknown export format {fmt!r}")


def whole_graph(index: EntityIndex) -> EgoNetwork:
    """Every node and link of the index as one network."""
    nodes = list(index.nodes)
    return EgoNetwork(nodes[0] if nodes else "", nodes, list(index.edges), {n: 0 for n in nodes})
