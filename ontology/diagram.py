"""Draw the ipkg ontology (ontology/ipkg.ttl) as a class diagram: ontology/ipkg.svg.

Classes are boxes (English name, Chinese label, datatype properties with their
ranges); object properties are labelled arrows from domain to range (a union
domain or range gives one arrow per member); rdfs:subClassOf is a hollow-headed
arrow; classes reused from other vocabularies are grey.

The picture is committed; re-draw it after changing the ontology:

    python ontology/diagram.py            # needs Graphviz `dot` (apt-get install graphviz)
    python ontology/diagram.py --dot      # print the DOT source only

`tests/test_ontology.py` checks that the picture names every class.
"""

from __future__ import annotations

import argparse
import html
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

HERE = Path(__file__).resolve().parent
ONTOLOGY = HERE / "ipkg.ttl"
PICTURE = HERE / "ipkg.svg"
IPKG = "https://w3id.org/ipkg/ontology#"
PREFIXES = {
    IPKG: "ipkg:",
    "http://www.w3.org/ns/prov#": "prov:",
    "http://www.w3.org/ns/org#": "org:",
    "http://data.europa.eu/eli/ontology#": "eli:",
    "http://purl.org/dc/terms/": "dcterms:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    str(XSD): "xsd:",
    str(RDF): "rdf:",
}
#: Properties of other vocabularies that ipkg uses on its classes; the ontology does not
#: give them a domain (that would say something about every use of dcterms:title).
FOREIGN_ATTRIBUTES: dict[str, list[tuple[str, str]]] = {
    "Document": [("dcterms:title", "langString"), ("dcterms:issued", "gYear | gYearMonth | date")],
    "NamedEntity": [("skos:prefLabel", "@zh-Hans, exactly 1"), ("skos:altLabel", "@zh-Hans, any")],
}
FONT = "WenQuanYi Zen Hei, Noto Sans CJK SC, sans-serif"


def short(iri: URIRef | str) -> str:
    """`prefix:local` for a known namespace; ipkg terms lose their prefix."""
    text = str(iri)
    for ns, prefix in PREFIXES.items():
        if text.startswith(ns):
            return text[len(ns):] if prefix == "ipkg:" else prefix + text[len(ns):]
    return text


def members(g: Graph, node: URIRef | BNode | None) -> list[URIRef]:
    """The classes a domain or range stands for (the members of an owl:unionOf)."""
    if node is None:
        return []
    union = g.value(node, OWL.unionOf)
    if union is not None:
        return [m for m in Collection(g, union) if isinstance(m, URIRef)]
    return [node] if isinstance(node, URIRef) else []


def label(g: Graph, term: URIRef, lang: str) -> str:
    """The term's rdfs:label in a language, or ""."""
    for value in g.objects(term, RDFS.label):
        if getattr(value, "language", None) and value.language.lower().startswith(lang):
            return str(value)
    return ""


def range_text(g: Graph, prop: URIRef) -> str:
    """A datatype property's range, briefly."""
    rng = g.value(prop, RDFS.range)
    if rng is None:
        return ""
    if isinstance(rng, BNode):
        return " | ".join(short(m) for m in members(g, rng))
    if (rng, RDF.type, RDFS.Datatype) in g and str(rng).startswith(IPKG):
        options = g.value(g.value(rng, OWL.equivalentClass), OWL.oneOf)
        values = [str(v) for v in Collection(g, options)] if options is not None else []
        return "{" + ", ".join(values[:4]) + (", …}" if len(values) > 4 else "}")
    return short(rng).removeprefix("xsd:").removeprefix("rdf:")


def class_node(g: Graph, cls: URIRef, attributes: Iterable[tuple[str, str]]) -> str:
    """A DOT node with an HTML-like table label for one ipkg class."""
    name = short(cls)
    zh = label(g, cls, "zh")
    rows = [
        f'<tr><td bgcolor="#1f4e79"><font color="white"><b>{html.escape(name)}</b></font></td></tr>',
        f'<tr><td bgcolor="#dbe8f5">{html.escape(zh)}</td></tr>',
    ]
    attrs = sorted(attributes)
    if attrs:
        cells = "<br/>".join(
            f"{html.escape(p)} <font color=\"#666666\">: {html.escape(r)}</font>" for p, r in attrs
        )
        rows.append(f'<tr><td align="left" balign="left">{cells}</td></tr>')
    table = "".join(rows)
    return (f'  "{name}" [shape=plain, label=<<table border="1" cellborder="0" cellspacing="0" '
            f'cellpadding="4" color="#1f4e79">{table}</table>>];')


def build_dot(g: Graph) -> str:
    """The DOT source of the class diagram of ontology graph `g` (a pure function)."""
    classes = sorted(c for c in g.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef))
    ipkg_classes = [c for c in classes if str(c).startswith(IPKG)]
    attributes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for prop in sorted(g.subjects(RDF.type, OWL.DatatypeProperty)):
        if not str(prop).startswith(IPKG):
            continue
        for cls in members(g, g.value(prop, RDFS.domain)):
            attributes[short(cls)].append((short(prop), range_text(g, prop)))
    for cls_name, extra in FOREIGN_ATTRIBUTES.items():
        attributes[cls_name].extend(extra)

    lines = [
        "digraph ipkg {",
        '  graph [rankdir=BT, nodesep=0.35, ranksep=0.6, fontname="' + FONT + '", '
        'label="ipkg ontology — 知识产权政策知识图谱本体", labelloc=t, fontsize=20];',
        '  node [fontname="' + FONT + '", fontsize=11];',
        '  edge [fontname="' + FONT + '", fontsize=10];',
    ]
    foreign: set[URIRef] = set()
    for cls in ipkg_classes:
        lines.append(class_node(g, cls, attributes.get(short(cls), [])))
    # rdfs:subClassOf
    for cls in ipkg_classes:
        for sup in sorted(g.objects(cls, RDFS.subClassOf)):
            if not isinstance(sup, URIRef):
                continue
            if not str(sup).startswith(IPKG):
                foreign.add(sup)
            lines.append(f'  "{short(cls)}" -> "{short(sup)}" [arrowhead=onormal, color="#555555"];')
    for sup in sorted(foreign):
        lines.append(f'  "{short(sup)}" [shape=box, style="rounded,filled", fillcolor="#eeeeee", '
                     f'color="#999999", fontcolor="#555555"];')
    # object properties, domain -> range
    for prop in sorted(g.subjects(RDF.type, OWL.ObjectProperty)):
        domains = [d for d in members(g, g.value(prop, RDFS.domain)) if str(d).startswith(IPKG)]
        ranges = [r for r in members(g, g.value(prop, RDFS.range)) if str(r).startswith(IPKG)]
        if not domains:
            continue
        if not ranges:  # ipkg:mentionOf: any named entity
            ranges = [URIRef(IPKG + "NamedEntity")]
        style = ', style=bold' if prop in (URIRef(IPKG + "servedBy"), URIRef(IPKG + "responsibleUnit")) else ""
        extra = " (transitive)" if (prop, RDF.type, OWL.TransitiveProperty) in g else ""
        for d in domains:
            for r in ranges:
                lines.append(f'  "{short(d)}" -> "{short(r)}" [label="{short(prop)}{extra}", '
                             f'color="#2e7d32", fontcolor="#2e7d32"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot_source: str, out: Path) -> None:
    """Run Graphviz `dot` to write `out` (format from its suffix)."""
    dot = shutil.which("dot")
    if dot is None:
        raise SystemExit("Graphviz `dot` is not installed: apt-get install graphviz fonts-wqy-zenhei")
    fmt = out.suffix.lstrip(".")
    subprocess.run([dot, f"-T{fmt}", "-o", str(out)], input=dot_source.encode("utf-8"), check=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: draw the picture, or print its DOT source with --dot."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dot", action="store_true", help="print the DOT source instead of drawing")
    ap.add_argument("--out", type=Path, default=PICTURE, help="picture to write (.svg or .png)")
    args = ap.parse_args(argv)
    source = build_dot(Graph().parse(ONTOLOGY, format="turtle"))
    if args.dot:
        sys.stdout.write(source)
        return 0
    render(source, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
