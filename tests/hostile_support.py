"""Helpers for the hostile-input tests: real files of every kind, CLI runs, store reads.

Every file is made here, byte by byte or with the library that writes the
format (python-docx), so the tests do not depend on anything lying around.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
IPKG = "https://w3id.org/ipkg/ontology#"

#: A short policy text that every extractor finds something in.
POLICY = (
    "陕西省知识产权局关于印发《推动知识产权高质量发展工作指引》的通知\n"
    "陕知发〔2022〕38号\n"
    "一、总体要求\n"
    "加快陕西省知识产权保护中心建设，推动市级知识产权保护中心和快速维权中心建设。"
    "到2025年，每万人口高价值发明专利拥有量达到12件。\n"
)


def corpus_text(index: int = 0) -> str:
    """The text of one bundled corpus document (real policy prose)."""
    return sorted(CORPUS.glob("*.txt"))[index].read_text("utf-8")


def make_docx(paragraphs: list[str]) -> bytes:
    """A real .docx holding ``paragraphs`` (python-docx)."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def make_pdf(lines: list[str]) -> bytes:
    """A minimal valid one-page PDF with a text layer (ASCII lines, Helvetica)."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({esc(line)}) Tj 0 -16 Td" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("latin-1")
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode("latin-1")
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode("latin-1")
    return bytes(out)


def cli_env() -> dict[str, str]:
    """The environment for `python -m graph` children: the checkout importable, no endpoint."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPKG_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@dataclass
class Run:
    """A finished child process."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        """The stderr lines that report a failure (``error: …``)."""
        return [line for line in self.stderr.splitlines() if line.startswith("error: ")]


def run_cli(*args: str | Path, timeout: float = 600, cwd: Path = ROOT, env: dict[str, str] | None = None) -> Run:
    """Run ``python -m graph ARGS`` and wait for it (``env`` adds to :func:`cli_env`)."""
    proc = subprocess.run(
        [sys.executable, "-m", "graph", *map(str, args)], capture_output=True, text=True,
        timeout=timeout, cwd=cwd, env={**cli_env(), **(env or {})},
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def stored_files(root: Path) -> set[str]:
    """File names of the documents in the store at ``root`` (any layout), read-only."""
    from graph.store import open_store

    store = open_store(root, read_only=True)
    try:
        res = store.query(f"SELECT DISTINCT ?f WHERE {{ ?d <{IPKG}fileName> ?f }}")
        return {str(row[0]) for row in res.rows}
    finally:
        store.close()


def graph_snapshot(root: Path) -> bytes:
    """The whole dataset at ``root`` as sorted N-Quads (to compare stores byte for byte)."""
    import pyoxigraph as ox

    from graph.store import open_store, serialize_quads

    store = open_store(root, read_only=True)
    try:
        return serialize_quads(store.quads(), ox.RdfFormat.N_QUADS)
    finally:
        store.close()
