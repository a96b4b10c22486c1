"""Explore: search an entity and see its ego network (1–3 hops) with filters."""

import streamlit as st

from graph.app_support import (
    DEFAULT_NODE_LIMIT,
    T,
    entity_param,
    iri_from_param,
    link_params,
    store_or_stop,
    ui_lang,
    url_state,
    write_url,
)
from graph.i18n import class_name, relation_name
from graph.network import select_subgraph
from graph.visual import PHYSICS_NODE_LIMIT, network_html

PAGE = "explore"
SPEC = {"q": "", "e": "", "hops": 1, "cls": [], "rel": [], "region": [], "doc": [],
        "limit": DEFAULT_NODE_LIMIT}

lang = ui_lang()
store, index = store_or_stop()
url_state(PAGE, SPEC)


def _k(name: str) -> str:
    return f"{PAGE}.{name}"


def _entity_label(param: str) -> str:
    node = index.get(iri_from_param(param))
    return f"{node.label(lang)} · {class_name(node.cls, lang)}"


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
    st.selectbox(f"{T('ex_pick')} ({T('ex_matches', n=len(matches))})", [entity_param(o) for o in options],
                 key=_k("e"), format_func=_entity_label)
    center = iri_from_param(st.session_state[_k("e")])

with st.sidebar:
    st.slider(T("ex_hops"), 1, 3, key=_k("hops"))
    st.multiselect(T("ex_classes"), sorted(set(index.class_counts()) - {"Other"}), key=_k("cls"),
                   placeholder=T("choose"), format_func=lambda c: class_name(c, lang))
    st.multiselect(T("ex_relations"), index.relation_names(), key=_k("rel"), placeholder=T("choose"),
                   format_func=lambda r: relation_name(r, lang))
    for name, cls, key in (("ex_regions", "Region", "region"), ("ex_documents", "Document", "doc")):
        # Labels from the nodes of_class read: asking the index per option was one query per
        # region and document on a graph read from the store (30 s at 10,000 documents).
        labels = {entity_param(n.iri): n.short_label(lang, 30)
                  for n in sorted(index.of_class(cls), key=lambda n: n.label(lang))}
        st.session_state[_k(key)] = [r for r in st.session_state[_k(key)] if r in labels]
        st.multiselect(T(name), list(labels), key=_k(key), placeholder=T("choose"), format_func=labels.get)
    st.number_input(T("ex_limit"), min_value=10, max_value=2000, step=10, key=_k("limit"))

write_url(PAGE, SPEC)

if not center:
    st.info(T("ex_start") if not query else T("no_results"))
    st.stop()

sub = select_subgraph(
    index, [center], st.session_state[_k("hops")],
    classes=st.session_state[_k("cls")], relations=st.session_state[_k("rel")],
    region=[iri_from_param(r) for r in st.session_state[_k("region")]],
    document=[iri_from_param(d) for d in st.session_state[_k("doc")]],
    cap=int(st.session_state[_k("limit")]),
)
net = index.to_networkx(sub, lang)
head, link = st.columns([4, 1])
head.markdown(f"**{T('ex_size', nodes=net.number_of_nodes(), edges=net.number_of_edges())}**")
link.page_link("app_pages/entity.py", label=T("open_entity"), icon=":material/label:",
               query_params=link_params(e=entity_param(center)))
if sub.hidden:
    st.warning(T("ex_more", n=sub.hidden), icon=":material/more_horiz:")
if net.number_of_nodes() > PHYSICS_NODE_LIMIT:
    st.caption(T("ex_physics_off"))
st.iframe(network_html(net, lang=lang, height="600px"), height=660)

st.subheader(T("ex_neighbours"))
via = {}  # the relation to the node that reached it, one hop nearer the centre
for s, o, rel in net.edges(keys=True):
    for near, far in ((s, o), (o, s)):
        if net.nodes[far]["depth"] == net.nodes[near]["depth"] + 1:
            via.setdefault(far, relation_name(rel, lang))
rows = [{
    "id": entity_param(iri), T("col_label"): index.get(iri).label(lang),
    T("col_class"): class_name(index.get(iri).cls, lang), T("col_relation"): via.get(str(iri), ""),
    T("col_hops"): sub.depth.get(iri, 0),
} for iri in sub.nodes[1:]]
columns = ["id", T("col_label"), T("col_class"), T("col_relation"), T("col_hops")]
event = st.dataframe(
    # keyed by the centre: a new centre starts with no row chosen
    {c: [r[c] for r in rows] for c in columns}, hide_index=True, width="stretch",
    key=f"{PAGE}.table.{entity_param(center)}", on_select="rerun", selection_mode="single-row",
    column_order=columns[1:],
)
chosen = getattr(getattr(event, "selection", None), "rows", None) or []
if chosen:
    st.session_state["_explore_recentre"] = iri_from_param(rows[chosen[0]]["id"])
    st.rerun()
