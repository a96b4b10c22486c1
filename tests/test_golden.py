"""Whole documents: each bundled document's extraction against a golden summary, and the dev-set score.

Refresh the golden files deliberately with `pytest tests/test_golden.py --update-golden`
and read the diff before committing it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from graph.extract import extract
from graph.ingest import read_document
from graph.normalise import normalise
from graph.segment import segment

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden"
SCORER = ROOT.parent / "shared" / "eval" / "score.py"
CORPUS = sorted((ROOT / "data" / "corpus").glob("*.txt"))


def summary(path: Path) -> dict:
    """What a reviewer checks in a document's extraction, in a stable order."""
    result = extract(segment(normalise(read_document(path))))
    meta = result.metadata
    kinds: dict[str, list] = {}
    for kind in ("policy", "institution", "program", "event", "region"):
        names = {(m.name, m.subtype) if kind == "institution" else m.name for m in result.of_kind(kind)}
        kinds[kind] = sorted(names)
    return {
        "metadata": {"title": meta.title, "doc_number": meta.doc_number, "issued": meta.issued,
                     "issuers": list(meta.issuers), "jurisdiction": meta.jurisdiction, "level": meta.level,
                     "genre": meta.genre},
        **kinds,
        "targets": [[t.indicator, t.value, t.unit, t.year] for t in result.targets],
        "measures": [[m.text, sorted({x.name for x in m.served_by}), [x.name for x in m.responsible]]
                     for m in result.measures if m.served_by or m.responsible],
    }


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_document_matches_golden(path, update_golden):
    golden = GOLDEN / f"{path.stem}.json"
    got = json.loads(json.dumps(summary(path), ensure_ascii=False))
    if update_golden or not golden.exists():
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if not update_golden:
            pytest.fail(f"{golden} did not exist; written now — review and commit it")
    want = json.loads(golden.read_text("utf-8"))
    for key in want:
        assert got[key] == want[key], f"{path.name}: {key} differs from {golden.name} (--update-golden to accept)"


@pytest.mark.slow
def test_dev_set_scores(tmp_path):
    """The scorer's own verdict on the bundled corpus: macro-F1 ≥ 0.90, no category below 0.80."""
    if not SCORER.exists():
        pytest.skip(f"the scorer is not beside this checkout ({SCORER})")
    proc = subprocess.run([sys.executable, str(SCORER), "--build", str(ROOT / "data" / "corpus"),
                           "--gold", str(SCORER.parent / "gold"), "--project", str(ROOT)],
                          capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    macro = float(re.search(r"macro-F1 ([\d.]+)", out).group(1))
    f1s = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\w+)\s+P [\d.]+\s+R [\d.]+\s+F1 ([\d.]+)", out, re.M)}
    assert macro >= 0.90, out
    assert all(f >= 0.80 for f in f1s.values()), out
