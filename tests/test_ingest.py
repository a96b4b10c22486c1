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


def test_docx_paragraphs_and_tables(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("陕西省知识产权局关于印发《工作指引》的通知")
    document.add_paragraph("加快陕西省知识产权保护中心建设。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "每万人口高价值发明专利拥有量"
    table.rows[0].cells[1].text = "6.8件"
    path = tmp_path / "guide.docx"
    document.save(path)
    doc = read_document(path)
    assert doc.media_type.endswith("wordprocessingml.document")
    assert "加快陕西省知识产权保护中心建设。" in doc.text
    assert "每万人口高价值发明专利拥有量\t6.8件" in doc.text


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF with a text layer (Helvetica, ASCII), written by hand."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def test_pdf_text_layer(tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(_minimal_pdf("TISC 2025 target 6.8"))
    doc = read_document(path)
    assert doc.media_type == "application/pdf"
    assert "TISC 2025 target 6.8" in doc.text


def test_truncated_pdf_is_an_error(tmp_path):
    path = tmp_path / "cut.pdf"
    path.write_bytes(_minimal_pdf("TISC")[:120])
    with pytest.raises(IngestError, match="PDF"):
        read_document(path)
