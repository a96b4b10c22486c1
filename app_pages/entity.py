"""Entity: labels, type, region, every relation in and out, and the source passages."""

import html

import streamlit as st

from graph.app_support import (
    T,
    document_text,
    entity_param,
    iri_from_param,
    link_params,
    store_or_stop,
    ui_lang,
    url_state,
    write_url,
)
from graph.i18n import class_name, relation_name
from graph.queries import MentionRef, Relation, entity_card, local_name
from graph.visual import class_style, highlight_spans

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
card = entity_card(store, iri_from_param(param)) if param else None
if card is None:
    st.info(T("en_none") if not param else T("no_results"))
    st.stop()

node = index.get(card.iri)
colour = class_style(card.cls or "Other")[0]
st.header(node.label(lang))
st.caption(f"`{card.iri}`")  # as code: not a link that would leave the machine

c1, c2, c3 = st.columns(3)
c1.metric(T("en_type"), class_name(card.cls or "Other", lang))
c2.metric(T("en_region"), card.region or "—")
c3.metric(T("col_relation"), len(card.outgoing) + len(card.incoming))
if card.alt_labels:
    st.markdown(f"**{T('en_aliases')}**")
    st.write("、".join(card.alt_labels))
if len(card.types) > 1:
    st.caption(" · ".join(class_name(c, lang) for c in card.types))
st.page_link("app_pages/explore.py", label=T("en_explore"), icon=":material/hub:",
             query_params=link_params(e=param))


def _label(r: Relation) -> str:
    """The other end's name: from the node when it was read with its names, else as the card read it.

    On a graph read from the store (StoreIndex) the neighbours Explore read carry no
    names yet, and asking for each would be one query per row (4,397 rows for 秦创原).
    """
    node = index.nodes.get(str(r.other))
    if node is not None and (node.labels or node.names):
        return node.label(lang)
    if r.other_label and r.other_label != local_name(str(r.other)):
        return r.other_label
    if r.quote:  # a target is named by its passage, as the index names it
        return r.quote
    return index.get(r.other).label(lang)  # the card found no name: ask (rare)


def _relation_table(items: tuple[Relation, ...]) -> dict[str, list]:
    return {
        T("col_relation"): [relation_name(r.name, lang) for r in items],
        T("col_label"): [_label(r) for r in items],
        T("col_class"): [class_name(r.other_cls or "Other", lang) for r in items],
        T("col_quote"): [r.quote or "" for r in items],
        "link": [f"./entity?e={entity_param(r.other)}" + ("&lang=en" if lang == "en" else "") for r in items],
    }


link_column = st.column_config.LinkColumn(T("open_entity"), display_text=T("open_entity"))
left, right = st.columns(2)
with left:
    st.subheader(f"{T('en_out')} ({len(card.outgoing)})")
    st.dataframe(_relation_table(card.outgoing), hide_index=True, width="stretch", column_config={"link": link_column})
with right:
    st.subheader(f"{T('en_in')} ({len(card.incoming)})")
    st.dataframe(_relation_table(card.incoming), hide_index=True, width="stretch", column_config={"link": link_column})

st.subheader(T("en_passages"))
passages = list(card.mentions)
# a measure or target is itself a passage: its own quote and offsets
own = dict(card.attributes)
sources = [r for r in card.outgoing if r.name == "statedIn"]
if card.cls in ("Measure", "Target") and own.get("quote") and sources:
    doc = index.get(sources[0].other)
    start, end = own.get("charStart"), own.get("charEnd")
    passages = [MentionRef(card.iri, sources[0].other, doc.names.get("file", ""), doc.label(lang), own["quote"],
                           int(start) if start and start.isdigit() else None,
                           int(end) if end and end.isdigit() else None, None)]
surfaces = sorted({node.label("zh"), *card.alt_labels}, key=len, reverse=True)
if not passages:
    st.caption(T("no_results"))
for p in passages[:200]:
    source = document_text(p.file_name)
    if source is not None and p.start is not None and p.end is not None and 0 <= p.start < p.end <= len(source):
        # the passage around the mention, read from the source at the recorded offsets
        lo = max(0, p.start - CONTEXT)
        hi = min(len(source), p.end + CONTEXT)
        lo = max(lo, source.rfind("\n", lo, p.start) + 1)
        cut = source.find("\n", p.end, hi)
        hi = cut if cut >= 0 else hi
        marked = highlight_spans(source[lo:hi], [(p.start - lo, p.end - lo, colour, node.label(lang))])
    else:
        marked = html.escape(p.quote)
        for surface in surfaces:  # highlight the mention inside its passage
            esc = html.escape(surface)
            if surface and esc in marked:
                mark = f'<mark style="background:{colour}40;border-bottom:2px solid {colour}">{esc}</mark>'
                marked = marked.replace(esc, mark, 1)
                break
    offsets = f" [{p.start}–{p.end}]" if p.start is not None else ""
    with st.container(border=True):
        st.markdown(f"<div style='line-height:1.8'>{marked}</div>", unsafe_allow_html=True)
        st.page_link("app_pages/documents.py", label=f"{p.title or p.file_name}{offsets}",
                     icon=":material/description:", query_params=link_params(doc=entity_param(p.document)))
