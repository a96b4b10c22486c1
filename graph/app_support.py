"""Streamlit glue for the pages: the cached store and entity index, cached query rows,
URL state, the interface language and the documents' source texts.

Everything else the pages use is the query layer: :mod:`graph.queries` (saved
queries, entity cards, documents), :mod:`graph.network` (the entity index, ego
networks), :mod:`graph.visual` (network pages, highlighted text) and
:mod:`graph.export` (the export formats). No page builds SPARQL.

The on-disk store is the versioned one of :mod:`graph.storage`: the app opens
the published version read-only (once per version and process) and writes
uploads as a new version, so a session reads the old graph or the new one and
never a store closed under it. When nothing is published yet, the bundled
corpus is built first. The entity index is read once per version and kept
beside the store as JSON, so a restarted server reads it back in milliseconds
instead of rebuilding it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from graph import storage
from graph.i18n import t

if TYPE_CHECKING:  # the heavy modules load when a page first needs them
    from rdflib.term import Node

    from graph.network import EntityIndex
    from graph.store import Store
    from graph.store_index import StoreIndex

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STORE = ROOT / "data" / "store"
DEFAULT_CORPUS = ROOT / "data" / "corpus"
UPLOAD_DIR = ROOT / "data" / "uploads"
#: Where the entity index of an on-disk store is kept, beside the store.
INDEX_DIR_NAME = ".ipkg-index"

#: Default cap on the nodes an ego network shows; the rest is reported as "+N more".
DEFAULT_NODE_LIMIT = 200

__all__ = [
    "DEFAULT_NODE_LIMIT", "T", "add_documents", "build_store_if_needed", "document_text",
    "documents_needing_a_build", "documents_read_with_other_rules",
    "entity_param", "get_index", "get_store", "iri_from_param", "kept_dir", "link_params", "load_index",
    "open_app_store", "refresh_summaries_if_outdated", "reset_caches", "rows", "store_location",
    "store_or_stop", "ui_lang", "url_state", "write_url",
]


# --------------------------------------------------------------------------- language


def ui_lang() -> str:
    """The interface language of this session ("zh" unless switched to English)."""
    return "en" if st.session_state.get("lang_en") else "zh"


def T(key: str, **fmt: object) -> str:  # noqa: N802 - reads like gettext's _()
    """The interface string ``key`` in the session's language."""
    return t(key, ui_lang(), **fmt)


# --------------------------------------------------------------------------- store


def store_location() -> tuple[str | None, str | None]:
    """(path, endpoint) the app reads: env ``IPKG_ENDPOINT``, else ``IPKG_STORE``, else data/store."""
    endpoint = os.environ.get("IPKG_ENDPOINT") or None
    path = os.environ.get("IPKG_STORE") or str(DEFAULT_STORE)
    return (None if endpoint else path), endpoint


def open_app_store() -> Store:
    """Open the graph for reading.

    ``IPKG_FIXTURE`` (a .ttl/.trig file) wins over everything: an in-memory store
    holding that file and the ontology, for tests. Otherwise the endpoint, or the
    published version of the on-disk store (:func:`graph.storage.open_current`),
    read-only: a build publishes a new version beside it and never touches it.
    """
    from graph.store import open_store

    fixture = os.environ.get("IPKG_FIXTURE")
    if fixture:
        from graph import summaries
        from graph.namespaces import ONTOLOGY_GRAPH, document_graph

        store = open_store(None)
        store.load_file(fixture, document_graph(Path(fixture).name))
        store.load_file(ROOT / "ontology" / "ipkg.ttl", ONTOLOGY_GRAPH)
        summaries.refresh(store)
        return store
    path, endpoint = store_location()
    if endpoint:
        return open_store(endpoint=endpoint, read_only=True)
    return storage.open_current(str(path), read_only=True)


def build_store_if_needed(path: str | Path, corpus: str | Path = DEFAULT_CORPUS,
                          progress: Callable[..., None] | None = None) -> bool:
    """Build the on-disk store from the corpus when nothing is published there yet; True when a build ran."""
    from graph.pipeline import build

    if storage.current_path(path) is not None:
        return False
    with storage.begin_build(path) as store:
        if storage.current_path(path) is None:  # not built by someone else while we waited for the lock
            build([Path(corpus)], store, progress=progress)
    _index_new_version(path)
    return True


def _read_with_other_rules(path: str | Path, corpus: str | Path) -> tuple[list[Path], list[str]]:
    """(the corpus's files, other documents' names) the published store read with another
    version's rules (`graph.fingerprint`): one read of the store's hashes for both.
    """
    from graph.fingerprint import extraction_fingerprint
    from graph.pipeline import stored_versions

    files = {p.name: p for p in sorted(Path(corpus).iterdir()) if p.is_file()} if Path(corpus).is_dir() else {}
    store = storage.open_current(path)
    try:
        held = stored_versions(store)
    finally:
        store.close()
    current = extraction_fingerprint()
    outdated = sorted(name for name, (_, rules) in held.items() if rules != current)
    return [files[name] for name in outdated if name in files], [name for name in outdated if name not in files]


def outdated_bundled_documents(path: str | Path, corpus: str | Path = DEFAULT_CORPUS) -> list[Path]:
    """The corpus's documents the published store read with another version's rules (`graph.fingerprint`).

    Only documents the store holds count: a store built from other files is left as it is.
    """
    return _read_with_other_rules(path, corpus)[0]


def documents_read_with_other_rules(path: str | Path, corpus: str | Path = DEFAULT_CORPUS) -> list[str]:
    """File names of the published store's documents, other than the corpus's, read with another
    version's rules: the app cannot read them again (it does not have the files), a build can.
    """
    return _read_with_other_rules(path, corpus)[1]


def reread_outdated_documents(path: str | Path, documents: Sequence[Path],
                              progress: Callable[..., None] | None = None) -> bool:
    """Build ``documents`` again into a new version of the store; True when a build ran."""
    from graph.pipeline import build

    if not documents:
        return False
    with storage.begin_build(path) as writer:
        build(list(documents), writer, progress=progress)
    _index_new_version(path)
    return True


def refresh_summaries_if_outdated(path: str | Path) -> bool:
    """Publish a version with current summaries when the published one predates them; True when it did.

    A store built before the summaries existed (`graph.summaries`), or with an
    older version of them, would answer the rankings that read them with nothing
    until its next build; the app recomputes them once, as a build would.
    """
    from graph import summaries

    store = storage.open_current(path)
    try:
        if summaries.is_current(store):
            return False
    finally:
        store.close()
    with storage.begin_build(path) as writer:
        if not summaries.is_current(writer):  # not done by someone else while we waited for the lock
            summaries.refresh(writer)
    _index_new_version(path)
    return True


def _index_new_version(root: str | Path) -> None:
    """Build and keep the entity index of a version just published, so its first page view need not."""
    with contextlib.suppress(Exception):  # only a head start: the first page view builds it otherwise
        store = storage.open_current(root)
        try:
            load_index(store, root)
        finally:
            store.close()


def add_documents(store: Store, paths: Sequence[Path],
                  progress: Callable[[int, int, str], None] | None = None) -> Any:
    """Build ``paths`` into the graph, keeping what is there; returns the pipeline's report.

    An on-disk store gets a new version (:func:`graph.storage.begin_build`),
    published when the build is done: sessions reading the old one go on
    reading it, and their next run opens the new one. An in-memory (fixture)
    or endpoint store is written through the app's own handle.
    """
    from graph.pipeline import build

    path, endpoint = store_location()
    if endpoint or os.environ.get("IPKG_FIXTURE"):
        return build(list(paths), store, progress=progress)
    with storage.begin_build(str(path)) as writer:
        report = build(list(paths), writer, progress=progress)
    _index_new_version(str(path))
    return report


_BUILD_LOCK = threading.Lock()
#: A store superseded by a newer version is closed this long after, when no script still runs on it.
RETIRE_AFTER_S = 600.0
_OPEN_LOCK = threading.Lock()
_OPEN: dict[str, tuple[Store, float]] = {}  # store key -> (store, when it was superseded; 0 while current)


def _needs_build() -> Path | None:
    """The on-disk store root when nothing is published there (and no fixture or endpoint is used)."""
    path, endpoint = store_location()
    if os.environ.get("IPKG_FIXTURE") or endpoint or not path:
        return None
    return Path(path) if storage.current_path(path) is None else None


def _store_key() -> str:
    """What the open store and everything read from it are cached by: where, and which version."""
    path, endpoint = store_location()
    fixture = os.environ.get("IPKG_FIXTURE")
    if fixture or endpoint:
        return str(fixture or endpoint)
    if not storage.is_versioned(path):
        return f"{path}@legacy"
    version = storage.current_version(path)
    # With the version's identifier: a store deleted and built anew numbers its versions from 1 again.
    return f"{path}@{storage.version_tag(path, version) if version is not None else None}"


def _ensure_built() -> None:
    """Build the on-disk store from the corpus when nothing is published yet (with a progress bar).

    One session builds while the others wait on the lock.
    """
    if _needs_build() is None:
        _ensure_current()
        return
    with _BUILD_LOCK:
        target = _needs_build()
        if target is not None:
            with st.status(T("store_building"), expanded=True) as status:
                bar = st.progress(0.0)

                def progress(done: int, total: int, name: str = "") -> None:
                    bar.progress(min(1.0, done / max(1, total)), text=name)

                build_store_if_needed(target, progress=progress)
                docs = len(list(Path(DEFAULT_CORPUS).iterdir()))
                status.update(label=T("store_built", docs=docs), state="complete", expanded=False)


#: Store key of each published version checked → its documents, not bundled, a build would read again.
_READ_WITH_OTHER_RULES: dict[str, int] = {}


def _ensure_current() -> None:
    """Once per published version: read the bundled documents again when an earlier ipkg
    read them with other rules, and bring a store from before the summaries up to date.
    """
    path, endpoint = store_location()
    if os.environ.get("IPKG_FIXTURE") or endpoint or not path or storage.current_path(path) is None:
        return
    key = _store_key()
    if key in _READ_WITH_OTHER_RULES:
        return
    with _BUILD_LOCK:
        if key in _READ_WITH_OTHER_RULES:
            return
        outdated, elsewhere = _read_with_other_rules(path, DEFAULT_CORPUS)
        if outdated:
            with st.status(T("store_rereading"), expanded=True) as status:
                bar = st.progress(0.0)

                def progress(done: int, total: int, name: str = "") -> None:
                    bar.progress(min(1.0, done / max(1, total)), text=name)

                reread_outdated_documents(path, outdated, progress=progress)
                status.update(label=T("store_reread", docs=len(outdated)), state="complete", expanded=False)
        refresh_summaries_if_outdated(path)
        # The version now published is current by construction; reading the bundled files again
        # leaves the others as they were.
        _READ_WITH_OTHER_RULES[_store_key()] = len(elsewhere)


def documents_needing_a_build() -> int:
    """How many documents of the published store, not bundled, an earlier ipkg read with other rules."""
    return _READ_WITH_OTHER_RULES.get(_store_key(), 0)


def _current_store() -> tuple[Store, str]:
    """The store of the current version and its key; superseded versions are closed a while later."""
    _ensure_built()
    key = _store_key()
    now = time.monotonic()
    with _OPEN_LOCK:
        if key not in _OPEN:
            _OPEN[key] = (open_app_store(), 0.0)
        for other, (store, since) in list(_OPEN.items()):
            if other == key:
                continue
            if not since:
                _OPEN[other] = (store, now)
            elif now - since > RETIRE_AFTER_S:
                del _OPEN[other]
                with contextlib.suppress(Exception):
                    store.close()
        return _OPEN[key][0], key


def get_store() -> Store:
    """The process-wide store of the current version, opened once per version.

    Built from the corpus first when nothing is published. A session keeps the
    store it got for the rest of its script run, so a build that publishes a new
    version meanwhile never closes a store under it: the old one is closed
    :data:`RETIRE_AFTER_S` seconds after the first run that saw the new one.
    """
    return _current_store()[0]


# --------------------------------------------------------------------------- entity index


def _store_fingerprint(path: Path) -> str | None:
    """A digest of a plain RocksDB folder's files (names, sizes, times): it changes when the store is written."""
    try:
        entries = sorted(
            (p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in path.iterdir()
            if p.is_file() and not p.name.startswith(("LOG", "LOCK"))
        )
    except OSError:
        return None
    return hashlib.sha256(repr(entries).encode()).hexdigest()[:20] if entries else None


def kept_dir(store: Store, root: str | Path | None) -> Path | None:
    """The folder beside an on-disk store where what was read from its current version is kept.

    One folder per version (``data/.ipkg-index/store-v7.1f0c9a…``, the number
    and the start of the version's identifier, :func:`graph.storage.version_id`;
    a store from before versioning is named by a digest of its files), so nothing
    kept can outlive the graph it was read from, even when the store is deleted
    and built anew from version 1. None for stores in memory or behind an endpoint.
    """
    if root is None:
        return None
    root = Path(root)
    version = getattr(store, "version", None)
    tag = f"v{storage.version_tag(root, version)}" if version is not None else None
    if tag is None and storage.is_legacy(root):
        fingerprint = _store_fingerprint(root)
        tag = f"f{fingerprint}" if fingerprint else None
    return None if tag is None else root.parent / INDEX_DIR_NAME / f"{root.name}-{tag}"


def _keep(folder: Path | None, name: str, write: Callable[[Path], None]) -> None:
    """Write ``folder/name`` through ``write`` (best effort), dropping what older versions kept."""
    if folder is None:
        return
    with contextlib.suppress(OSError):  # a read-only disk: nothing kept, nothing lost
        if not folder.is_dir():
            folder.parent.mkdir(exist_ok=True)
            for old in folder.parent.glob(f"{folder.name.rsplit('-', 1)[0]}-*"):
                shutil.rmtree(old, ignore_errors=True)
            folder.mkdir(exist_ok=True)
        write(folder / name)


def load_index(store: Store, root: str | Path | None = None) -> EntityIndex:
    """The entity index of ``store``: read back from beside an on-disk store, else built (and kept there).

    Args:
        store: the open store.
        root: the on-disk store's root, if the store is one; an index of a store
            in memory or behind an endpoint is built every time.
    """
    from graph.network import EntityIndex

    folder = kept_dir(store, root)
    if folder is not None:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            return EntityIndex.load(folder / "index.json")
    index = EntityIndex.from_store(store)
    _keep(folder, "index.json", index.save)
    return index


@st.cache_resource(show_spinner=False)
def _cached_index(_store: Store, key: str) -> EntityIndex:
    return load_index(_store, _on_disk_root())


@st.cache_resource(show_spinner=False)
def _cached_store_index(_store: Store, key: str) -> StoreIndex:
    from graph.store_index import StoreIndex

    return StoreIndex(_store)


#: A graph with more nodes than this is not read into memory: the pages ask the store
#: as they go (`graph.store_index.StoreIndex`). Reading the whole index took 2 minutes and
#: 2 GB for the 1,000-document benchmark graph (232,000 nodes), and 9 s for 100
#: documents (24,700 nodes).
FULL_INDEX_NODES = 50_000

#: The most measures the Measures page lists: it reads every measure with its institutions
#: at once, which took 92 s for the 1,000-document benchmark graph (210,000 measures).
#: Past it the page asks for the measures of a keyword or of an institution instead.
MEASURES_LISTED = 50_000
#: The most measures a keyword brings up on a large graph (the LIMIT of measures_matching.rq).
MEASURES_MATCHED = 5_000
#: The most targets the Indicators page lists at once (reading all 83,575 of the
#: 10,000-document benchmark graph took 12–15 s); past it, those of one indicator.
TARGETS_LISTED = 20_000

#: Store version key → why its entity index could not be read in time (then the pages
#: read the store as they go, and later views do not wait for the index again).
_INDEX_TIMED_OUT: dict[str, str] = {}


def get_index() -> EntityIndex:
    """The process-wide entity index of the current store.

    In memory for a graph of up to :data:`FULL_INDEX_NODES` nodes; for a larger one,
    or one whose index could not be read within the time limit, a
    :class:`~graph.store_index.StoreIndex` that reads the store as pages ask.
    """
    from graph.store import QueryTimeout

    store, key = _current_store()
    lazy = _cached_store_index(store, key)
    if key in _INDEX_TIMED_OUT or sum(lazy.class_counts().values()) > FULL_INDEX_NODES:
        return lazy
    try:
        return _cached_index(store, key)
    except QueryTimeout as exc:
        _INDEX_TIMED_OUT[key] = str(exc)
        return lazy


def store_or_stop() -> tuple[Store, EntityIndex]:
    """The store and its index, or an error message and ``st.stop()``."""
    from graph.store_index import StoreIndex

    try:
        store = get_store()
        # Streamlit shows a spinner only after a short delay: a cached index shows none.
        with st.spinner(T("index_loading")):
            index = get_index()
    except Exception as exc:
        st.error(T("store_error", error=exc))
        st.stop()
        raise
    if isinstance(index, StoreIndex):
        st.sidebar.caption(T("index_from_store"))
    if index.empty:
        st.info(T("store_empty"))
    return store, index


def _on_disk_root() -> str | None:
    path, endpoint = store_location()
    return None if os.environ.get("IPKG_FIXTURE") or endpoint else path


@st.cache_data(show_spinner=False)
def _cached_rows(_store: Store, store_key: str, name: str,
                 params: tuple[tuple[str, str, str], ...]) -> list[dict[str, Any]]:
    from rdflib import Literal, URIRef

    from graph.queries import run_rows

    # A query without parameters is kept beside the store too: a restarted server
    # then draws the Overview without running (or even parsing) a query.
    folder = None if params else kept_dir(_store, _on_disk_root())
    kept = folder / f"rows-{name}.json" if folder is not None else None
    if kept is not None:
        with contextlib.suppress(OSError, ValueError):
            return json.loads(kept.read_text("utf-8"))
    terms = {k: (URIRef(v) if kind == "iri" else Literal(v)) for k, kind, v in params}
    result = run_rows(_store, name, **terms)
    _keep(folder, f"rows-{name}.json", lambda path: _write_json(path, result))
    return result


def _write_json(path: Path, data: Any) -> None:
    """Write JSON through a temporary file, so a reader never sees half of it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    tmp.replace(path)


def rows(name: str, **params: Node) -> list[dict[str, Any]]:
    """Rows of the saved or internal query ``name`` as Python values, cached per process and version.

    Rows of a query without parameters are also kept beside an on-disk store
    (see :func:`kept_dir`), so a restarted server reads them back.
    """
    from rdflib import URIRef

    key = tuple(sorted((k, "iri" if isinstance(v, URIRef) else "lit", str(v)) for k, v in params.items()))
    store, store_key = _current_store()
    return _cached_rows(store, store_key, name, key)


def prefetch(*names: str) -> None:
    """Read the rows of these parameterless queries at once, in threads, for a page about to show them.

    Oxigraph runs each query with the GIL released, so two cores read two at a
    time (the Overview's three whole-graph tables at 10,000 documents: 7.0 s one
    after another, 3.6 s together). The rows land in the cache :func:`rows` reads;
    a query that fails here fails again, visibly, when the page asks for it.
    """
    from concurrent.futures import ThreadPoolExecutor

    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    ctx = get_script_run_ctx()

    def read(name: str) -> None:
        add_script_run_ctx(threading.current_thread(), ctx)  # st.cache_data works as in the script
        with contextlib.suppress(Exception):
            rows(name)

    with ThreadPoolExecutor(max_workers=min(len(names), os.cpu_count() or 1) or 1) as pool:
        list(pool.map(read, names))


def reset_caches() -> None:
    """Forget the store, index and cached results (after the graph changed)."""
    st.cache_data.clear()
    st.cache_resource.clear()


# --------------------------------------------------------------------------- URL state


def entity_param(iri: str) -> str:
    """Short form of an instance IRI for URLs (``institution/1a2b…``)."""
    from graph.namespaces import ID

    iri = str(iri)
    return iri[len(str(ID)):] if iri.startswith(str(ID)) else iri


def iri_from_param(value: str) -> str:
    """Inverse of :func:`entity_param`."""
    from graph.namespaces import ID

    value = str(value or "").strip()
    return value if "://" in value else f"{ID}{value}"


def _parse(values: list[str], default: Any) -> Any:
    if isinstance(default, list):
        return [v for v in values if v != ""]
    if not values:
        return default
    value = values[-1]
    try:
        if isinstance(default, bool):
            return value.lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(value)
    except ValueError:
        return default
    return value


def url_state(page: str, spec: Mapping[str, Any]) -> None:
    """Seed the widgets of ``page`` from the URL's query parameters.

    ``spec`` maps parameter name -> default (its type decides parsing). Widget keys
    are ``f"{page}.{name}"``. The URL wins whenever it differs from what this
    session last wrote (a shared link, a link from another page, back/forward).
    """
    current = {k: st.query_params.get_all(k) for k in spec}
    external = st.session_state.get(f"_url.{page}") != current
    for name, default in spec.items():
        key = f"{page}.{name}"
        if external or key not in st.session_state:
            st.session_state[key] = _parse(current[name], default)


def write_url(page: str, spec: Mapping[str, Any], omit: Iterable[str] = ()) -> None:
    """Write the widgets of ``page`` back into the URL (defaults and ``omit`` left out)."""
    params: dict[str, Any] = {}
    omit = set(omit)
    for name, default in spec.items():
        value = st.session_state.get(f"{page}.{name}", default)
        if name in omit or value == default or value is None or value == "":
            continue
        if isinstance(value, list):
            params[name] = [str(v) for v in value]
        else:
            params[name] = str(value).lower() if isinstance(value, bool) else str(value)
    if ui_lang() == "en":
        params["lang"] = "en"
    st.query_params.from_dict(params)
    st.session_state[f"_url.{page}"] = {
        k: (list(params[k]) if isinstance(params[k], list) else [params[k]]) if k in params else []
        for k in spec
    }


def link_params(**params: Any) -> dict[str, Any]:
    """Query parameters for a link to another view, carrying the language."""
    out = {k: v for k, v in params.items() if v not in (None, "", [])}
    if ui_lang() == "en":
        out["lang"] = "en"
    return out


# --------------------------------------------------------------------------- source texts


def source_dirs() -> list[Path]:
    """Folders the app looks in for a document's source file."""
    dirs = [Path(p) for p in os.environ.get("IPKG_CORPUS", "").split(os.pathsep) if p]
    return [*dirs, DEFAULT_CORPUS, UPLOAD_DIR]


@st.cache_data(show_spinner=False, max_entries=64)
def document_text(file_name: str) -> str | None:
    """The decoded text of a source file (the text the graph's offsets index), or None."""
    if not file_name:
        return None
    for folder in source_dirs():
        path = folder / Path(file_name).name
        if path.is_file():
            try:
                from graph.ingest import read_document

                return read_document(path).text
            except Exception:
                return path.read_text("utf-8", errors="replace")
    return None
