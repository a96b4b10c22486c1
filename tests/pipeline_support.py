"""Helpers for pipeline tests: run the stages on a snippet."""

from __future__ import annotations

import hashlib
from pathlib import Path

from graph.extract import extract
from graph.model import Extraction, RawDocument
from graph.normalise import normalise
from graph.segment import segment


def raw(text: str, name: str = "snippet.txt") -> RawDocument:
    """A RawDocument for a string, as if read from a UTF-8 file."""
    return RawDocument(path=Path(name), file_name=name, text=text, encoding="utf-8", media_type="text/plain",
                       sha256=hashlib.sha256(text.encode()).hexdigest())


def run(text: str, only: tuple[str, ...] | None = None) -> Extraction:
    """Normalise, segment and extract a snippet."""
    return extract(segment(normalise(raw(text))), only)
