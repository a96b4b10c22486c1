"""Validation of an ipkg graph: SHACL shapes (pySHACL) and a provenance check of offsets.

`validate` checks a graph against `ontology/shapes.ttl`. The shapes reach the
Institution subclasses through `rdfs:subClassOf`, so the ontology must be in the
data graph; the build embeds it, and `validate` adds it when it is missing.
With the hierarchy present, no inference is needed (`inference="none"`), which is
both correct and the fastest mode (see ontology/README.md for the figures).

`check_offsets` checks the provenance contract: for every Measure, Target and
Mention, `source_text[charStart:charEnd] == ipkg:quote`.

Example:
    >>> report = validate("/tmp/x.ttl", sources={"a.txt": text})   # doctest: +SKIP
    >>> report.conforms, len(report.violations)                     # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from pyshacl import validate as shacl_validate
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node
from rdflib.util import guess_format

from graph.namespaces import IPKG, OWL, RDF, SH

__all__ = [
    "ONTOLOGY_IRI", "ONTOLOGY_PATH", "SHAPES_PATH", "OffsetMismatch", "ValidationReport",
    "Violation", "check_offsets", "load_graph", "main", "read_sources", "validate",
]

_ROOT = Path(__file__).resolve().parents[1]
#: The OWL ontology embedded in every built graph.
ONTOLOGY_PATH = _ROOT / "ontology" / "ipkg.ttl"
#: The SHACL shapes the data must satisfy.
SHAPES_PATH = _ROOT / "ontology" / "shapes.ttl"
#: The ontology's own IRI; its `owl:Ontology` triple tells whether a graph embeds it.
ONTOLOGY_IRI = URIRef(str(IPKG).rstrip("#"))

GraphSource = Graph | str | Path


class Violation(NamedTuple):
    """One SHACL result (or offset mismatch): what, where, why and how bad."""

    focus: Node
    path: Node | None
    message: str
    severity: str  # "Violation", "Warning" or "Info"


@dataclass(frozen=True)
class OffsetMismatch:
    """A node whose offsets do not select its quote in the source text."""

    node: Node
    file_name: str
    start: int
    end: int
    quote: str
    found: str

    def message(self) -> str:
        """A bilingual description of the mismatch."""
        return (
            f"原文与源文件 {self.file_name}[{self.start}:{self.end}] 不符：{self.found!r} ≠ {self.quote!r}"
            f" / quote differs from {self.file_name}[{self.start}:{self.end}]: "
            f"{self.found!r} != {self.quote!r}"
        )


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of `validate`.

    Attributes:
        conforms: True when there is no result of severity Violation (warnings allowed).
        violations: every result, Violations first, then by focus node and path.
        text: a human-readable report (pySHACL's, plus any offset mismatches).
    """

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    text: str = ""

    @property
    def errors(self) -> list[Violation]:
        """Only the results of severity Violation."""
        return [v for v in self.violations if v.severity == "Violation"]


def load_graph(source: GraphSource) -> Graph:
    """An rdflib Graph from a Graph, a Dataset (all graphs merged) or a file path.

    Args:
        source: a Graph or Dataset, or a path whose suffix names the format
            (.ttl, .nt, .trig, .nq, .jsonld, .rdf …).

    Returns:
        One Graph holding every triple; named graphs are merged, as queries see them.
    """
    if isinstance(source, Dataset):
        merged = Graph()
        for s, p, o, _ in source.quads((None, None, None, None)):
            merged.add((s, p, o))
        return merged
    if isinstance(source, Graph):
        return source
    path = Path(source)
    fmt = guess_format(str(path)) or "turtle"
    if fmt in {"trig", "nquads", "trix"}:
        ds = Dataset()
        ds.parse(path, format=fmt)
        return load_graph(ds)
    return Graph().parse(path, format=fmt)


@lru_cache(maxsize=8)
def _parsed(path: Path, mtime: float) -> Graph:
    """A parsed Turtle file, cached while the file is unchanged."""
    del mtime  # part of the cache key only
    return Graph().parse(path, format="turtle")


def _graph_or_default(source: GraphSource | None, default: Path) -> Graph:
    """The given graph, or the (cached) default file parsed."""
    if source is None:
        return _parsed(default, default.stat().st_mtime)
    if isinstance(source, Graph):
        return load_graph(source)
    path = Path(source)
    return _parsed(path.resolve(), path.stat().st_mtime)


def _with_ontology(data: Graph, ontology: Graph) -> Graph:
    """`data` if it already embeds the ontology, else a new graph holding both."""
    if (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in data:
        return data
    merged = Graph()
    merged += data
    merged += ontology
    return merged


def _pick(messages: Sequence[Literal], lang: str | None) -> str:
    """One message in `lang` ("zh", "en"), or all of them joined when `lang` is None."""
    if not messages:
        return ""
    if lang is not None:
        for m in messages:
            if (m.language or "").lower().startswith(lang.lower()):
                return str(m)
    ordered = sorted(messages, key=lambda m: (not (m.language or "").startswith("zh"), str(m)))
    return " / ".join(str(m) for m in ordered)


def _results(results: Graph, lang: str | None) -> list[Violation]:
    """The sh:ValidationResult nodes of a pySHACL results graph, as Violations."""
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        severity = results.value(r, SH.resultSeverity)
        messages = [m for m in results.objects(r, SH.resultMessage) if isinstance(m, Literal)]
        out.append(Violation(
            focus=results.value(r, SH.focusNode),
            path=results.value(r, SH.resultPath),
            message=_pick(messages, lang),
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
        ))
    return out


def _sort_key(v: Violation) -> tuple[bool, str, str, str]:
    return (v.severity != "Violation", str(v.focus), str(v.path), v.message)


def validate(
    data_graph: GraphSource,
    *,
    shapes: GraphSource | None = None,
    ontology: GraphSource | None = None,
    sources: Mapping[str, str] | None = None,
    lang: str | None = None,
) -> ValidationReport:
    """Validate an ipkg graph against the SHACL shapes, and optionally its offsets.

    Args:
        data_graph: the graph (or Dataset, or a file) to check; it is not modified.
        shapes: SHACL shapes; `ontology/shapes.ttl` by default.
        ontology: the OWL ontology added when the data does not embed it;
            `ontology/ipkg.ttl` by default.
        sources: decoded source texts by file name (`ipkg:fileName`); when given,
            `check_offsets` runs too and each mismatch is a Violation on `ipkg:quote`.
        lang: "zh" or "en" to keep one language of each message; both by default
            ("中文 / English").

    Returns:
        A ValidationReport; `conforms` ignores warnings and infos.
    """
    data = _with_ontology(load_graph(data_graph), _graph_or_default(ontology, ONTOLOGY_PATH))
    shapes_graph = _graph_or_default(shapes, SHAPES_PATH)
    # The subclass hierarchy is in the data graph, which is all sh:targetClass and
    # sh:class need; RDFS inference would only add time (and triples to copy).
    conforms, results, text = shacl_validate(
        data,
        shacl_graph=shapes_graph,
        inference="none",
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
        advanced=False,
        inplace=True,  # no inference, so nothing is written; skips a copy of the graph
    )
    violations = _results(results, lang)
    if sources is not None:
        mismatches = check_offsets(data, sources)
        for m in mismatches:
            violations.append(Violation(m.node, IPKG.quote, m.message(), "Violation"))
        if mismatches:
            conforms = False
            text += "\nOffset mismatches:\n" + "\n".join(m.message() for m in mismatches) + "\n"
    violations.sort(key=_sort_key)
    return ValidationReport(conforms=bool(conforms), violations=violations, text=str(text))


def _int(node: Node | None) -> int | None:
    """An integer literal's value, or None."""
    if isinstance(node, Literal):
        try:
            return int(node.toPython())
        except (TypeError, ValueError):
            return None
    return None


def check_offsets(graph: Graph, sources: Mapping[str, str]) -> list[OffsetMismatch]:
    """Nodes whose `source[charStart:charEnd]` differs from their `ipkg:quote`.

    Checks every ipkg:Measure and ipkg:Target (document via ipkg:statedIn) and every
    ipkg:Mention (via ipkg:inDocument). Nodes whose document is not in `sources`,
    or that lack offsets or a quote (a SHACL matter), are skipped.

    Args:
        graph: the data graph.
        sources: decoded source texts keyed by file name, as in `ipkg:fileName`
            (a path's base name is used when the key has folders).

    Returns:
        The mismatches, sorted by file name and offset.
    """
    texts = {Path(k).name: v for k, v in sources.items()}
    file_names: dict[Node, str] = {
        doc: str(name) for doc, name in graph.subject_objects(IPKG.fileName)
    }
    kinds: Iterable[tuple[URIRef, URIRef]] = (
        (IPKG.Measure, IPKG.statedIn), (IPKG.Target, IPKG.statedIn), (IPKG.Mention, IPKG.inDocument),
    )
    out = []
    for cls, via in kinds:
        for node in set(graph.subjects(RDF.type, cls)):
            name = file_names.get(graph.value(node, via))
            text = texts.get(Path(name).name) if name else None
            start = _int(graph.value(node, IPKG.charStart))
            end = _int(graph.value(node, IPKG.charEnd))
            quote = graph.value(node, IPKG.quote)
            if text is None or start is None or end is None or quote is None:
                continue
            found = text[start:end]
            if found != str(quote) or end > len(text):
                out.append(OffsetMismatch(node, name or "", start, end, str(quote), found))
    out.sort(key=lambda m: (m.file_name, m.start, m.end, str(m.node)))
    return out


def read_sources(inputs: Iterable[str | Path]) -> dict[str, str]:
    """Decoded texts of the input files (as the pipeline decodes them), by base name.

    Args:
        inputs: files or folders, as given to `python -m graph build`.
    """
    from graph.ingest import iter_inputs, read_document  # heavy imports, only when needed

    return {path.name: read_document(path).text for path in iter_inputs(inputs)}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `python -m graph.validate GRAPH [--sources DIR] [--lang zh|en]`.

    Prints the results and returns 0 when the graph conforms, 1 otherwise.
    """
    ap = argparse.ArgumentParser(prog="python -m graph.validate", description=main.__doc__)
    ap.add_argument("graph", help="a built graph (.ttl, .nt, .trig, .nq, .jsonld)")
    ap.add_argument("--sources", type=Path, help="the source files (a folder), to check offsets")
    ap.add_argument("--lang", choices=["zh", "en"], help="keep one language of each message")
    args = ap.parse_args(argv)
    sources = read_sources([args.sources]) if args.sources else None
    report = validate(args.graph, sources=sources, lang=args.lang)
    for v in report.violations:
        print(f"{v.severity}\t{v.focus}\t{v.path or ''}\t{v.message}")
    print("conforms" if report.conforms else f"{len(report.errors)} violation(s)")
    return 0 if report.conforms else 1


if __name__ == "__main__":
    sys.exit(main())
