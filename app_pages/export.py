"""Export: choose seeds, hops and filters; see the size; download in any format."""

import streamlit as st

from graph.app_support import (
    EXPORT_FORMATS,
    T,
    ego_network,
    entity_param,
    export_bytes,
    iri_from_param,
    rows,
    store_or_stop,
    subgraph_triples,
    ui_lang,
    url_state,
    whole_graph,
    write_url,
)
from graph.i18n import class_name, relation_name

PAGE = "export"
SPEC = {"q": "", "seed": [], "hops": 1, "cls": [], "rel": [], "fmt": "ttl", "limit": 2000}

lang = ui_lang()
store, index = store_or_stop()
url_state(PAGE, SPEC)
st.title(T("page_export"))


def _k(name: str) -> str:
    return f"{PAGE}.{name}"


st.text_input(T("ex_search"), key=_k("q"), placeholder="秦创原")
matches = [entity_param(n.iri) for n in index.search(st.session_state[_k("q")], limit=100)]
seeds = [s for s in st.session_state[_k("seed")] if iri_from_param(s) in index.nodes]
st.session_state[_k("seed")] = seeds
st.multiselect(T("xp_seeds"), list(dict.fromkeys([*seeds, *matches])), key=_k("seed"), placeholder=T("choose"),
               format_func=lambda p: f"{index.get(iri_from_param(p)).label(lang)} · "
                                     f"{class_name(index.get(iri_from_param(p)).cls, lang)}")
c1, c2, c3 = st.columns(3)
c1.slider(T("ex_hops"), 1, 3, key=_k("hops"))
c2.multiselect(T("ex_classes"), sorted({n.cls for n in index.nodes.values()} - {"Other"}), key=_k("cls"), placeholder=T("choose"),
               format_func=lambda c: class_name(c, lang))
c3.multiselect(T("ex_relations"), sorted({e[1] for e in index.edges}), key=_k("rel"), placeholder=T("choose"),
               format_func=lambda r: relation_name(r, lang))
if st.session_state[_k("fmt")] not in EXPORT_FORMATS:
    st.session_state[_k("fmt")] = "ttl"
st.radio(T("xp_format"), list(EXPORT_FORMATS), key=_k("fmt"), horizontal=True,
         format_func=lambda f: EXPORT_FORMATS[f][0])
write_url(PAGE, SPEC)

seeds = [iri_from_param(s) for s in st.session_state[_k("seed")]]
if seeds:
    net = ego_network(index, seeds, st.session_state[_k("hops")], classes=st.session_state[_k("cls")],
                      relations=st.session_state[_k("rel")], limit=int(st.session_state[_k("limit")]))
else:
    st.caption(T("xp_all"))
    net = whole_graph(index)
fmt = st.session_state[_k("fmt")]
triples = len(subgraph_triples(store, net.nodes)) if seeds else rows("triple_count")[0]["n"]
st.markdown(T("xp_size", nodes=len(net.nodes), edges=len(net.edges), triples=triples))
if net.hidden:
    st.warning(T("ex_more", n=net.hidden))
label, suffix, mime = EXPORT_FORMATS[fmt]
# the file is made when the button is pressed, not on every rerun
st.download_button(T("xp_download", fmt=label), lambda: export_bytes(store, index, net, fmt, lang),
                   file_name=f"ipkg_export.{suffix}", mime=mime,
                   key=_k("download"), type="primary", icon=":material/download:")
