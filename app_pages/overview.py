"""Overview: the corpus at a glance."""

import streamlit as st

from graph.app_support import (
    T,
    documents_needing_a_build,
    link_params,
    prefetch,
    rows,
    store_location,
    store_or_stop,
    ui_lang,
)
from graph.i18n import class_name, level_name, relation_name
from graph.queries import INSTITUTION_CLASSES, local_name
from graph.visual import CHART_SERIES_LIMIT, class_style

lang = ui_lang()
store, index = store_or_stop()
st.title(T("app_title"))
if stale := documents_needing_a_build():
    st.info(T("store_needs_build", docs=stale, path=store_location()[0]), icon=":material/update:")

prefetch("documents", "institution_types_by_region", "targets_by_year", "ontology_outline")
docs = rows("documents")
counts = index.class_counts()
c1, c2, c3, c4 = st.columns(4)
c1.metric(T("ov_documents"), len(docs))
c2.metric(class_name("Institution", lang), sum(n for c, n in counts.items() if c in INSTITUTION_CLASSES))
c3.metric(class_name("Measure", lang), counts.get("Measure", 0))
c4.metric(class_name("Target", lang), counts.get("Target", 0))

st.subheader(T("ov_documents"))
st.dataframe(
    [{
        T("col_title"): d["title"] or d["fileName"],
        T("col_region"): d["jurisdiction"] or "",
        T("col_level"): level_name(d["level"], lang) if d["level"] else "",
        T("col_genre"): d["genre"] or "",
        T("col_date"): d["issued"] or "",
        T("col_number"): d["docNumber"] or "",
        T("col_measures"): d["measures"],  # None for a store built before documents stated it
        T("col_file"): d["fileName"] or "",
    } for d in docs],
    hide_index=True, width="stretch", key="overview.docs",
)
if docs:
    st.page_link("app_pages/documents.py", label=T("open_document"), icon=":material/description:",
                 query_params=link_params())


def bar_chart(values: list[dict], x: dict, y: dict, **encoding: dict) -> None:
    """A Vega-Lite bar chart of inline values (Altair is not needed for this, and takes a second to import)."""
    st.vega_lite_chart({"data": {"values": values}, "mark": "bar",
                        "encoding": {"x": x, "y": y, **encoding}}, width="stretch")


left, right = st.columns(2)
with left:
    st.subheader(T("ov_counts"))
    by_class = [{"cls": class_name(c, lang), "n": n, "colour": class_style(c)[0]}
                for c, n in counts.most_common() if c != "Other"]
    if by_class:
        bar_chart(by_class, {"field": "n", "type": "quantitative", "title": T("col_count")},
                  {"field": "cls", "type": "nominal", "sort": "-x", "title": T("col_class")},
                  color={"field": "colour", "type": "nominal", "scale": None},
                  tooltip=[{"field": "cls", "title": T("col_class")}, {"field": "n", "title": T("col_count")}])
with right:
    st.subheader(T("ov_inst_by_region"))
    inst = [{"region": r["region"] or "—", "type": class_name(local_name(r["type"]), lang), "n": r["count"]}
            for r in rows("institution_types_by_region")]
    if inst:
        bar_chart(inst, {"aggregate": "sum", "field": "n", "type": "quantitative", "title": T("col_count")},
                  {"field": "region", "type": "nominal", "sort": "-x", "title": T("col_region")},
                  color={"field": "type", "type": "nominal", "title": T("col_type")},
                  tooltip=[{"field": "region", "title": T("col_region")}, {"field": "type", "title": T("col_type")},
                           {"field": "n", "title": T("col_count")}])
    else:
        st.caption(T("no_results"))

st.subheader(T("ov_targets_by_year"))
by_year = [{"year": str(r["year"]), "region": r.get("regionLabel") or "—", "n": r["targets"]}
           for r in rows("targets_by_year")]
regions = len({r["region"] for r in by_year})
if by_year:
    tooltip = [{"field": "year", "title": T("col_year")}, {"aggregate": "sum", "field": "n", "title": T("col_count")}]
    colour = {}
    if regions <= CHART_SERIES_LIMIT:
        colour = {"color": {"field": "region", "type": "nominal", "title": T("col_region")}}
        tooltip.insert(1, {"field": "region", "title": T("col_region")})
    bar_chart(by_year, {"field": "year", "type": "ordinal", "title": T("col_year"), "axis": {"labelAngle": 0}},
              {"aggregate": "sum", "field": "n", "type": "quantitative", "title": T("col_count")},
              tooltip=tooltip, **colour)
    if not colour:
        st.caption(T("ov_targets_regions", n=regions))
else:
    st.caption(T("no_results"))

st.subheader(T("ov_ontology"))
lines = ["digraph ipkg {", 'rankdir=LR; node [shape=box, style="rounded,filled", fontname="Noto Sans CJK SC",'
         ' fontsize=11]; edge [fontname="Noto Sans CJK SC", fontsize=9, color="#888888"];']
seen: set[str] = set()


def _node(iri: str) -> str:
    name = local_name(iri)
    if name not in seen:
        seen.add(name)
        colour = class_style(name)[0]
        label = class_name(name, lang).replace('"', "'")
        lines.append(f'"{name}" [label="{label}", fillcolor="{colour}33", color="{colour}"];')
    return name


for r in rows("ontology_outline"):
    a, b = r["a"], r["b"]
    if r["kind"] == "class":
        lines.append(f'"{_node(a)}" -> "{_node(b)}" [style=dashed, arrowhead=empty];')
    elif r["kind"] == "property":
        label = relation_name(local_name(r["p"]), lang).replace('"', "'")
        lines.append(f'"{_node(a)}" -> "{_node(b)}" [label="{label}"];')
lines.append("}")
if len(lines) > 3:
    st.graphviz_chart("\n".join(lines), width="stretch")
    st.caption(T("ov_ontology_caption"))
else:
    st.caption(T("no_results"))
