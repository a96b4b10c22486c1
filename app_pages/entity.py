"""Entity: labels, type, region, every relation in and out, and the source passages."""

import html

import pandas as pd
import streamlit as st
from rdflib import URIRef

from graph.app_support import (
    T,
    class_style,
    document_text,
    entity_param,
    highlight_spans,
    iri_from_param,
    link_params,
    rows,
    store_or_stop,
    ui_lang,
    url_state,
    write_url,
)
from graph.i18n import class_name, relation_name

PAGE = "entity"
SPEC = {"e": "", "q": ""}
CONTEXT = 80  # characters of source text shown around a mention

lang = ui_lang()
store, index = store_or_stop()
url_state(PAGE, SPEC)
st.title(T("page_entity"))

query = st.text_input(T("ex_search"), key=f"{PAGE}.q", placeholder="知识产权保护中心")
current = st.session_state[f"{PAGE}.e"]
options = [entity_param(n.iri) for n in index.search(query, limit=100)] if query.strip() else []
if current and current not in options:
    options.insert(0, current)
if options:
    if current not in options:
        st.session_state[f"{PAGE}.e"] = options[0]
    st.selectbox(T("en_pick"), options, key=f"{PAGE}.e",
                 format_func=lambda p: f"{index.get(iri_from_param(p)).label(lang)} · "
                                       f"{class_name(index.get(iri_from_param(p)).cls, lang)}")
write_url(PAGE, SPEC)

param = st.session_state.get(f"{PAGE}.e", "")
if not param:
    st.info(T("en_none"))
    st.stop()

iri = iri_from_param(param)
node = index.get(iri)
colour = class_style(node.cls)[0]
st.header(node.label(lang))
st.caption(f"`{iri}`")  # as code: not a link that would leave the machine

out, inc = index.relations(iri)
region = [index.get(o).label(lang) for p, o, _q in out if p in ("locatedIn", "jurisdiction", "region")]
c1, c2, c3 = st.columns(3)
c1.metric(T("en_type"), class_name(node.cls, lang))
c2.metric(T("en_region"), "、".join(dict.fromkeys(region)) or "—")
c3.metric(T("col_relation"), len(out) + len(inc))
if node.aliases:
    st.markdown(f"**{T('en_aliases')}**")
    st.write("、".join(node.aliases))
if len(node.classes) > 1:
    st.caption(" · ".join(class_name(c, lang) for c in node.classes))
st.page_link("app_pages/explore.py", label=T("en_explore"), icon=":material/hub:",
             query_params=link_params(e=param))


def _relation_table(items: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{
            T("col_relation"): relation_name(p, lang),
            T("col_label"): index.get(other).label(lang),
            T("col_class"): class_name(index.get(other).cls, lang),
            T("col_quote"): quote,
            "link": f"./entity?e={entity_param(other)}" + ("&lang=en" if lang == "en" else ""),
        } for p, other, quote in items],
        columns=[T("col_relation"), T("col_label"), T("col_class"), T("col_quote"), "link"],
    )


link_column = st.column_config.LinkColumn(T("open_entity"), display_text=T("open_entity"))
left, right = st.columns(2)
with left:
    st.subheader(f"{T('en_out')} ({len(out)})")
    st.dataframe(_relation_table(out), hide_index=True, width="stretch", column_config={"link": link_column})
with right:
    st.subheader(f"{T('en_in')} ({len(inc)})")
    st.dataframe(_relation_table(inc), hide_index=True, width="stretch", column_config={"link": link_column})

st.subheader(T("en_passages"))
passages = rows("entity_mentions", entity=URIRef(iri))
# a measure or target is itself a passage: its own quote and offsets
if node.cls in ("Measure", "Target"):
    own = {r["p"].rsplit("#", 1)[-1]: r["value"] for r in rows("entity_literals", entity=URIRef(iri))}
    docs = [o for p, o, _q in out if p == "statedIn"]
    if own.get("quote") and docs:
        doc = index.get(docs[0])
        passages = [{"doc": docs[0], "docTitle": doc.label(lang), "quote": own["quote"],
                     "start": own.get("charStart"), "end": own.get("charEnd")}]
surfaces = sorted({node.label("zh"), *node.aliases}, key=len, reverse=True)
if not passages:
    st.caption(T("no_results"))
for p in passages[:200]:
    quote = str(p.get("quote") or "")
    start, end = p.get("start"), p.get("end")
    source = document_text(str(p.get("fileName") or index.get(p["doc"]).label("zh")))
    if (source is not None and isinstance(start, int) and isinstance(end, int)
            and 0 <= start < end <= len(source)):
        # the passage around the mention, read from the source at the recorded offsets
        lo = max(0, start - CONTEXT)
        hi = min(len(source), end + CONTEXT)
        lo = max(lo, source.rfind("\n", lo, start) + 1)
        cut = source.find("\n", end, hi)
        hi = cut if cut >= 0 else hi
        marked = highlight_spans(source[lo:hi], [(start - lo, end - lo, colour, node.label(lang))])
    else:
        marked = html.escape(quote)
        for surface in surfaces:  # highlight the mention inside its passage
            esc = html.escape(surface)
            if surface and esc in marked:
                mark = f'<mark style="background:{colour}40;border-bottom:2px solid {colour}">{esc}</mark>'
                marked = marked.replace(esc, mark, 1)
                break
    title = str(p.get("docTitle") or p.get("fileName") or "")
    offsets = f" [{start}–{end}]" if start is not None else ""
    with st.container(border=True):
        st.markdown(f"<div style='line-height:1.8'>{marked}</div>", unsafe_allow_html=True)
        st.page_link("app_pages/documents.py", label=f"{title}{offsets}", icon=":material/description:",
                     query_params=link_params(doc=entity_param(p["doc"])))
