"""Bad files: each gets one clear line, every good file is built, nothing stored is lost.

The end-to-end tests run `python -m graph build` as a child process on real
files written here (a sparse 50 MB text, a docx and a PDF cut in half, GBK
without a declaration, UTF-16, HTML that is all scripts, a page of nothing
but navigation and footer, a broken link, a path that does not exist), over
a store that already holds a document, and check the exit status (2:
partial), stderr (exactly one ``error: <file>: <reason>`` per bad file) and
the store afterwards. The unit tests pin each reason through
:func:`graph.ingest.read_document`, and a Hypothesis test feeds arbitrary
bytes under every suffix: the only exception ever raised is IngestError.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.ingest import MAX_CHARS, IngestError, iter_inputs, only_boilerplate, read_document
from hostile_support import POLICY, corpus_text, make_docx, make_pdf, run_cli, stored_files

SCRIPTS_ONLY = "<html><head><script>alert(1)</script></head><body>" + "<script>steal()</script>" * 200 + "</body></html>"
NAV = "当前位置：首页 > 政务公开 > 通知公告\n字号：大 中 小 【打印】【关闭】\n浏览次数：1234\n"
FOOTER = ("相关链接\n联系我们\n版权所有：某某市知识产权局\n主办单位：某某市知识产权局\n"
          "网站标识码：6101000001\n陕ICP备05001234号\n陕公网安备 61010302000001号\n技术支持：某某公司\n")
BOILERPLATE_HTML = ("<html><body><nav><a href='/'>首页</a></nav><div class='footer'>"
                    + FOOTER.replace("\n", "<br>") + "</div></body></html>")
SCRIPTED_PAGE = (
    "<!DOCTYPE html><html><head><title>通知</title><script>window.location='http://evil.example/'</script>"
    "<script src='http://evil.example/x.js'></script></head><body onload=\"alert('x')\">"
    + "<script>document.write('<b>x</b>')</script>" * 30
    + "<article><h1>关于加强知识产权保护的通知</h1><p>" + POLICY.replace("\n", "</p><p>") + "</p></article>"
    + "<script>evil()</script><noscript>请开启脚本</noscript></body></html>"
)


# --------------------------------------------------------------------------- the files


def write_bad_files(folder: Path) -> dict[str, str]:
    """Write one file of each bad kind; returns file name → a word its reason must hold."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_bytes(b" \r\n\t\n")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4000)
    (folder / "picture.txt").write_bytes(png)
    with open(folder / "huge.txt", "wb") as fh:  # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 2**20)
    docx = make_docx([POLICY] * 20)
    (folder / "cut.docx").write_bytes(docx[: len(docx) // 2])
    pdf = make_pdf(["Intellectual property protection centre"] * 30)
    (folder / "cut.pdf").write_bytes(pdf[: len(pdf) * 2 // 3])
    (folder / "scripts.html").write_text(SCRIPTS_ONLY, "utf-8")
    (folder / "footer.html").write_text(BOILERPLATE_HTML, "utf-8")
    (folder / "nav.txt").write_text(NAV + FOOTER, "utf-8")
    os.symlink(folder / "gone.txt", folder / "dangling.txt")
    return {
        "empty.txt": "empty", "blank.txt": "empty", "picture.txt": "binary", "huge.txt": "too large",
        "cut.docx": "docx", "cut.pdf": "truncated PDF", "scripts.html": "without main text",
        "footer.html": "boilerplate", "nav.txt": "boilerplate", "dangling.txt": "broken link",
    }


def write_good_files(folder: Path) -> list[str]:
    """Write good files in awkward encodings and formats; returns their names."""
    folder.mkdir(parents=True, exist_ok=True)
    text = corpus_text(4)
    (folder / "gbk.txt").write_bytes(text.encode("gbk"))  # no declaration anywhere
    (folder / "utf16le.txt").write_bytes(text.encode("utf-16-le"))  # no BOM
    (folder / "utf16bom.txt").write_bytes(codecs.BOM_UTF16_BE + POLICY.encode("utf-16-be"))
    (folder / "scripted.html").write_text(SCRIPTED_PAGE, "utf-8")
    (folder / "good.docx").write_bytes(make_docx(POLICY.splitlines()))
    (folder / "good.pdf").write_bytes(make_pdf(["Shaanxi Intellectual Property Protection Center",
                                                 "Measures to strengthen IP protection."]))
    return ["gbk.txt", "utf16le.txt", "utf16bom.txt", "scripted.html", "good.docx", "good.pdf"]


# --------------------------------------------------------------------------- end to end


def test_mixed_folder_reports_each_bad_file_once_and_keeps_the_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "earlier.txt").write_text(corpus_text(0), "utf-8")
    first = run_cli("build", earlier, "--out", store, "--no-validate")
    assert first.returncode == 0, first.stderr
    assert stored_files(store) == {"earlier.txt"}

    inbox = tmp_path / "inbox"
    bad = write_bad_files(inbox)
    good = write_good_files(inbox)
    missing = tmp_path / "no-such-folder"
    run = run_cli("build", inbox, missing, "--out", store, "--no-validate")

    assert run.returncode == 2, run.stderr  # partial: some built, some failed
    lines = run.error_lines
    by_file: dict[str, list[str]] = {}
    for line in lines:
        path, _, reason = line[len("error: "):].partition(": ")
        by_file.setdefault(Path(path).name, []).append(reason)
    assert set(by_file) == {*bad, missing.name}, lines
    assert all(len(reasons) == 1 for reasons in by_file.values()), lines
    for name, word in bad.items():
        assert word in by_file[name][0], (name, by_file[name])
    assert "no such file or folder" in by_file[missing.name][0]
    assert "Traceback" not in run.stderr

    assert stored_files(store) == {"earlier.txt", *good}


def test_good_files_keep_their_text(tmp_path: Path) -> None:
    """GBK, UTF-16 and script-laden HTML are decoded to the same words, scripts dropped."""
    folder = tmp_path / "good"
    write_good_files(folder)
    assert corpus_text(4) == read_document(folder / "gbk.txt").text
    assert corpus_text(4) == read_document(folder / "utf16le.txt").text
    assert read_document(folder / "utf16bom.txt").text == POLICY
    page = read_document(folder / "scripted.html")
    assert "陕西省知识产权保护中心" in page.text
    assert not any(word in page.text for word in ("alert", "evil", "document.write", "window.location"))
    assert "陕西省知识产权局" in read_document(folder / "good.docx").text
    assert "Protection Center" in read_document(folder / "good.pdf").text


@pytest.mark.slow
def test_thousand_files_three_bad(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(997):
        (folder / f"doc{i:04d}.txt").write_text(
            f"关于印发《第{i}号知识产权示范项目管理办法》的通知\n加快陕西省知识产权保护中心建设，推动第{i}号示范区知识产权运营。\n",
            "utf-8")
    (folder / "doc0100-empty.txt").write_bytes(b"")
    (folder / "doc0500-binary.txt").write_bytes(b"\x00\x01\x02\x03" * 500)
    docx = make_docx([POLICY])
    (folder / "doc0900-cut.docx").write_bytes(docx[:300])
    store = tmp_path / "store"

    run = run_cli("build", folder, "--out", store, "--no-validate", "--jobs", "2", timeout=900)

    assert run.returncode == 2, run.stderr[-2000:]
    names = sorted(Path(line[len("error: "):].partition(": ")[0]).name for line in run.error_lines)
    assert names == ["doc0100-empty.txt", "doc0500-binary.txt", "doc0900-cut.docx"], run.error_lines
    assert len(stored_files(store)) == 997


def test_a_newline_in_a_file_name_still_gives_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "two\nlines.txt").write_bytes(b"")
    (folder / "fine.txt").write_text(POLICY, "utf-8")
    run = run_cli("build", folder, "--out", tmp_path / "store", "--no-validate")
    assert run.returncode == 2
    assert len(run.error_lines) == 1 and "lines.txt" in run.error_lines[0], run.stderr


# --------------------------------------------------------------------------- one reason per kind


@pytest.mark.parametrize(("name", "word"), [
    ("empty.txt", "empty file"), ("blank.txt", "empty file"), ("picture.txt", "binary"),
    ("huge.txt", "too large (50 MiB > 16 MiB)"), ("cut.docx", "truncated or corrupt"),
    ("cut.pdf", "truncated PDF"), ("scripts.html", "HTML page without main text"),
    ("footer.html", "only website boilerplate"), ("nav.txt", "only website boilerplate"),
    ("dangling.txt", "broken link"),
])
def test_each_bad_file_has_its_reason(tmp_path: Path, name: str, word: str) -> None:
    write_bad_files(tmp_path)
    with pytest.raises(IngestError) as info:
        read_document(tmp_path / name)
    assert word in info.value.reason
    assert str(info.value).startswith(f"{tmp_path / name}: ")
    assert "\n" not in str(info.value)


def test_a_fifo_is_refused_without_reading_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # reading it would block for ever
    with pytest.raises(IngestError, match="not a regular file"):
        read_document(fifo)
    with pytest.raises(IngestError, match="not a regular file"):
        list(iter_inputs([fifo]))
    assert fifo in list(iter_inputs([tmp_path])), "reported, not skipped in silence"


def test_text_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("加快知识产权保护中心建设。" * (MAX_CHARS // 12 + 10), "utf-8")
    with pytest.raises(IngestError, match="text too long"):
        read_document(path)


def test_docx_bomb_is_refused(tmp_path: Path) -> None:
    import io
    import zipfile

    good = make_docx([POLICY])
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("word/media/padding.bin", b"\0" * (300 * 2**20))  # 300 MiB of zeros, ~300 KB packed
    path = tmp_path / "bomb.docx"
    path.write_bytes(buf.getvalue())
    assert path.stat().st_size < 2 * 2**20
    with pytest.raises(IngestError, match=r"expands to 30\d MiB \(> 256 MiB\)"):
        read_document(path)


def test_pdf_without_text_layer_and_non_pdf_are_refused(tmp_path: Path) -> None:
    (tmp_path / "blank.pdf").write_bytes(make_pdf([]))
    with pytest.raises(IngestError, match="no text layer"):
        read_document(tmp_path / "blank.pdf")
    (tmp_path / "fake.pdf").write_bytes("这不是PDF文件".encode() * 10)
    with pytest.raises(IngestError, match="not a PDF"):
        read_document(tmp_path / "fake.pdf")


@pytest.mark.parametrize(("text", "expected"), [
    (NAV + FOOTER, True),
    (FOOTER, True),
    (NAV + POLICY + FOOTER, False),  # a real page: body between navigation and footer
    (POLICY, False),
    ("通知", False),  # short, but no marker: a tiny document, not boilerplate
])
def test_only_boilerplate(text: str, expected: bool) -> None:
    assert only_boilerplate(text) is expected


# --------------------------------------------------------------------------- any bytes at all


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([make_docx([POLICY]), make_pdf(["x"]), SCRIPTED_PAGE.encode()]).flatmap(
        lambda b: st.integers(0, len(b)).map(lambda n: b[:n])),
), suffix=st.sampled_from([".txt", ".html", ".docx", ".pdf", ".md"]))
def test_any_bytes_give_a_document_or_an_ingest_error(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"any{suffix}"
    path.write_bytes(data)
    try:
        doc = read_document(path)
    except IngestError as exc:
        assert exc.reason and "\n" not in exc.reason
    else:
        assert doc.text.strip() and len(doc.text) <= MAX_CHARS


# --------------------------------------------------------------------------- any text at all
# Whatever a file decodes to, no stage crashes: normalisation keeps its offset map
# (test_normalise.py does so for a small alphabet), segmentation keeps its spans,
# and each extractor, run alone with only what it requires, keeps its spans inside
# the text and its provenance quotes at their offsets (test_properties.py runs all
# of them together).

POLICY_FRAGMENTS = [
    "加快陕西省知识产权保护中心建设", "推动省知识产权运营交易中心建设", "，", "。", "、", "；", "\n", "\n\n", "\r\n",
    "〔办公室、保护处按职责负责落实〕", "（市场监管总局、知识产权局负责）", "到2025年", "每万人口高价值发明专利拥有量达到",
    "12件", "1.32万件", "90%以上", "《知识产权强国建设纲要(2021—2035年)》", "一、总体要求", "(一)", "1.", "——",
    "智慧財產權", "知識產權", "　", "“", "”", "秦创原", "随州市曾都区", "举办首届秦创原高价值专利大赛", "联系我们",
    "版权所有", "当前位置：首页 > ", "<script>alert(1)</script>", "\\", '"', "\u200b", "\ufeff", "\x00", "\x1b[31m",
    "e\u0301", "👩‍👩‍👧", "\U00020000", "ﬁ", "①", "Ⅻ", "\u2028", "\t",
]
any_text = st.one_of(
    st.lists(st.sampled_from(POLICY_FRAGMENTS), max_size=40).map("".join),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300),
)


@settings(max_examples=400, deadline=None)
@given(any_text)
def test_normalise_keeps_its_offset_map_for_any_text(text: str) -> None:
    from graph.normalise import normalise
    from pipeline_support import raw

    doc = normalise(raw(text))
    assert len(doc.offsets) == len(doc.text) + 1
    assert all(0 <= o <= len(text) for o in doc.offsets)
    assert list(doc.offsets[:-1]) == sorted(doc.offsets[:-1])
    for i in range(len(doc.text)):
        s, e = doc.original_span(i, i + 1)
        assert 0 <= s < e <= len(text)


@settings(max_examples=400, deadline=None)
@given(any_text)
def test_segmentation_spans_cover_the_text_in_order(text: str) -> None:
    from graph.normalise import normalise
    from graph.segment import segment
    from pipeline_support import raw

    seg = segment(normalise(raw(text)))
    n = len(seg.doc.text)
    for start, end in seg.paragraphs:
        assert 0 <= start <= end <= n
    for section in seg.sections:
        assert 0 <= section.start <= section.end <= n
    previous_end = 0
    for sentence in seg.sentences:
        assert previous_end <= sentence.start < sentence.end <= n
        assert sentence.text == seg.doc.text[sentence.start:sentence.end]
        assert 0 <= sentence.paragraph < len(seg.paragraphs)
        assert -1 <= sentence.section < len(seg.sections)
        previous_end = sentence.end


def _extractor_names() -> list[str]:
    from graph.extract import REGISTRY

    return [ex.name for ex in REGISTRY]


@pytest.mark.parametrize("name", _extractor_names())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_text)
def test_each_extractor_alone_survives_any_text(name: str, text: str) -> None:
    from graph.namespaces import IPKG
    from graph.rdf import document_triples
    from graph.resolve import resolve
    from pipeline_support import run

    result = run(text, only=(name,))
    n = len(result.doc.text)
    for m in result.mentions:
        assert 0 <= m.start <= m.end <= n, m
    for t in result.targets:
        assert 0 <= t.start < t.end <= n, t
    for m in result.measures:
        assert 0 <= m.start < m.end <= n and m.text == result.doc.text[m.start:m.end], m
    if result.metadata.title_span:
        s, e = result.metadata.title_span
        assert 0 <= s <= e <= n
    props: dict = {}
    for s, p, o in document_triples(result, resolve(result)):
        props.setdefault(s, {})[p] = o
    for node in props.values():
        if IPKG.charStart in node:
            start, end = int(node[IPKG.charStart]), int(node[IPKG.charEnd])
            assert 0 <= start <= end <= len(text)
            assert text[start:end] == str(node[IPKG.quote])
