"""Regenerate `app_fixture.ttl`: a small graph in the ipkg vocabulary for the app tests.

It is made from the evaluation gold of the bundled corpus (names, links, targets) with
offsets found in the real source files, so the app's pages have realistic data to show
before (and independently of) the pipeline. Run: `python tests/data/make_app_fixture.py`.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from graph.namespaces import IPKG, ORG, PREFIXES, document_iri, entity_iri, node_iri  # noqa: E402

GOLD = Path("/work/shared/eval/gold")
CORPUS = ROOT / "data" / "corpus"
ZH = "zh-Hans"
LEVELS = {"陕西省": "province", "山东省": "province", "西安市": "city", "宝鸡市": "city",
          "咸阳市": "city", "渭南市": "city", "中国": "national"}


def main() -> None:
    g = Graph()
    for p, ns in PREFIXES.items():
        g.bind(p, ns)
    regions: dict[str, object] = {}

    def region(name: str):
        if name not in regions:
            r = entity_iri("region", name)
            g.add((r, RDF.type, IPKG.Region))
            g.add((r, SKOS.prefLabel, Literal(name, lang=ZH)))
            g.add((r, IPKG.adminLevel, Literal(LEVELS.get(name, "city"))))
            if name.endswith("市"):
                prov = "陕西省" if name != "济南市" else "山东省"
                g.add((r, IPKG.partOf, region(prov)))
            regions[name] = r
        return regions[name]

    for gold_path in sorted(GOLD.glob("*.json")):
        gold = json.loads(gold_path.read_text("utf-8"))
        fname = gold["doc"]
        text = (CORPUS / fname).read_text("utf-8")
        meta = gold["metadata"]
        scope = meta.get("region") or "national"
        doc = document_iri(fname)
        g.add((doc, RDF.type, IPKG.Document))
        g.add((doc, IPKG.fileName, Literal(fname)))
        g.add((doc, DCTERMS.title, Literal(meta["title"], lang=ZH)))
        if meta.get("doc_number"):
            g.add((doc, IPKG.docNumber, Literal(meta["doc_number"])))
        date = str(meta.get("date") or "")
        dtype = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}.get(len(date))
        if dtype:
            g.add((doc, DCTERMS.issued, Literal(date, datatype=dtype)))
        g.add((doc, IPKG.level, Literal(meta["level"])))
        g.add((doc, IPKG.genre, Literal(meta["genre"])))
        if meta.get("region"):
            g.add((doc, IPKG.jurisdiction, region(meta["region"])))
        g.add((doc, IPKG.script, Literal("simplified")))
        g.add((doc, IPKG.mediaType, Literal("text/plain")))

        names: dict[str, object] = {}

        def entity(kind: str, cls, item: dict, key_scope: str):
            node = entity_iri(kind, item["name"], key_scope)
            g.add((node, RDF.type, cls))
            g.add((node, SKOS.prefLabel, Literal(item["name"], lang=ZH)))
            for alias in item.get("aliases", []):
                g.add((node, SKOS.altLabel, Literal(alias, lang=ZH)))
            names[item["name"]] = node
            for surface in [item["name"], *item.get("aliases", [])]:
                start = text.find(surface)
                if start >= 0:
                    m = node_iri("mention", fname, start, start + len(surface))
                    g.add((m, RDF.type, IPKG.Mention))
                    g.add((m, IPKG.mentionOf, node))
                    g.add((m, IPKG.inDocument, doc))
                    g.add((m, IPKG.charStart, Literal(start)))
                    g.add((m, IPKG.charEnd, Literal(start + len(surface))))
                    lo = max(0, start - 30)
                    g.add((m, IPKG.quote, Literal(text[lo:start + len(surface) + 30].strip())))
                    break
            return node

        for pol in gold["policies"]:
            n = entity("policy", IPKG.Policy, pol, "national")
            g.add((doc, IPKG.cites, n))
        for inst in gold["institutions"]:
            cls = IPKG[inst["type"]] if inst["type"] != "Other" else IPKG.Institution
            n = entity("institution", cls, inst, inst.get("region") or scope)
            g.add((n, RDF.type, IPKG.Institution))
            if inst.get("region"):
                g.add((n, IPKG.locatedIn, region(inst["region"])))
            g.add((doc, IPKG.mentions, n))
        for prog in gold["programs"]:
            n = entity("program", IPKG.Program, prog, scope)
            g.add((doc, IPKG.mentions, n))
        for ev in gold["events"]:
            n = entity("event", IPKG.Event, ev, scope)
            g.add((doc, IPKG.mentions, n))
        for issuer in meta.get("issuer") or []:
            n = names.get(issuer) or entity("institution", IPKG.GovernmentAgency,
                                            {"name": issuer}, scope)
            g.add((n, RDF.type, IPKG.Institution))
            g.add((doc, IPKG.issuedBy, n))

        def measure(quote: str):
            start = text.find(quote)
            if start < 0:
                return None
            end = start + len(quote)
            m = node_iri("measure", fname, start, end)
            g.add((m, RDF.type, IPKG.Measure))
            g.add((m, IPKG.statedIn, doc))
            g.add((m, IPKG.text, Literal(quote, lang=ZH)))
            g.add((m, IPKG.quote, Literal(quote)))
            g.add((m, IPKG.charStart, Literal(start)))
            g.add((m, IPKG.charEnd, Literal(end)))
            return m

        for link in gold["links"]:
            m = measure(link["measure_quote"])
            for name in link["institutions"]:
                if m is not None and name in names:
                    g.add((m, IPKG.servedBy, names[name]))
        for resp in gold["responsible"][:8]:
            m = measure(resp["measure_quote"])
            for unit in resp["units"][:4]:
                if m is None:
                    continue
                n = names.get(unit) or entity("institution", IPKG.InternalUnit,
                                              {"name": unit}, scope)
                g.add((n, RDF.type, IPKG.Institution))
                g.add((m, IPKG.responsibleUnit, n))
        for tgt in gold["targets"]:
            start = text.find(tgt["quote"])
            if start < 0:
                continue
            end = start + len(tgt["quote"])
            ind = entity("indicator", IPKG.Indicator,
                         {"name": tgt["indicator"], "aliases": tgt.get("aliases", [])}, "")
            t = node_iri("target", fname, start, end)
            g.add((t, RDF.type, IPKG.Target))
            g.add((t, IPKG.indicator, ind))
            g.add((t, IPKG.value, Literal(Decimal(str(tgt["value"])))))
            g.add((t, IPKG.unit, Literal(tgt["unit"])))
            if tgt.get("year"):
                g.add((t, IPKG.year, Literal(int(tgt["year"]))))
            g.add((t, IPKG.region, region(tgt.get("region") or scope)))
            g.add((t, IPKG.statedIn, doc))
            g.add((t, IPKG.charStart, Literal(start)))
            g.add((t, IPKG.charEnd, Literal(end)))
            g.add((t, IPKG.quote, Literal(tgt["quote"])))
    # each document states its number of measures, as graph.rdf writes it
    measures = set(g.subjects(RDF.type, IPKG.Measure))
    for doc in sorted(set(g.subjects(RDF.type, IPKG.Document))):
        g.add((doc, IPKG.measureCount, Literal(len(set(g.subjects(IPKG.statedIn, doc)) & measures))))
    # internal units belong to their agency (only one example is needed)
    out = Path(__file__).with_name("app_fixture.ttl")
    g.serialize(out, format="turtle")
    print(f"{out}: {len(g)} triples")


if __name__ == "__main__":
    _ = ORG  # org:subOrganizationOf is not in the gold; kept for completeness
    main()
