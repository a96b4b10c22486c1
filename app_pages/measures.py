"""Measures & institutions: which institutions serve which measures, and the reverse."""

import pandas as pd
import streamlit as st
from rdflib import Literal, URIRef

from graph.app_support import (
    MEASURES_LISTED,
    MEASURES_MATCHED,
    T,
    entity_param,
    iri_from_param,
    link_params,
    rows,
    store_or_stop,
    ui_lang,
    url_state,
    write_url,
)
from graph.i18n import class_name
from graph.network import GraphNode
from graph.queries import is_iri, local_name, primary_class, to_simplified

PAGE = "measures"
SPEC = {"view": "measure", "q": "", "m": "", "inst": ""}
VIEWS = ["measure", "institution", "matrix"]
VIEW_LABELS = {"measure": "me_measure_tab", "institution": "me_inst_tab", "matrix": "me_matrix_tab"}

lang = ui_lang()
store, index = store_or_stop()
url_state(PAGE, SPEC)
if st.session_state[f"{PAGE}.view"] not in VIEWS:
    st.session_state[f"{PAGE}.view"] = "measure"
st.title(T("page_measures"))
st.segmented_control(T("page_measures"), VIEWS, key=f"{PAGE}.view", label_visibility="collapsed",
                     format_func=lambda v: T(VIEW_LABELS[v]))
view = st.session_state[f"{PAGE}.view"] or "measure"



def simplify(text: str) -> str:
    """Simplified script, one case, no outer spaces: what keyword matching compares."""
    return to_simplified(str(text)).strip().casefold()


def _add(measures: dict[str, dict], r: dict) -> None:
    """One row of measure_institutions.rq (or measures_matching.rq) into ``measures``."""
    m = measures.setdefault(r["measure"], {
        "text": r.get("text") or r.get("quote") or "", "quote": r.get("quote") or r.get("text") or "",
        "doc": r.get("doc"), "docTitle": r.get("docTitle") or "", "region": r.get("docRegion") or "",
        "links": {},
    })
    if r.get("inst"):
        m["links"][(r["inst"], r["role"])] = None
        if r.get("instLabel"):
            named[r["inst"]] = (r["instLabel"], primary_class((r.get("instTypes") or "").split()))


# one row per (measure, institution, role); measures without institutions keep one row
measures: dict[str, dict] = {}
named: dict[str, tuple[str, str]] = {}  # institution → (label, class), when the rows brought them
total = index.class_counts().get("Measure", 0)
large = total > MEASURES_LISTED  # then only the measures asked for are read (see MEASURES_LISTED)
if large and view != "matrix":
    st.caption(T("me_large", n=total))
    if view == "measure":
        st.text_input(T("me_keyword_text"), key=f"{PAGE}.q", placeholder="知识产权保护中心")
        if simplify(st.session_state[f"{PAGE}.q"]):
            for r in rows("measures_matching", keyword=Literal(simplify(st.session_state[f"{PAGE}.q"]))):
                _add(measures, r)
            if len(measures) >= MEASURES_MATCHED:
                st.warning(T("me_limit", n=MEASURES_MATCHED))
        else:
            write_url(PAGE, SPEC)
            st.stop()
elif view != "matrix":
    for r in rows("measure_institutions"):
        _add(measures, r)


def _inst_label(iri: str) -> str:
    return named[iri][0] if iri in named else index.get(iri).label(lang)


def _inst_class(iri: str) -> str:
    return named[iri][1] if iri in named else index.get(iri).cls


def _role(role: str) -> str:
    return T("me_served") if role == "servedBy" else T("me_responsible")


def _measure_rows(selected: dict[str, dict]) -> pd.DataFrame:
    out = []
    for iri, m in selected.items():
        for (inst, role), _type in sorted(m["links"].items(), key=lambda kv: kv[0][1]):
            out.append({
                T("col_measure"): m["text"], T("col_institution"): _inst_label(inst),
                T("col_type"): class_name(_inst_class(inst), lang), T("col_role"): _role(role),
                T("col_document"): m["docTitle"], T("col_region"): m["region"], T("col_quote"): m["quote"],
                "measure": entity_param(iri), "institution": entity_param(inst),
            })
    return pd.DataFrame(out, columns=[T("col_measure"), T("col_institution"), T("col_type"), T("col_role"),
                                      T("col_document"), T("col_region"), T("col_quote"), "measure",
                                      "institution"])


if view == "measure":
    if not large:
        st.text_input(T("me_keyword"), key=f"{PAGE}.q", placeholder="知识产权保护中心")
    keyword = simplify(st.session_state[f"{PAGE}.q"])
    found = {
        iri: m for iri, m in measures.items()
        if not keyword or keyword in simplify(m["text"])
        or any(keyword in simplify(_inst_label(i)) for i, _r in m["links"])
        or any(keyword in simplify(a) for i, _r in m["links"] for a in index.get(i).aliases)
    }
    ids = [entity_param(i) for i in found]
    if st.session_state[f"{PAGE}.m"] and st.session_state[f"{PAGE}.m"] not in ids:
        st.session_state[f"{PAGE}.m"] = ""
    # Labelled from the texts already read: asking the index would be one query per measure
    # on a graph read from the store.
    st.selectbox(T("me_pick_measure"), ["", *ids], key=f"{PAGE}.m",
                 format_func=lambda p: "—" if not p else GraphNode(
                     iri_from_param(p), labels={"zh": measures[iri_from_param(p)]["text"]}).short_label(lang, 60))
    picked = st.session_state[f"{PAGE}.m"]
    if picked:
        found = {iri_from_param(picked): measures[iri_from_param(picked)]}
    write_url(PAGE, SPEC)
    st.caption(T("me_found", n=len(found)))
    table = _measure_rows(found)
    if table.empty:
        st.info(T("no_results"))
    else:
        st.dataframe(table.drop(columns=["measure", "institution"]), hide_index=True, width="stretch",
                     key=f"{PAGE}.measure_table")
        st.download_button(T("download_csv"), lambda: table.to_csv(index=False).encode("utf-8-sig"),
                           file_name="measures_institutions.csv", mime="text/csv", key=f"{PAGE}.csv")
        serving = table.drop_duplicates("institution")
        st.markdown(f"**{T('col_institution')}** ({len(serving)})")
        for _, row in serving.head(30).iterrows():
            st.page_link("app_pages/entity.py", label=f"{row[T('col_institution')]} · {row[T('col_type')]}",
                         query_params=link_params(e=row["institution"]))
elif view == "institution":
    if large:
        # Institutions are found by name; the measures of the one picked are read below.
        st.text_input(T("me_search_inst"), key=f"{PAGE}.q", placeholder="陕西省知识产权保护中心")
        current = iri_from_param(st.session_state[f"{PAGE}.inst"]) if st.session_state[f"{PAGE}.inst"] else ""
        hits = [n.iri for n in index.search(st.session_state[f"{PAGE}.q"], classes=["Institution"], limit=100)]
        serving = list(dict.fromkeys([current, *hits] if is_iri(current) else hits))
    else:
        serving = sorted({i for m in measures.values() for i, _r in m["links"]}, key=_inst_label)
    ids = [entity_param(i) for i in serving]
    if st.session_state[f"{PAGE}.inst"] not in ids:
        st.session_state[f"{PAGE}.inst"] = ids[0] if ids else ""
    if ids:
        st.selectbox(T("me_pick_inst"), ids, key=f"{PAGE}.inst",
                     format_func=lambda p: f"{_inst_label(iri_from_param(p))} · "
                                           f"{class_name(_inst_class(iri_from_param(p)), lang)}")
    write_url(PAGE, SPEC)
    inst = iri_from_param(st.session_state[f"{PAGE}.inst"]) if ids else ""
    if large and inst:
        for r in rows("measures_of_institution", institution=URIRef(inst)):
            _add(measures, {"measure": r["measure"], "text": r["text"], "doc": r["document"],
                            "docTitle": r["title"], "docRegion": r["regionLabel"],
                            "inst": r["institutionNode"], "role": local_name(r["role"])})
    served = {iri: m for iri, m in measures.items() if any(i == inst for i, _r in m["links"])}
    table = _measure_rows(served)
    table = table[table["institution"] == entity_param(inst)] if not table.empty else table
    st.caption(T("me_found", n=len(served)))
    if table.empty:
        st.info(T("no_results"))
    else:
        table = table.sort_values([T("col_region"), T("col_document")])
        st.dataframe(table[[T("col_document"), T("col_region"), T("col_role"), T("col_measure"),
                            T("col_quote")]], hide_index=True, width="stretch", key=f"{PAGE}.inst_table")
        st.download_button(T("download_csv"), lambda: table.to_csv(index=False).encode("utf-8-sig"),
                           file_name="institution_measures.csv", mime="text/csv", key=f"{PAGE}.csv")
        st.page_link("app_pages/entity.py", label=T("open_entity"), icon=":material/label:",
                     query_params=link_params(e=entity_param(inst)))
else:
    write_url(PAGE, SPEC)
    data = rows("institution_types_by_region")
    frame = pd.DataFrame(
        [{T("col_region"): r["region"] or "—", T("col_type"): class_name(local_name(r["type"]), lang),
          T("col_count"): r["count"]} for r in data]
    )
    if frame.empty:
        st.info(T("no_results"))
    else:
        matrix = frame.pivot_table(index=T("col_region"), columns=T("col_type"), values=T("col_count"),
                                   aggfunc="sum", fill_value=0)
        matrix["Σ"] = matrix.sum(axis=1)
        matrix = matrix.sort_values("Σ", ascending=False)
        st.dataframe(matrix, width="stretch", key=f"{PAGE}.matrix")
        st.download_button(T("download_csv"), matrix.to_csv().encode("utf-8-sig"),
                           file_name="region_institution_type.csv", mime="text/csv", key=f"{PAGE}.csv")
