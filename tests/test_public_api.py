"""The package's public API is its `__all__`, and every name in it resolves."""

from __future__ import annotations

import subprocess
import sys

import graph

EXPECTED = {
    "BuildReport", "IngestError", "QueryResult", "Store", "build", "document_triples", "extract",
    "normalise", "open_store", "process_file", "read_document", "resolve", "run_saved", "saved_queries",
    "segment", "validate",
}


def test_all_is_the_public_api():
    assert set(graph.__all__) == EXPECTED


def test_every_public_name_resolves():
    for name in graph.__all__:
        assert getattr(graph, name) is not None, name


def test_importing_the_package_is_light():
    # The CLI and the app import `graph` first; heavy libraries load only when used.
    code = "import sys, graph; print(','.join(m for m in ('rdflib', 'pyshacl', 'trafilatura', 'streamlit') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
