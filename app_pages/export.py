"""Export: choose seeds, hops and filters; see the size; download in any format."""

import streamlit as st

from graph.app_support import T, entity_param, iri_from_param, store_or_stop, ui_lang, url_state, write_url
from graph.export import FORMATS, export_graph, export_subgraph
from graph.i18n import class_name, relation_name
from graph.network import describe, select_subgraph

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
c2.multiselect(T("ex_classes"), sorted(set(index.class_counts()) - {"Other"}), key=_k("cls"), placeholder=T("choose"),
               format_func=lambda c: class_name(c, lang))
c3.multiselect(T("ex_relations"), index.relation_names(), key=_k("rel"), placeholder=T("choose"),
               format_func=lambda r: relation_name(r, lang))
if st.session_state[_k("fmt")] not in FORMATS:
    st.session_state[_k("fmt")] = "ttl"
st.radio(T("xp_format"), list(FORMATS), key=_k("fmt"), horizontal=True, format_func=lambda f: FORMATS[f].label)
write_url(PAGE, SPEC)

fmt = FORMATS[st.session_state[_k("fmt")]]
seeds = [iri_from_param(s) for s in st.session_state[_k("seed")]]
if seeds:
    # chosen from the index at once; the triples are read from the store when the file is made
    sub = select_subgraph(index, seeds, st.session_state[_k("hops")], classes=st.session_state[_k("cls")],
                          relations=st.session_state[_k("rel")], cap=int(st.session_state[_k("limit")]))
    net = index.to_networkx(sub, lang)
    nodes, edges = net.number_of_nodes(), net.number_of_edges()

    def make_file() -> bytes:
        full = describe(store, sub)
        return export_graph(full.triples, fmt.name, graph=full.to_networkx() if fmt.needs_network else None)
else:
    st.caption(T("xp_all"))
    sub = None
    nodes, edges = index.size()

    def make_file() -> bytes:
        return export_subgraph(store, [], 1, fmt.name)

# the triples of a selection are counted when its file is made; the whole graph's are known
st.markdown(T("ex_size", nodes=nodes, edges=edges) if sub is not None
            else T("xp_size", nodes=nodes, edges=edges, triples=len(store)))
if sub is not None and sub.hidden:
    st.warning(T("ex_more", n=sub.hidden))
# the file is made when the button is pressed, not on every rerun
st.download_button(T("xp_download", fmt=fmt.label), make_file, file_name=f"ipkg_export{fmt.suffix}",
                   mime=fmt.media_type, key=_k("download"), type="primary", icon=":material/download:")
