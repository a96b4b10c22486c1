"""Ingest: encodings are detected, bad files fail with one clear reason."""

from __future__ import annotations

import codecs

import pytest

from graph.ingest import IngestError, iter_inputs, read_document

TEXT = "陕西省知识产权局关于印发《推动知识产权高质量发展工作指引》的通知。加快陕西省知识产权保护中心建设。"


@pytest.mark.parametrize(("data", "encoding"), [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("gb18030"), "gb18030"),
    (TEXT.encode("gbk"), "gb18030"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
    (("2022\n" + TEXT + "\n1.\n").encode("utf-16-le"), "utf-16-le"),
])
def test_encodings_are_detected(tmp_path, data, encoding):
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    doc = read_document(path)
    assert TEXT in doc.text
    assert doc.encoding == encoding


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty file"),
    (b"   \n\n", "empty file"),
    (bytes(range(256)) * 40, "binary"),
])
def test_bad_files_name_the_reason(tmp_path, data, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(IngestError) as info:
        read_document(path)
    assert reason in str(info.value) and "bad.txt" in str(info.value)


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        list(iter_inputs([tmp_path / "nope"]))


def test_truncated_docx_is_an_error(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(IngestError, match="docx"):
        read_document(path)


def test_html_keeps_main_text(tmp_path):
    body = "<p>" + "加快陕西省知识产权保护中心建设，推动市级知识产权保护中心和快速维权中心建设。" * 3 + "</p>"
    html = f"<html><head><script>alert(1)</script></head><body><nav>首页 联系我们</nav>{body}</body></html>"
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    doc = read_document(path)
    assert "陕西省知识产权保护中心" in doc.text
    assert "alert" not in doc.text
