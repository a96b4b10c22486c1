"""ipkg: the analysts' window onto the IP-policy graph (router only).

Run: `streamlit run app.py`. The graph is opened once per process (built from
data/corpus on first start when data/store is empty); each page is one file in
app_pages/ (not pages/: Streamlit would treat that folder as a v1 multipage
app before the router runs), and every view's state lives in the URL's query parameters.
"""

import streamlit as st

from graph.app_support import T

# no page_icon: a Material icon favicon is fetched from a Google host, which the app must never need
st.set_page_config(page_title="ipkg", layout="wide")

# The language is part of every URL (?lang=en); Chinese when absent. The URL wins
# when it changed under us on the same page (a shared link, back/forward); moving
# between pages through the menu, which drops query parameters, keeps the language.
_url_lang = st.query_params.get("lang", "")
if "lang_en" not in st.session_state:
    st.session_state["lang_en"] = _url_lang == "en"


def _sync_language(page_name: str) -> None:
    same_page = st.session_state.get("_page_seen") == page_name
    if (same_page and _url_lang != st.session_state.get("_lang_seen", _url_lang)) or (not same_page and _url_lang):
        st.session_state["lang_en"] = _url_lang == "en"
    st.session_state["_page_seen"] = page_name


PAGES = [
    ("overview", "page_overview"),
    ("explore", "page_explore"),
    ("entity", "page_entity"),
    ("measures", "page_measures"),
    ("indicators", "page_indicators"),
    ("sparql", "page_sparql"),
    ("documents", "page_documents"),
    ("export", "page_export"),
]

# No page icons: Streamlit makes the page's icon its favicon and fetches Material
# icons for that from a Google host, and the app must work with no internet at all.
pages = [
    st.Page(f"app_pages/{name}.py", title=T(title), url_path=name, default=(name == "overview"))
    for name, title in PAGES
]
current = st.navigation(pages)
_sync_language(current.url_path)

with st.sidebar:
    st.toggle(T("lang_switch"), key="lang_en")
    st.caption(T("share_hint"))
if st.session_state.get("lang_en"):
    st.query_params["lang"] = "en"
elif "lang" in st.query_params:
    del st.query_params["lang"]
st.session_state["_lang_seen"] = "en" if st.session_state.get("lang_en") else ""

current.run()
