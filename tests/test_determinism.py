"""Determinism: the same input gives a byte-identical graph file.

The inputs are real files written here: the bundled corpus plus copies in
GBK and UTF-16, a Traditional-script file and a document full of markup and
quotes. They are built through ``python -m graph build --out FILE`` with one
worker and with two, under different ``PYTHONHASHSEED`` values (set and dict
order must never leak into the output), and into versioned stores in other
orders and one document at a time; every .ttl, .nt and .nq must be the same
bytes. Exports of the same subgraph, in every format, are byte-identical too.
"""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import pytest

from graph.storage import begin_build
from graph.store import open_store
from hostile_support import POLICY, corpus_text, run_cli

EVIL = ("关于印发《<script>alert(1)</script>规划》的通知\n"
        "加快“<img src=x onerror=alert(1)>”保护中心建设，推动陕西省\"引号\\反斜杠'>知识产权保护中心建设。\n")
# Two event names of one length that a later short name could shorten (the bundled corpus
# has none): which one it joins must not follow a set's order.
TIES = ("陕西省知识产权局2024年工作要点\n一、举办丝绸之路国际知识产权论坛，办好“一带一路”知识产权论坛。\n"
        "二、积极参加市知识产权局举办的知识产权论坛等重大活动。\n")
TRADITIONAL = "陝西省智慧財產權局關於印發《推動智慧財產權高品質發展工作指引》的通知\n加快陝西省智慧財產權保護中心建設。\n"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("det") / "docs"
    folder.mkdir()
    for i in range(5):
        (folder / f"corpus{i}.txt").write_text(corpus_text(i), "utf-8")
    (folder / "gbk.txt").write_bytes(corpus_text(2).encode("gbk"))
    (folder / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + POLICY.encode("utf-16-le"))
    (folder / "traditional.txt").write_text(TRADITIONAL, "utf-8")
    (folder / "evil.txt").write_text(EVIL, "utf-8")
    (folder / "policy.txt").write_text(POLICY, "utf-8")
    (folder / "ties.txt").write_text(TIES, "utf-8")
    return folder


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("suffix", [".ttl", ".nt"])
def test_cli_builds_give_identical_bytes(inputs: Path, tmp_path: Path, suffix: str) -> None:
    outs = []
    for n, (jobs, seed) in enumerate([("1", "0"), ("2", "1"), ("2", "12345"), ("1", "random")]):
        out = tmp_path / f"run{n}{suffix}"
        run = run_cli("build", inputs, "--out", out, "--jobs", jobs, "--no-validate",
                      env={"PYTHONHASHSEED": seed})
        assert run.returncode == 0, run.stderr
        outs.append(out)
    assert outs[0].stat().st_size > 100_000
    assert len({digest(out) for out in outs}) == 1, [digest(o) for o in outs]


def _versioned(root: Path, batches: list[list[Path]]) -> Path:
    from graph.pipeline import build

    for batch in batches:
        with begin_build(root) as store:
            report = build(batch, store, jobs=2)
            assert not report.failed, report.failed
    return root


def test_store_dumps_do_not_depend_on_order_or_batching(inputs: Path, tmp_path: Path) -> None:
    files = sorted(inputs.iterdir())
    stores = [
        _versioned(tmp_path / "all", [files]),
        _versioned(tmp_path / "reversed", [list(reversed(files))]),
        _versioned(tmp_path / "one-by-one", [[f] for f in files]),
    ]
    for fmt in ("nq", "nt", "ttl"):
        dumps = []
        for root in stores:
            store = open_store(root, read_only=True)
            out = tmp_path / f"{root.name}.{fmt}"
            store.dump(out)
            store.close()
            dumps.append(out.read_bytes())
        assert dumps[0] == dumps[1] == dumps[2], fmt
    # and the file the CLI writes is the same graph, byte for byte
    cli_out = tmp_path / "cli.nt"
    assert run_cli("build", inputs, "--out", cli_out, "--no-validate").returncode == 0
    assert cli_out.read_bytes() == (tmp_path / "all.nt").read_bytes()


def test_exports_are_byte_identical(inputs: Path, tmp_path: Path) -> None:
    from graph.export import FORMATS, export_subgraph

    first = open_store(_versioned(tmp_path / "a", [sorted(inputs.iterdir())]), read_only=True)
    second = open_store(_versioned(tmp_path / "b", [list(reversed(sorted(inputs.iterdir())))]), read_only=True)
    seeds = [str(r[0]) for r in first.query(
        "SELECT ?s WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
        "FILTER(CONTAINS(STR(?l), '保护中心')) } ORDER BY ?s LIMIT 3").rows]
    assert seeds
    for fmt in FORMATS:
        a = export_subgraph(first, seeds, 1, fmt)
        b = export_subgraph(second, seeds, 1, fmt)
        assert a == b, fmt
        assert a == export_subgraph(first, seeds, 1, fmt), fmt
    first.close()
    second.close()


def test_a_shortened_name_joins_the_same_full_name_under_any_hash_seed(tmp_path: Path) -> None:
    import subprocess
    import sys

    doc = tmp_path / "ties.txt"
    doc.write_text(TIES, "utf-8")
    code = ("import sys, hashlib; from graph.pipeline import process_file; "
            "r = process_file(sys.argv[1], as_ntriples=True); assert not r.error, r.error; "
            "print(hashlib.sha256(r.ntriples + r.passages).hexdigest())")
    root = Path(__file__).resolve().parent.parent
    digests = {subprocess.run([sys.executable, "-c", code, str(doc)], capture_output=True, text=True, check=True,
                              cwd=root, env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout
               for seed in range(8)}
    assert len(digests) == 1, digests
