"""SPARQL: a read-only editor with the example library, tables, downloads and a network view."""

import json

import pandas as pd
import streamlit as st
from rdflib import Graph

from graph.app_support import (
    T,
    ask_value,
    compact_iri,
    example_queries,
    network_from_rows,
    network_html,
    parameter_term,
    result_kind,
    sparql_json,
    store_or_stop,
    to_python,
    ui_lang,
    url_state,
    with_prefixes,
    write_url,
)
from graph.namespaces import PREFIXES

PAGE = "sparql"
examples = {q.name: q for q in example_queries()}
SPEC = {"ex": "", "query": "", "timeout": 10,
        **{f"p_{p}": "" for q in examples.values() for p, _h in q.parameters}}
DEFAULT_QUERY = """SELECT ?class (COUNT(?s) AS ?n)
WHERE { ?s a ?class . FILTER(STRSTARTS(STR(?class), STR(ipkg:))) }
GROUP BY ?class ORDER BY DESC(?n)"""

lang = ui_lang()
store, index = store_or_stop()
url_state(PAGE, SPEC)
st.title(T("page_sparql"))

# choosing another example replaces the editor's text (before the editor is drawn)
ex_key, q_key = f"{PAGE}.ex", f"{PAGE}.query"


def _load_example() -> None:
    chosen = examples.get(st.session_state[ex_key])
    st.session_state[q_key] = with_prefixes(chosen.text) if chosen else with_prefixes(DEFAULT_QUERY)


if st.session_state[ex_key] not in ("", *examples):
    st.session_state[ex_key] = ""
if not st.session_state[q_key]:
    _load_example()

st.selectbox(T("sq_examples"), ["", *examples], key=ex_key, on_change=_load_example,
             format_func=lambda n: "—" if not n else f"{examples[n].title(lang)}  ({n}.rq)")
chosen = examples.get(st.session_state[ex_key])
if chosen and chosen.description:
    st.caption(chosen.description)

bindings = {}
if chosen and chosen.parameters:
    cols = st.columns(len(chosen.parameters))
    for col, (name, help_text) in zip(cols, chosen.parameters, strict=False):
        col.text_input(f"?{name}", key=f"{PAGE}.p_{name}", help=help_text or None)
        value = st.session_state[f"{PAGE}.p_{name}"]
        if value.strip():
            bindings[name] = parameter_term(value)

left, right = st.columns([3, 2])
with left:
    st.text_area(T("sq_editor"), key=q_key, height=320)
with right:
    st.markdown(f"**{T('sq_preview')}**")
    st.code(st.session_state[q_key], language="sparql", height=320)
c1, c2 = st.columns([1, 4])
c1.number_input(T("sq_timeout"), min_value=1, max_value=120, key=f"{PAGE}.timeout")
c2.caption(T("sq_readonly"))
run = st.button(T("sq_run"), key=f"{PAGE}.run", type="primary", icon=":material/play_arrow:")
# an unedited example or the default query is named by the URL, not spelled out in it
unedited = st.session_state[q_key] == with_prefixes(chosen.text if chosen else DEFAULT_QUERY)
write_url(PAGE, SPEC, omit=["query"] if unedited else [])

query = with_prefixes(st.session_state[q_key])
missing = [p for p, _h in (chosen.parameters if chosen else ()) if p not in bindings and f"?{p}" in query]
if missing:
    st.info(f"{T('sq_params')}: " + ", ".join(f"?{p}" for p in missing))
    st.stop()
used = {k: v for k, v in bindings.items() if f"?{k}" in query or f"${k}" in query}
try:
    res = store.query(query, bindings=used, timeout_s=float(st.session_state[f"{PAGE}.timeout"]),
                      max_rows=10_000)
except Exception as exc:
    st.error(T("sq_error", error=str(exc).strip() or type(exc).__name__))
    st.stop()

kind = result_kind(res)
if kind == "ask":
    st.success(T("sq_ask", value=ask_value(res)))
    st.download_button(T("download_json"), json.dumps(sparql_json(res)), file_name="result.json",
                       mime="application/sparql-results+json", key=f"{PAGE}.json")
    st.stop()

if kind == "graph":
    frame = pd.DataFrame([(str(s), str(p), str(o)) for s, p, o in res.triples], columns=["s", "p", "o"])
    st.caption(T("sq_rows", n=len(frame)))
    st.dataframe(frame.map(compact_iri), hide_index=True, width="stretch", key=f"{PAGE}.table")
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    for triple in res.triples:
        graph.add(triple)
    d1, d2 = st.columns(2)
    d1.download_button(T("download_csv"), frame.to_csv(index=False).encode("utf-8-sig"),
                       file_name="result.csv", mime="text/csv", key=f"{PAGE}.csv")
    d2.download_button("Turtle", graph.serialize(format="turtle"), file_name="result.ttl",
                       mime="text/turtle", key=f"{PAGE}.ttl")
else:
    frame = pd.DataFrame([[to_python(v) for v in row] for row in res.rows], columns=list(res.variables))
    st.caption(T("sq_rows", n=len(frame)))
    # shown with prefixes (ipkg:Measure); the downloads keep full IRIs
    st.dataframe(frame.map(compact_iri), hide_index=True, width="stretch", key=f"{PAGE}.table")
    d1, d2 = st.columns(2)
    d1.download_button(T("download_csv"), frame.to_csv(index=False).encode("utf-8-sig"),
                       file_name="result.csv", mime="text/csv", key=f"{PAGE}.csv")
    d2.download_button(T("download_json"), json.dumps(sparql_json(res), ensure_ascii=False),
                       file_name="result.json", mime="application/sparql-results+json", key=f"{PAGE}.json")
if getattr(res, "truncated", False):
    st.warning(T("sq_truncated"))

net = network_from_rows(index, res)
if net is not None and len(net.nodes) > 1:
    st.subheader(T("sq_network"))
    st.iframe(network_html(index, net, lang, height=480), height=540)
