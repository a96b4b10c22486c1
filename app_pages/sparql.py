"""SPARQL: a read-only editor with the example library, tables, downloads and a network view."""

import csv
import io
import json

import streamlit as st

from graph.app_support import T, store_or_stop, ui_lang, url_state, write_url
from graph.network import network_from_result
from graph.queries import (
    compact_iri,
    parse_parameter,
    prepare,
    python_value,
    results_json,
    saved_queries,
)
from graph.store import serialize_triples
from graph.visual import network_html

PAGE = "sparql"
examples = saved_queries()
SPEC = {"ex": "", "query": "", "timeout": 10,
        **{f"p_{p.name}": "" for q in examples.values() for p in q.parameters}}
DEFAULT_QUERY = """SELECT ?class (COUNT(?s) AS ?n)
WHERE { ?s a ?class . FILTER(STRSTARTS(STR(?class), STR(ipkg:))) }
GROUP BY ?class ORDER BY DESC(?n)"""

lang = ui_lang()
store, index = store_or_stop()
url_state(PAGE, SPEC)
st.title(T("page_sparql"))

# choosing another example replaces the editor's text (before the editor is drawn)
ex_key, q_key = f"{PAGE}.ex", f"{PAGE}.query"


def _example_text() -> str:
    chosen = examples.get(st.session_state[ex_key])
    return prepare(chosen.text if chosen else DEFAULT_QUERY, only_used=True)


def _load_example() -> None:
    st.session_state[q_key] = _example_text()


if st.session_state[ex_key] not in ("", *examples):
    st.session_state[ex_key] = ""
if not st.session_state[q_key]:
    _load_example()

st.selectbox(T("sq_examples"), ["", *examples], key=ex_key, on_change=_load_example,
             format_func=lambda n: "—" if not n else f"{examples[n].title(lang)}  ({n}.rq)")
chosen = examples.get(st.session_state[ex_key])
if chosen and chosen.description:
    st.caption(chosen.description)

bindings, invalid = {}, []
if chosen and chosen.parameters:
    cols = st.columns(len(chosen.parameters))
    for col, param in zip(cols, chosen.parameters, strict=True):
        col.text_input(f"?{param.name}", key=f"{PAGE}.p_{param.name}", help=param.description or None)
        value = st.session_state[f"{PAGE}.p_{param.name}"].strip()
        if param.kind == "iri" and value and "://" not in value:
            # a name typed where an IRI goes: the entity of that name
            hits = index.search(value, limit=1)
            value = str(hits[0].iri) if hits else value
        try:
            if value:
                bindings[param.name] = parse_parameter(param, value)
        except ValueError as exc:
            invalid.append(str(exc))

left, right = st.columns([3, 2])
with left:
    st.text_area(T("sq_editor"), key=q_key, height=320)
with right:
    st.markdown(f"**{T('sq_preview')}**")
    st.code(st.session_state[q_key], language="sparql", height=320)
c1, c2 = st.columns([1, 4])
c1.number_input(T("sq_timeout"), min_value=1, max_value=120, key=f"{PAGE}.timeout")
c2.caption(T("sq_readonly"))
st.button(T("sq_run"), key=f"{PAGE}.run", type="primary", icon=":material/play_arrow:")
# an unedited example or the default query is named by the URL, not spelled out in it
write_url(PAGE, SPEC, omit=["query"] if st.session_state[q_key] == _example_text() else [])

query = prepare(st.session_state[q_key], only_used=True)
missing = [p.name for p in (chosen.parameters if chosen else ())
           if p.required and p.name not in bindings and f"?{p.name}" in query]
if invalid or missing:
    for message in invalid:
        st.warning(message)
    if missing:
        st.info(f"{T('sq_params')}: " + ", ".join(f"?{p}" for p in missing))
    st.stop()
used = {k: v for k, v in bindings.items() if f"?{k}" in query or f"${k}" in query}
try:
    # typed by a person: isolated, so a runaway query is stopped at the limit, CPU and memory included
    res = store.query(query, bindings=used, timeout_s=float(st.session_state[f"{PAGE}.timeout"]),
                      max_rows=10_000, isolate=True)
except Exception as exc:
    st.error(T("sq_error", error=str(exc).strip() or type(exc).__name__))
    st.stop()

if res.kind == "ask":
    st.success(T("sq_ask", value=bool(res.boolean)))
    st.download_button(T("download_json"), json.dumps(results_json(res)), file_name="result.json",
                       mime="application/sparql-results+json", key=f"{PAGE}.json")
    st.stop()

if res.kind == "graph":
    columns = ["s", "p", "o"]
    table = [[str(term) for term in triple] for triple in res.triples]
else:
    columns = list(res.variables)
    table = [[python_value(v) for v in row] for row in res.rows]
st.caption(T("sq_rows", n=len(table)))
# shown with prefixes (ipkg:Measure); the downloads keep full IRIs
st.dataframe({c: [compact_iri(r[i]) for r in table] for i, c in enumerate(columns)}, hide_index=True,
             width="stretch", key=f"{PAGE}.table")
csv_text = io.StringIO()
csv.writer(csv_text).writerows([columns, *([("" if v is None else v) for v in r] for r in table)])
d1, d2 = st.columns(2)
d1.download_button(T("download_csv"), csv_text.getvalue().encode("utf-8-sig"),
                   file_name="result.csv", mime="text/csv", key=f"{PAGE}.csv")
if res.kind == "graph":
    d2.download_button("Turtle", serialize_triples(res.triples, "ttl"), file_name="result.ttl",
                       mime="text/turtle", key=f"{PAGE}.ttl")
else:
    d2.download_button(T("download_json"), json.dumps(results_json(res), ensure_ascii=False),
                       file_name="result.json", mime="application/sparql-results+json", key=f"{PAGE}.json")
if res.truncated:
    st.warning(T("sq_truncated"))

net = network_from_result(res, index, lang=lang)
if net.number_of_nodes() > 1:
    st.subheader(T("sq_network"))
    st.iframe(network_html(net, lang=lang, height="480px"), height=540)
