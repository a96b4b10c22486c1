"""The command line: `python -m graph build|query|export|stats|serve`, exit codes and messages."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graph.cli import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built_store(tmp_path_factory, corpus_dir) -> Path:
    """The bundled corpus built once into an on-disk store."""
    out = tmp_path_factory.mktemp("cli") / "store"
    assert main(["build", str(corpus_dir), "--out", str(out), "-q", "--no-validate"]) == EXIT_OK
    return out


def test_build_to_a_file_validates_what_it_built(tmp_path, corpus_dir, capsys):
    out = tmp_path / "ipkg.ttl"
    assert main(["build", str(corpus_dir), "--out", str(out), "-q"]) == EXIT_OK
    err = capsys.readouterr().err
    assert "built 5, unchanged 0, failed 0" in err
    assert "SHACL: conforms (5 document(s) built in this run" in err
    text = out.read_text("utf-8")
    assert "ipkg:Document" in text and "owl:Ontology" in text


def test_build_says_when_validation_is_skipped(tmp_path, corpus_dir, capsys):
    src = sorted(corpus_dir.glob("*.txt"))[0]
    assert main(["build", str(src), "--out", str(tmp_path / "x.nt"), "-q", "--no-validate"]) == EXIT_OK
    assert "SHACL: not run (--no-validate)" in capsys.readouterr().err


def test_partial_build_exits_2_with_one_error_line_per_bad_file(tmp_path, corpus_dir, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    src = sorted(corpus_dir.glob("*.txt"))[0]
    code = main(["build", str(src), str(empty), str(tmp_path / "missing.txt"), "--out", str(tmp_path / "o.ttl"),
                 "-q", "--no-validate"])
    assert code == EXIT_PARTIAL
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2
    assert any(line.startswith(f"error: {empty}: ") for line in errors)
    assert any(line.startswith(f"error: {tmp_path / 'missing.txt'}: ") for line in errors)


def test_failed_build_exits_1(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"   ")
    assert main(["build", str(bad), "--out", str(tmp_path / "o.ttl"), "-q"]) == EXIT_FAILED
    assert f"error: {bad}: " in capsys.readouterr().err


def test_incremental_store_build_add_and_remove(tmp_path, corpus_dir, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    files = sorted(corpus_dir.glob("*.txt"))
    for f in files[:2]:
        shutil.copy(f, docs / f.name)
    store = tmp_path / "store"
    assert main(["build", str(docs), "--out", str(store), "-q", "--no-validate"]) == EXIT_OK
    capsys.readouterr()
    shutil.copy(files[2], docs / files[2].name)
    assert main(["build", str(docs), "--out", str(store), "-q"]) == EXIT_OK
    err = capsys.readouterr().err
    assert "built 1, unchanged 2, failed 0, removed 0" in err
    assert "SHACL: conforms (1 document(s) built in this run" in err
    assert main(["build", "--remove", files[0].name, "--out", str(store), "-q"]) == EXIT_OK
    err = capsys.readouterr().err
    assert "built 0, unchanged 0, failed 0, removed 1" in err
    assert "SHACL: nothing built in this run" in err
    (docs / files[1].name).unlink()
    assert main(["build", str(docs), "--prune", "--out", str(store), "-q"]) == EXIT_OK
    assert "removed 1" in capsys.readouterr().err  # files[1] is gone from the folder, so from the graph


def test_build_needs_something_to_do(tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path / "s")]) == EXIT_FAILED
    assert "error: give documents to build" in capsys.readouterr().err


def test_query_saved_and_text(built_store, capsys):
    assert main(["query", str(built_store), "--saved", "institutions_serving_measure",
                 "--param", "keyword=知识产权保护中心", "--format", "json"]) == EXIT_OK
    rows = json.loads(capsys.readouterr().out)
    assert any(r["institutionLabel"] == "陕西省知识产权保护中心" for r in rows)
    assert main(["query", str(built_store), "ASK { ?d a ipkg:Document }"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == "true"


def test_stats(built_store, capsys):
    assert main(["stats", str(built_store)]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("triples: ")
    assert any(line.split() == ["Document", "5"] for line in out.splitlines())


def test_export_by_name(built_store, tmp_path):
    out = tmp_path / "sub.ttl"
    assert main(["export", str(built_store), "--seed", "陕西省知识产权保护中心", "--hops", "1", "--out", str(out)]) == EXIT_OK
    assert "陕西省知识产权保护中心" in out.read_text("utf-8")


def test_export_unknown_name_is_a_clear_error(built_store, tmp_path, capsys):
    code = main(["export", str(built_store), "--seed", "不存在的机构", "--out", str(tmp_path / "x.ttl")])
    assert code == EXIT_FAILED
    assert "error: no entity is named '不存在的机构'" in capsys.readouterr().err


def test_serve_needs_a_store(tmp_path, capsys):
    assert main(["serve", str(tmp_path / "nowhere")]) == EXIT_FAILED
    assert "no such store" in capsys.readouterr().err


def test_command_line_entry_point(tmp_path, corpus_dir):
    """The real `python -m graph` in a fresh process: exit code and the summary line."""
    src = sorted(corpus_dir.glob("*.txt"))[0]
    proc = subprocess.run([sys.executable, "-m", "graph", "build", str(src), "--out", str(tmp_path / "o.ttl"), "-q"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "built 1, unchanged 0, failed 0, removed 0" in proc.stderr
