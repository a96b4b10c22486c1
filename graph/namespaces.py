"""Namespaces and IRI minting: the one place that knows what IRIs look like.

IRIs are deterministic functions of what they name, so building the same
input twice, or building documents one at a time, gives the same nodes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

IPKG = Namespace("https://w3id.org/ipkg/ontology#")
ID = Namespace("https://w3id.org/ipkg/id/")
PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")

#: Named graph that holds the ontology inside a store.
ONTOLOGY_GRAPH = URIRef("https://w3id.org/ipkg/graph/ontology")
#: What the name of every document's named graph starts with.
DOCUMENT_GRAPHS = "https://w3id.org/ipkg/graph/doc/"

PREFIXES: dict[str, str] = {
    "ipkg": str(IPKG),
    "id": str(ID),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "rdfs": str(RDFS),
    "rdf": str(RDF),
    "owl": str(OWL),
    "xsd": str(XSD),
    "prov": str(PROV),
    "org": str(ORG),
    "eli": str(ELI),
}

__all__ = [
    "DCTERMS", "DOCUMENT_GRAPHS", "ELI", "ID", "IPKG", "ONTOLOGY_GRAPH", "ORG", "OWL", "PREFIXES", "PROV",
    "RDF", "RDFS", "SH", "SKOS", "XSD", "document_graph", "document_iri", "entity_iri",
    "node_iri", "sparql_prefixes",
]


def _digest(*parts: str) -> str:
    """A short, stable hash of the parts (NFC-normalised, joined unambiguously)."""
    joined = "\x1f".join(unicodedata.normalize("NFC", p) for p in parts)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16]


_UNSAFE = re.compile(r"[^0-9A-Za-z_-]+")


def document_iri(file_name: str) -> URIRef:
    """The node of one input document, keyed by its file name."""
    return ID[f"doc/{_digest('doc', file_name)}"]


def document_graph(file_name: str) -> URIRef:
    """The named graph holding everything one document says."""
    return URIRef(f"{DOCUMENT_GRAPHS}{_digest('doc', file_name)}")


def entity_iri(kind: str, *key: str) -> URIRef:
    """The node of a real-world thing: `kind` is a short class name, `key` its identity."""
    return ID[f"{_UNSAFE.sub('', kind.lower())}/{_digest(kind, *key)}"]


def node_iri(kind: str, file_name: str, start: int, end: int) -> URIRef:
    """A node read from one passage of one document (measure, target, mention)."""
    return ID[f"{_UNSAFE.sub('', kind.lower())}/{_digest(kind, file_name, str(start), str(end))}"]


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace above, for queries typed by people."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
