"""Ingest: turn input paths into decoded `RawDocument`s.

Plain text is decoded after detecting its encoding (BOM, strict UTF-8, then
charset-normalizer, preferring GB18030 over its GBK/GB2312 subsets). HTML
keeps only the main text (trafilatura), .docx its paragraphs and tables
(python-docx), .pdf its text layer (pdfplumber). For those formats the
"decoded text" that provenance offsets index is the extracted text, which
the graph keeps verbatim in every quote.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from graph.model import RawDocument

#: Suffixes read when a folder is given, mapped to media types.
SUFFIXES: dict[str, str] = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
}

#: Larger files are refused: no policy document is this big, and the offset map
#: of a pathological file would cost gigabytes.
MAX_BYTES = 16 * 1024 * 1024


class IngestError(Exception):
    """A file that cannot be read; `str()` names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


def iter_inputs(inputs: Iterable[str | Path]) -> Iterator[Path]:
    """Yield the document files named by `inputs` (files, or folders searched recursively).

    Raises:
        IngestError: an input path that does not exist.
    """
    seen: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif path.is_file():
            files = [path]
        else:
            raise IngestError(path, "no such file or folder")
        for f in files:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                yield f


def read_document(path: str | Path) -> RawDocument:
    """Read and decode one file.

    Raises:
        IngestError: the file is missing, empty, too large, binary, or unreadable.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read: {exc.strerror or exc}") from exc
    if not data.strip():
        raise IngestError(path, "empty file")
    if len(data) > MAX_BYTES:
        raise IngestError(path, f"too large ({len(data) / 2**20:.0f} MiB > {MAX_BYTES // 2**20} MiB)")
    suffix = path.suffix.lower()
    media_type = SUFFIXES.get(suffix, "text/plain")
    if suffix == ".docx":
        text, encoding = _docx_text(path, data), "docx"
    elif suffix == ".pdf":
        text, encoding = _pdf_text(path, data), "pdf"
    else:
        text, encoding = decode_bytes(path, data)
        if suffix in (".html", ".htm") or _looks_like_html(text):
            media_type = "text/html"
            text = _html_text(path, text)
    if not text.strip():
        raise IngestError(path, "no text found")
    return RawDocument(path=path, file_name=path.name, text=text, encoding=encoding,
                       media_type=media_type, sha256=hashlib.sha256(data).hexdigest())


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_bytes(path: Path, data: bytes) -> tuple[str, str]:
    """Decode text bytes, detecting the encoding; returns (text, encoding name)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _strict(path, data, name), name
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError as exc:
            raise IngestError(path, "binary data, not text") from exc
    if b"\x00" in data[:4096]:
        raise IngestError(path, "binary data, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16", "utf_8", "cp1252"]).best()
    if best is None:
        raise IngestError(path, "binary data or unknown text encoding")
    encoding = best.encoding
    if encoding in ("gbk", "gb2312", "hz", "cp936"):
        encoding = "gb18030"  # a superset: never fails where the subset works
    text = _strict(path, data, encoding)
    if _control_ratio(text) > 0.05:
        raise IngestError(path, "binary data, not text")
    return text, encoding


def _strict(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise IngestError(path, f"not valid {encoding}: {exc}") from exc


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as NUL bytes in every other position."""
    sample = data[:2000]
    if len(sample) < 4:
        return None
    # Chinese code units have no zero byte, so ASCII (digits, newlines) gives the signal:
    # zero bytes on one side only.
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 2 and even == 0:
        return "utf-16-le"
    if even >= 2 and odd == 0:
        return "utf-16-be"
    return None


def _control_ratio(text: str) -> float:
    sample = text[:5000]
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f") or 0x7F <= ord(c) < 0xA0)
    return bad / max(1, len(sample))


def _looks_like_html(text: str) -> bool:
    head = text[:1000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in text)


def _html_text(path: Path, html: str) -> str:
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True,
                               deduplicate=False)
    if not text:
        raise IngestError(path, "HTML page without main text")
    # The page's headline is the document's title; trafilatura keeps it apart from the body.
    metadata = trafilatura.extract_metadata(html)
    title = (metadata.title or "").strip() if metadata else ""
    if title and title not in text[:300]:
        text = f"{title}\n\n{text}"
    return text


def _docx_text(path: Path, data: bytes) -> str:
    import io
    import zipfile

    try:
        import docx

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(path, f"not a readable .docx (truncated or corrupt): {exc}") from exc
    except Exception as exc:  # python-docx raises assorted lxml/package errors on broken files
        raise IngestError(path, f"not a readable .docx: {type(exc).__name__}: {exc}") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _pdf_text(path: Path, data: bytes) -> str:
    import io

    try:
        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
    except Exception as exc:  # pdfminer raises many unrelated types on broken files
        raise IngestError(path, f"not a readable PDF (truncated or corrupt): {type(exc).__name__}: {exc}") from exc
    text = "\n\n".join(pages)
    if not text.strip():
        raise IngestError(path, "PDF has no text layer (scanned image?)")
    return text
