"""The facts an opened bid document yields for the collusion signals: hash and authoring metadata."""

import hashlib
import io
import zipfile

from reportlab.pdfgen import canvas

from trading.document_facts import document_facts


def test_a_pdf_yields_its_author_and_producer(tmp_path):
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setAuthor("张工")
    pdf.drawString(100, 750, "bid")
    pdf.save()
    path = tmp_path / "技术标.pdf"
    path.write_bytes(buffer.getvalue())
    facts = document_facts(path)
    assert facts["author"] == "张工" and "ReportLab" in facts["producer"]
    assert facts["sha256"] == hashlib.sha256(buffer.getvalue()).hexdigest()


def test_an_office_document_yields_creator_editor_and_company(tmp_path):
    path = tmp_path / "商务标.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("docProps/core.xml", (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>李四</dc:creator>'
            '<cp:lastModifiedBy>王五</cp:lastModifiedBy></cp:coreProperties>'))
        archive.writestr("docProps/app.xml", (
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            '<Company>某造价咨询有限公司</Company><Application>WPS Office</Application></Properties>'))
    facts = document_facts(path)
    assert (facts["author"], facts["last_modified_by"], facts["company"], facts["producer"]) == (
        "李四", "王五", "某造价咨询有限公司", "WPS Office")


def test_a_malformed_or_plain_file_yields_its_hash_only(tmp_path):
    broken = tmp_path / "x.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    text = tmp_path / "说明.txt"
    text.write_text("投标说明")
    for path in (broken, text):
        facts = document_facts(path)
        assert facts["author"] == "" and len(facts["sha256"]) == 64
