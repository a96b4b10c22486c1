"""Ingest: turn input paths into decoded `RawDocument`s.

Plain text is decoded after detecting its encoding (BOM, strict UTF-8, then
charset-normalizer, preferring GB18030 over its GBK/GB2312 subsets). HTML
keeps only the main text (trafilatura), .docx its paragraphs and tables
(python-docx), .pdf its text layer (pdfplumber). For those formats the
"decoded text" that provenance offsets index is the extracted text, which
the graph keeps verbatim in every quote.

Files come from scanners, web pages and USB sticks, so every way a file can
be bad ends in one :class:`IngestError` naming the file and the reason, and
nothing is read before it is known to be a regular file of bounded size:
devices and pipes are refused (reading one would never end), sizes are
checked before reading, a .docx is checked for how far it expands (a zip
bomb) and a .pdf for its end-of-file marker (a truncated download), and
the decoded text is bounded too (:data:`MAX_CHARS`), because extraction time
grows faster than linearly with a document's length.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import stat
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
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
#: Longer decoded texts are refused: the longest policy documents run to about
#: 100,000 characters, and a 400,000-character file already takes 13 s to build.
MAX_CHARS = 500_000
#: A .docx whose parts expand to more than this is refused (a zip bomb).
MAX_DOCX_EXPANDED = 256 * 1024 * 1024
#: A PDF with more pages than this is refused (no policy document has them).
MAX_PDF_PAGES = 2000


class IngestError(Exception):
    """A file that cannot be read; `str()` names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        # One line, of bounded length: reasons often quote a library's exception text.
        reason = " ".join(str(reason).split())
        if len(reason) > 300:
            reason = reason[:299] + "…"
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


def iter_inputs(inputs: Iterable[str | Path]) -> Iterator[Path]:
    """Yield the document files named by `inputs` (files, or folders searched recursively).

    Inside folders, entries with a document suffix that are not regular files
    (broken links, pipes) are yielded too, so that :func:`read_document`
    reports them instead of their being skipped without a word.

    Raises:
        IngestError: an input path that does not exist or is not a file or folder.
    """
    seen: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and not p.is_dir()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif path.is_file():
            files = [path]
        elif path.is_symlink():
            raise IngestError(path, "broken link: its target does not exist")
        elif path.exists():
            raise IngestError(path, "not a regular file (a device, pipe or socket)")
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
    data = _read_bounded(path)
    if not data.strip():
        raise IngestError(path, "empty file")
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
    if len(text) > MAX_CHARS:
        raise IngestError(path, f"text too long ({len(text):,} characters > {MAX_CHARS:,}): "
                                "one policy document is far shorter; split the file")
    if only_boilerplate(text):
        raise IngestError(path, "only website boilerplate (navigation, footer), no document text")
    return RawDocument(path=path, file_name=path.name, text=text, encoding=encoding,
                       media_type=media_type, sha256=hashlib.sha256(data).hexdigest())


def _read_bounded(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES, checked before reading."""
    try:
        info = path.stat()
    except FileNotFoundError:
        reason = "broken link: its target does not exist" if path.is_symlink() else "no such file"
        raise IngestError(path, reason) from None
    except OSError as exc:
        raise IngestError(path, f"cannot read: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise IngestError(path, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise IngestError(path, "not a regular file (a device, pipe or socket)")
    too_large = f"too large ({{:.0f}} MiB > {MAX_BYTES // 2**20} MiB)"
    if info.st_size > MAX_BYTES:
        raise IngestError(path, too_large.format(info.st_size / 2**20))
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)  # the file may have grown since stat()
    except OSError as exc:
        raise IngestError(path, f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_BYTES:
        raise IngestError(path, too_large.format(len(data) / 2**20))
    return data


@cache
def _boilerplate_markers() -> tuple[str, ...]:
    rules = json.loads(resources.files("graph.data").joinpath("normalise.json").read_text("utf-8"))
    return (*rules["boilerplate_head"], *rules["boilerplate_tail"])


def only_boilerplate(text: str, min_letters: int = 20) -> bool:
    """True when every line with real content is website boilerplate.

    A saved web page of navigation and footer alone (当前位置, 版权所有, ICP备 …)
    has marker lines and, apart from them, fewer than `min_letters` letters.
    Text without any marker line is never boilerplate, however short.
    """
    markers = _boilerplate_markers()
    has_marker = False
    letters = 0
    for line in text.splitlines():
        if any(m in line for m in markers):
            has_marker = True
        else:
            letters += sum(1 for c in line if c.isalpha())
            if letters >= min_letters:
                return False
    return has_marker


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
    """UTF-16 without a BOM: NUL bytes, and one byte order that decodes to plausible text.

    NUL bytes fall mostly on one side (ASCII digits and newlines have a zero
    high byte), but not only there: 一 (U+4E00) has a zero low byte. So each
    byte order is decoded and the one whose characters are nearly all CJK,
    ASCII or common punctuation wins.
    """
    sample = data[:4000]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    sample = sample[: len(sample) // 2 * 2]
    scores = {}
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:  # unpaired surrogates: not this byte order (or cut mid-pair)
            text = sample[:-2].decode(encoding, errors="replace")
        scores[encoding] = sum(map(_usual_char, text)) / max(1, len(text))
    best = max(scores, key=lambda e: scores[e])
    return best if scores[best] >= 0.9 else None


def _usual_char(c: str) -> bool:
    """A character expected in Chinese policy text (CJK, ASCII, common punctuation)."""
    o = ord(c)
    return (c in "\t\n\r\f" or 0x20 <= o < 0x7F or 0xA0 <= o <= 0xFF or 0x2000 <= o <= 0x206F
            or 0x2E80 <= o <= 0x2FDF or 0x3000 <= o <= 0x312F or 0x3400 <= o <= 0x4DBF
            or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF)


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
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
            if expanded > MAX_DOCX_EXPANDED:
                raise IngestError(path, f"not a plausible .docx: it expands to {expanded / 2**20:.0f} MiB "
                                        f"(> {MAX_DOCX_EXPANDED // 2**20} MiB)")
            broken = archive.testzip()  # CRC of every part: catches damage inside the archive
            if broken is not None:
                raise IngestError(path, f"not a readable .docx (corrupt part {broken})")
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise IngestError(path, f"not a readable .docx (truncated or corrupt): {exc}") from exc
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise IngestError(path, f"not a readable .docx: {exc}") from exc
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

    if b"%PDF-" not in data[:1024]:
        raise IngestError(path, "not a PDF (no %PDF- header)")
    if b"%%EOF" not in data[-2048:]:
        # pdfminer would read what it can of a truncated download and stay silent
        # about the rest; a PDF always ends with this marker.
        raise IngestError(path, "truncated PDF (no %%EOF marker at the end)")
    try:
        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PDF_PAGES:
                raise IngestError(path, f"too many pages ({len(pdf.pages)} > {MAX_PDF_PAGES})")
            pages = [page.extract_text() or "" for page in pdf.pages]
    except IngestError:
        raise
    except Exception as exc:  # pdfminer raises many unrelated types on broken files
        raise IngestError(path, f"not a readable PDF (truncated or corrupt): {type(exc).__name__}: {exc}") from exc
    text = "\n\n".join(pages)
    if not text.strip():
        raise IngestError(path, "PDF has no text layer (scanned image?)")
    return text
