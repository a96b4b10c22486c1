"""Overview: the corpus at a glance."""

import altair as alt
import pandas as pd
import streamlit as st

from graph.app_support import T, class_style, link_params, local_name, rows, store_or_stop, ui_lang
from graph.i18n import class_name, level_name, relation_name

lang = ui_lang()
store, index = store_or_stop()
st.title(T("app_title"))

docs = rows("documents")
counts = index.class_counts()
c1, c2, c3, c4 = st.columns(4)
c1.metric(T("ov_documents"), len(docs))
c2.metric(class_name("Institution", lang), sum(n for c, n in counts.items()
                                              if c in {"Institution", "GovernmentAgency", "InternalUnit",
                                                       "ProtectionCenter", "ServiceCenter", "Platform",
                                                       "Court", "University", "Association", "Base", "Fund"}))
c3.metric(class_name("Measure", lang), counts.get("Measure", 0))
c4.metric(class_name("Target", lang), counts.get("Target", 0))

st.subheader(T("ov_documents"))
doc_table = pd.DataFrame(
    [{
        T("col_title"): d.get("title") or d.get("fileName"),
        T("col_region"): d.get("region") or "",
        T("col_level"): level_name(d.get("level") or "", lang) if d.get("level") else "",
        T("col_genre"): d.get("genre") or "",
        T("col_date"): d.get("issued") or "",
        T("col_number"): d.get("docNumber") or "",
        T("col_file"): d.get("fileName") or "",
    } for d in docs]
)
st.dataframe(doc_table, hide_index=True, width="stretch", key="overview.docs")
if docs:
    st.page_link("app_pages/documents.py", label=T("open_document"), icon=":material/description:",
                 query_params=link_params())

left, right = st.columns(2)
with left:
    st.subheader(T("ov_counts"))
    count_df = pd.DataFrame(
        [{"cls": c, T("col_class"): class_name(c, lang), T("col_count"): n, "colour": class_style(c)[0]}
         for c, n in counts.most_common() if c != "Other"]
    )
    if not count_df.empty:
        chart = alt.Chart(count_df).mark_bar().encode(
            x=alt.X(f"{T('col_count')}:Q"),
            y=alt.Y(f"{T('col_class')}:N", sort="-x"),
            color=alt.Color("colour:N", scale=None),
            tooltip=[T("col_class"), T("col_count")],
        )
        st.altair_chart(chart, width="stretch")
with right:
    st.subheader(T("ov_inst_by_region"))
    inst = rows("institution_types_by_region")
    inst_df = pd.DataFrame(
        [{T("col_region"): r["region"] or "—", T("col_type"): class_name(local_name(r["type"]), lang),
          T("col_count"): r["count"]} for r in inst]
    )
    if not inst_df.empty:
        chart = alt.Chart(inst_df).mark_bar().encode(
            x=alt.X(f"sum({T('col_count')}):Q", title=T("col_count")),
            y=alt.Y(f"{T('col_region')}:N", sort="-x"),
            color=alt.Color(f"{T('col_type')}:N"),
            tooltip=[T("col_region"), T("col_type"), T("col_count")],
        )
        st.altair_chart(chart, width="stretch")
    else:
        st.caption(T("no_results"))

st.subheader(T("ov_targets_by_year"))
targets = rows("targets")
tg_df = pd.DataFrame(
    [{T("col_year"): str(r["year"]), T("col_region"): r.get("regionLabel") or "—"}
     for r in targets if r.get("year")]
)
if not tg_df.empty:
    chart = alt.Chart(tg_df).mark_bar().encode(
        x=alt.X(f"{T('col_year')}:O"),
        y=alt.Y("count():Q", title=T("col_count")),
        color=alt.Color(f"{T('col_region')}:N"),
        tooltip=[T("col_year"), T("col_region"), "count():Q"],
    )
    st.altair_chart(chart, width="stretch")
else:
    st.caption(T("no_results"))

st.subheader(T("ov_ontology"))
outline = rows("ontology_outline")
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


for r in outline:
    a, b = r.get("a"), r.get("b")
    if not a or not b or not a.startswith("https://w3id.org/ipkg/ontology#"):
        continue
    if r["kind"] == "class" and b.startswith("https://w3id.org/ipkg/ontology#"):
        lines.append(f'"{_node(a)}" -> "{_node(b)}" [style=dashed, arrowhead=empty];')
    elif r["kind"] == "property" and b.startswith("https://w3id.org/ipkg/ontology#"):
        label = relation_name(local_name(r["p"]), lang).replace('"', "'")
        lines.append(f'"{_node(a)}" -> "{_node(b)}" [label="{label}"];')
lines.append("}")
if len(lines) > 3:
    st.graphviz_chart("\n".join(lines), width="stretch")
    st.caption(T("ov_ontology_caption"))
else:
    st.caption(T("no_results"))
