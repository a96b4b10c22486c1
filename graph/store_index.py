"""The entity index answered from the store as it is asked: for graphs too large to hold in memory.

:class:`graph.network.EntityIndex` reads every node and relation at once and
keeps them in memory. On the 1,000-document benchmark graph that took about two
minutes and 2 GB; on the 10,000-document one it passed the query time limit.
:class:`StoreIndex` answers the same calls with small queries when they are
made, and keeps what it has read, so the app's pages work on any size of graph.
Whole-graph answers (nodes per class, the relations in use) are one index scan
per class or property, and are read once.

Where it differs from the in-memory index, for speed on a large graph:

* :meth:`StoreIndex.search` looks in preferred and alternative labels (as
  :func:`graph.queries.search_entities` does), not in measure texts or titles;
* :meth:`StoreIndex.class_counts` counts a node under its most specific class, as
  the in-memory index does, but under both of two unrelated classes it is stated
  to have (the in-memory index picks one);
* relations are known once one of their ends has been expanded
  (:meth:`StoreIndex.neighbours`), and their passage (``Edge.quote``) is not read.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator

from rdflib import URIRef

from graph.namespaces import IPKG
from graph.network import Edge, EntityIndex, GraphNode, Neighbour, _class_rank, nodes_from_rows, store_neighbours
from graph.queries import local_name, run_saved, search_entities
from graph.store import Store

__all__ = ["StoreIndex"]


class StoreIndex(EntityIndex):
    """An :class:`EntityIndex` that reads nodes and relations from ``store`` when they are asked for.

    Safe to share between the app's sessions: what it has read is added under a lock.

    Args:
        store: the store to read.
        timeout_s: time limit of each query.
    """

    def __init__(self, store: Store, *, timeout_s: float | None = 30.0) -> None:
        super().__init__({}, [])
        self.store = store
        self.timeout_s = timeout_s
        self._lock = threading.RLock()
        self._described: set[str] = set()
        self._edge_at: dict[tuple[str, str, str], int] = {}
        self._expanded: dict[tuple[str, frozenset[str] | None], list[Neighbour]] = {}
        self._class_counts: Counter[str] | None = None
        self._relation_iris: list[URIRef] | None = None
        self._relation_count: int | None = None

    # -- whole graph

    @property
    def empty(self) -> bool:
        """True when the store holds no node of any ipkg class."""
        return not any(self.class_counts().values())

    def size(self) -> tuple[int, int]:
        """Nodes (of any ipkg class) and relations between nodes, counted in the store (once)."""
        if self._relation_count is None:
            self._relation_count = sum(
                int(run_saved(self.store, "relation_size", p=p, timeout_s=self.timeout_s).rows[0][0])
                for p in self._relations())
        return sum(self.class_counts().values()), self._relation_count

    def class_counts(self) -> Counter[str]:
        """Nodes per most specific ipkg class (read once)."""
        if self._class_counts is None:
            rows = run_saved(self.store, "class_sizes", timeout_s=self.timeout_s).rows
            self._class_counts = Counter({local_name(cls): int(n) for cls, n in rows if cls is not None})
        return self._class_counts

    def relation_names(self) -> list[str]:
        """The short names of every relation the graph uses, sorted (read once)."""
        return sorted({local_name(p) for p in self._relations()})

    def _relations(self) -> list[URIRef]:
        if self._relation_iris is None:
            rows = run_saved(self.store, "relation_names", timeout_s=self.timeout_s).rows
            self._relation_iris = [p for (p,) in rows if isinstance(p, URIRef)]
        return self._relation_iris

    def of_class(self, *classes: str) -> list[GraphNode]:
        """Nodes having any of ``classes`` (short names, subclasses count), with their names and graphs."""
        found: dict[str, GraphNode] = {}
        for cls in classes:
            rows = run_saved(self.store, "class_members", cls=IPKG[cls], timeout_s=self.timeout_s).rows
            found.update(nodes_from_rows(rows))
        with self._lock:
            for iri, node in found.items():
                self.nodes.setdefault(iri, node)
        return list(found.values())

    def search(self, text: str, *, classes: Iterable[str] = (), limit: int = 50) -> list[GraphNode]:
        """Nodes whose preferred or alternative label contains ``text``, in either script.

        Ranked as :func:`graph.queries.search_entities` ranks them.
        """
        hits = search_entities(self.store, str(text), list(classes) or None, limit=limit, timeout_s=self.timeout_s)
        return [self.get(hit.iri) for hit in hits]

    # -- one node

    def get(self, iri: str) -> GraphNode:
        """The node for ``iri``, read from the store the first time (a bare node when unknown)."""
        iri = str(iri)
        if iri not in self._described:
            try:
                rows = run_saved(self.store, "entity_index", s=iri, timeout_s=self.timeout_s).rows
            except ValueError:  # no IRI (a hand-edited URL): it names no node
                rows = []
            with self._lock:
                self.nodes.update(nodes_from_rows(rows))
                self._described.add(iri)
        return self.nodes.get(iri) or GraphNode(iri)

    def neighbours(self, iri: str, graphs: frozenset[str] | None = None) -> Iterator[Neighbour]:
        """The nodes one relation away from ``iri``, either way, read once per node (and graphs).

        The relations found are kept, so :meth:`to_networkx` draws them.
        """
        key = (str(iri), graphs)
        found = self._expanded.get(key)
        if found is None:
            # Read before taking the lock: other sessions go on meanwhile.
            rows = list(store_neighbours(self.store, str(iri), sorted(graphs) if graphs is not None else None,
                                         deadline=None if self.timeout_s is None else time.monotonic() + self.timeout_s))
            found = [nb for nb, _direction, _graph in rows]
            with self._lock:
                for nb, direction, graph in rows:
                    s, o = (str(iri), nb.other) if direction == "out" else (nb.other, str(iri))
                    self._add_edge(Edge(s, nb.name, o, "", nb.predicate, (graph,) if graph else ()))
                    if nb.other not in self.nodes:  # its names are read when it is asked for (get)
                        ipkg_classes = (c for c in nb.classes if "://" not in c)  # as the in-memory index keeps them
                        self.nodes[nb.other] = GraphNode(nb.other, nb.cls, tuple(sorted(ipkg_classes, key=_class_rank)))
                self._expanded[key] = found
        return iter(found)

    def _add_edge(self, edge: Edge) -> None:
        key = (edge.s, edge.predicate, edge.o)
        at = self._edge_at.get(key)
        if at is None:
            self._edge_at[key] = len(self.edges)
            self.out[edge.s].append(len(self.edges))
            self.inc[edge.o].append(len(self.edges))
            self.edges.append(edge)
        elif edge.graphs and not set(edge.graphs) <= set(self.edges[at].graphs):
            old = self.edges[at]
            self.edges[at] = old._replace(graphs=tuple(sorted({*old.graphs, *edge.graphs})))

