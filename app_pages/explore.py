"""Explore: search an entity and see its ego network (1–3 hops) with filters."""

import pandas as pd
import streamlit as st

from graph.app_support import (
    DEFAULT_NODE_LIMIT,
    PHYSICS_LIMIT,
    T,
    ego_network,
    entity_param,
    iri_from_param,
    link_params,
    network_html,
    store_or_stop,
    ui_lang,
    url_state,
    write_url,
)
from graph.i18n import class_name, relation_name

PAGE = "explore"
SPEC = {"q": "", "e": "", "hops": 1, "cls": [], "rel": [], "region": [], "doc": [],
        "limit": DEFAULT_NODE_LIMIT}

lang = ui_lang()
store, index = store_or_stop()
url_state(PAGE, SPEC)


def _k(name: str) -> str:
    return f"{PAGE}.{name}"


# A row chosen in the neighbour table re-centres the view (before widgets are drawn).
pending = st.session_state.pop("_explore_recentre", None)
if pending:
    st.session_state[_k("e")] = entity_param(pending)

st.title(T("page_explore"))
st.text_input(T("ex_search"), key=_k("q"), placeholder="秦创原 / 秦創原")
query = st.session_state[_k("q")].strip()
matches = index.search(query, limit=200) if query else []
center_param = st.session_state[_k("e")]
center = iri_from_param(center_param) if center_param else ""

options = [n.iri for n in matches]
if center and center not in options:
    options.insert(0, center)
if options:
    if center not in options:
        center = options[0]
    st.session_state[_k("e")] = entity_param(center)
    st.selectbox(
        f"{T('ex_pick')} ({T('ex_matches', n=len(matches))})", [entity_param(o) for o in options],
        key=_k("e"),
        format_func=lambda p: f"{index.get(iri_from_param(p)).label(lang)} · "
                              f"{class_name(index.get(iri_from_param(p)).cls, lang)}",
    )
    center = iri_from_param(st.session_state[_k("e")])

with st.sidebar:
    st.slider(T("ex_hops"), 1, 3, key=_k("hops"))
    all_classes = sorted({n.cls for n in index.nodes.values()} - {"Other"})
    st.multiselect(T("ex_classes"), all_classes, key=_k("cls"), placeholder=T("choose"), format_func=lambda c: class_name(c, lang))
    all_relations = sorted({e[1] for e in index.edges})
    st.multiselect(T("ex_relations"), all_relations, key=_k("rel"), placeholder=T("choose"),
                   format_func=lambda r: relation_name(r, lang))
    regions = sorted(index.of_class("Region"), key=lambda n: n.label(lang))
    region_ids = [entity_param(n.iri) for n in regions]
    st.session_state[_k("region")] = [r for r in st.session_state[_k("region")] if r in region_ids]
    st.multiselect(T("ex_regions"), region_ids, key=_k("region"), placeholder=T("choose"),
                   format_func=lambda p: index.get(iri_from_param(p)).label(lang))
    documents = sorted(index.of_class("Document"), key=lambda n: n.label(lang))
    doc_ids = [entity_param(n.iri) for n in documents]
    st.session_state[_k("doc")] = [d for d in st.session_state[_k("doc")] if d in doc_ids]
    st.multiselect(T("ex_documents"), doc_ids, key=_k("doc"), placeholder=T("choose"),
                   format_func=lambda p: index.get(iri_from_param(p)).short_label(lang, 30))
    st.number_input(T("ex_limit"), min_value=10, max_value=2000, step=10, key=_k("limit"))

write_url(PAGE, SPEC)

if not center:
    st.info(T("ex_start") if not query else T("no_results"))
    st.stop()

net = ego_network(
    index, center, st.session_state[_k("hops")],
    classes=st.session_state[_k("cls")], relations=st.session_state[_k("rel")],
    regions=[iri_from_param(r) for r in st.session_state[_k("region")]],
    documents=[iri_from_param(d) for d in st.session_state[_k("doc")]],
    limit=int(st.session_state[_k("limit")]),
)
node = index.get(center)
head, link = st.columns([4, 1])
head.markdown(f"**{T('ex_size', nodes=len(net.nodes), edges=len(net.edges))}**")
link.page_link("app_pages/entity.py", label=T("open_entity"), icon=":material/label:",
               query_params=link_params(e=entity_param(center)))
if net.hidden:
    st.warning(T("ex_more", n=net.hidden), icon=":material/more_horiz:")
physics = len(net.nodes) <= PHYSICS_LIMIT
if not physics:
    st.caption(T("ex_physics_off"))
st.iframe(network_html(index, net, lang, height=600, physics=physics, more_label=T("ex_more", n="{n}")),
          height=660)

st.subheader(T("ex_neighbours"))
table = []
for iri in net.nodes[1:]:
    nb = index.get(iri)
    via = next(
        (relation_name(p, lang) for s, p, o, _q in net.edges if {s, o} == {center, iri}), ""
    )
    table.append({
        "id": entity_param(iri),
        T("col_label"): nb.label(lang),
        T("col_class"): class_name(nb.cls, lang),
        T("col_relation"): via,
        T("col_hops"): net.depth.get(iri, 0),
    })
frame = pd.DataFrame(table, columns=["id", T("col_label"), T("col_class"), T("col_relation"), T("col_hops")])
event = st.dataframe(
    # keyed by the centre: a new centre starts with no row chosen
    frame, hide_index=True, width="stretch", key=f"{PAGE}.table.{entity_param(center)}", on_select="rerun",
    selection_mode="single-row", column_order=[c for c in frame.columns if c != "id"],
)
chosen = getattr(getattr(event, "selection", None), "rows", None) or []
if chosen:
    st.session_state["_explore_recentre"] = iri_from_param(frame.iloc[chosen[0]]["id"])
    st.rerun()
