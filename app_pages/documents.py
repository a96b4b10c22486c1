"""Documents: the list, one document's text with its entities highlighted, and uploads."""

from pathlib import Path

import streamlit as st
from rdflib import URIRef

from graph.app_support import (
    UPLOAD_DIR,
    T,
    add_documents,
    document_text,
    entity_param,
    link_params,
    reset_caches,
    rows,
    store_or_stop,
    ui_lang,
    url_state,
    write_url,
)
from graph.i18n import class_name, level_name
from graph.visual import class_style, highlight_spans

PAGE = "documents"
SPEC = {"doc": ""}
UPLOAD_TYPES = ["txt", "docx", "pdf", "html", "htm"]

lang = ui_lang()
store, index = store_or_stop()
url_state(PAGE, SPEC)
st.title(T("page_documents"))

docs = rows("documents")
ids = [entity_param(d["document"]) for d in docs]
by_id = dict(zip(ids, docs, strict=True))

st.subheader(T("do_list"))
frame = {
    T("col_title"): [d["title"] or d["fileName"] for d in docs], T("col_region"): [d["jurisdiction"] or "" for d in docs],
    T("col_level"): [level_name(d["level"], lang) if d["level"] else "" for d in docs],
    T("col_genre"): [d["genre"] or "" for d in docs], T("col_date"): [d["issued"] or "" for d in docs],
    T("col_file"): [d["fileName"] or "" for d in docs],
}
event = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                     key=f"{PAGE}.list.{st.session_state[f'{PAGE}.doc']}")
chosen_rows = getattr(getattr(event, "selection", None), "rows", None) or []
if chosen_rows and ids[chosen_rows[0]] != st.session_state[f"{PAGE}.doc"]:
    st.session_state["_documents_pick"] = ids[chosen_rows[0]]
    st.rerun()
picked = st.session_state.pop("_documents_pick", None)
if picked:
    st.session_state[f"{PAGE}.doc"] = picked

if st.session_state[f"{PAGE}.doc"] not in ids:
    st.session_state[f"{PAGE}.doc"] = ids[0] if ids else ""
if ids:
    st.selectbox(T("do_pick"), ids, key=f"{PAGE}.doc", format_func=lambda i: by_id[i]["title"] or by_id[i]["fileName"] or i)
write_url(PAGE, SPEC)

doc_id = st.session_state[f"{PAGE}.doc"]
if doc_id:
    doc = by_id[doc_id]
    st.caption(" · ".join(str(doc[k]) for k in ("docNumber", "jurisdiction", "genre", "issued", "fileName") if doc[k]))
    text = document_text(doc["fileName"] or "")
    mentions = rows("document_mentions", document=URIRef(doc["document"]))
    spans, seen_classes = [], {}
    for m in mentions:
        node = index.get(m["entity"])
        colour = class_style(node.cls)[0]
        seen_classes[node.cls] = colour
        spans.append((int(m["start"]), int(m["end"]), colour, f"{node.label(lang)} · {class_name(node.cls, lang)}"))
    if seen_classes:
        st.markdown(" ".join(
            f'<span style="background:{c}40;border-bottom:2px solid {c};padding:0 4px;margin-right:6px">'
            f"{class_name(cls, lang)}</span>" for cls, c in sorted(seen_classes.items())
        ), unsafe_allow_html=True)
    st.subheader(T("do_text"))
    if text is None:
        st.warning(T("do_missing", name=doc["fileName"] or doc_id))
    else:
        with st.container(height=520, border=True):
            st.markdown(f"<div style='line-height:1.9'>{highlight_spans(text, spans)}</div>",
                        unsafe_allow_html=True)
    with st.expander(f"{T('do_entities')} ({len({m['entity'] for m in mentions})})"):
        for iri in dict.fromkeys(m["entity"] for m in mentions):
            node = index.get(iri)
            st.page_link("app_pages/entity.py", label=f"{node.label(lang)} · {class_name(node.cls, lang)}",
                         query_params=link_params(e=entity_param(iri)))

st.divider()
st.subheader(T("do_upload"))
files = st.file_uploader(T("do_upload"), type=UPLOAD_TYPES, accept_multiple_files=True,
                         key=f"{PAGE}.upload", label_visibility="collapsed")
if st.button(T("do_add"), key=f"{PAGE}.add", disabled=not files, icon=":material/upload:"):
    try:
        import graph.pipeline  # noqa: F401 - the build is not installed in every checkout yet
    except ImportError:
        st.error(T("do_no_pipeline"))
        st.stop()
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    saved = []
    for f in files:
        path = UPLOAD_DIR / Path(f.name).name
        path.write_bytes(f.getvalue())
        saved.append(path)
    bar = st.progress(0.0, text=T("do_add"))

    def _progress(done: int, total: int, name: str = "") -> None:
        bar.progress(min(1.0, done / max(1, total)), text=name)

    report = add_documents(store, saved, progress=_progress)
    bar.progress(1.0)
    reset_caches()
    failed = getattr(report, "failed", [])
    for name, reason in failed:
        st.error(f"{name}: {reason}")
    st.success(T("do_added", n=len(saved) - len(failed)))
