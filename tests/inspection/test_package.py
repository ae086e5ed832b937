"""package inspection: what the package holds, byte-identical rebuilds, Thai that renders, data
errors that name the indicator and the field, and nothing half-built left behind."""
from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from docx import Document
from pptx import Presentation

from tidtam.cli_errors import ExitCode
from tidtam.core.reports import officedoc as od
from tidtam.core.reports.fontfiles import render_env
from tidtam.core.settings import PACKAGE_ROOT

from inspection_helpers import MEMO_DATE, cli, config_for, need_tool, package_folder, to_pdf

ROUND = ["package", "inspection", "--round", "2570R1", "--date", MEMO_DATE]


def _build(db_url, *extra):
    result = cli(*ROUND, "--allow-incomplete", *extra, db_url=db_url)
    assert result.exit_code == 0, result.output
    return package_folder()


def _docx_text(path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_package_holds_report_slides_workbook_evidence_and_manifest(demo_url, tmp_path):
    folder = _build(demo_url, "--out", str(tmp_path / "copy"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(["inspection-2570R1-report.docx", "inspection-2570R1-slides.pptx",
                            "inspection-2570R1-workbook.xlsx", "inspection-2570R1-evidence-1.zip", "manifest.json"])
    for entry in manifest["files"]:  # the sha256 of every other file
        data = (folder / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
    assert {e["name"] for e in manifest["files"]} == set(names) - {"manifest.json"}
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == names
    assert manifest["period"] == "2570R1" and len(manifest["indicators"]) == 17
    assert manifest["not_reported"] == ["1.2", "1.5", "1.6", "2.2", "3.2", "4.1", "5.3", "6.2"]

    text = _docx_text(folder / "inspection-2570R1-report.docx")
    for expected in ("บันทึกข้อความ", "ส่วนราชการ", "วันที่  ๑๕ มีนาคม ๒๕๗๐", "เรื่อง",
                     "รายงานผลการตรวจราชการ กรณีปกติ รอบที่ ๑ ประจำปีงบประมาณ พ.ศ. ๒๕๗๐", "เรียน", "ศึกษาธิการภาค ๑๕",
                     "นโยบายที่ ๑ การยกระดับคุณภาพการศึกษา", "ตัวชี้วัดที่ ๑.๓", "ปัญหาอุปสรรค", "ข้อเสนอแนะ",
                     "แนวปฏิบัติที่ดี", "ยังไม่ได้รับรายงานผล", "(ดร.สุรเชษฐ์ วงศ์ดอยคำ)"):
        assert expected in text, expected
    doc = Document(str(folder / "inspection-2570R1-report.docx"))
    normal = doc.styles["Normal"].element.rPr
    assert normal.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}cs") == od.FONT
    assert doc.styles["Normal"].font.size.pt == 16
    with zipfile.ZipFile(folder / "inspection-2570R1-report.docx") as docx:  # the font travels with the file
        assert len([n for n in docx.namelist() if n.startswith("word/fonts/") and n.endswith(".odttf")]) == 2  # regular, bold
    assert len(doc.inline_shapes) == 3  # the three photos

    slides = Presentation(str(folder / "inspection-2570R1-slides.pptx")).slides
    titles = [next((s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text), "") for slide in slides]
    assert "รอบที่ ๑ ประจำปีงบประมาณ พ.ศ. ๒๕๗๐" in titles[0]
    for number in "๑๒๓๔๕๖":  # each policy's indicators in a table, on one slide or more
        tables = [s for s, t in zip(slides, titles) if t.startswith(f"นโยบายที่ {number} ") and "ค่าเป้าหมาย" not in t]
        assert tables and all(any(shape.has_table for shape in s.shapes) for s in tables), number
    charts = [s for s, t in zip(slides, titles) if "ค่าเป้าหมายและผลการดำเนินงาน" in t]
    assert len(charts) == 4  # policies 1, 2, 3, 5 have percentage indicators with a result; a chart alone on its slide
    assert all(sum(1 for shape in s.shapes if shape.shape_type == 13) == 1 for s in charts)
    assert sum(1 for t in titles if t.startswith("ปัญหาอุปสรรคและข้อเสนอแนะ")) == 6
    practice = [s for s, t in zip(slides, titles) if t.startswith("แนวปฏิบัติที่ดี")]
    assert {t.split()[-1] for t in titles if t.startswith("แนวปฏิบัติที่ดี")} == {"๑.๑", "๑.๓", "๒.๑", "๕.๑"}
    assert sum(1 for s in practice for shape in s.shapes if shape.shape_type == 13) == 3  # photos

    layout = yaml.safe_load((PACKAGE_ROOT / "config/targets/inspection/2026.1/workbook.yaml").read_text(encoding="utf-8"))
    ws = openpyxl.load_workbook(folder / "inspection-2570R1-workbook.xlsx").active
    assert ws.title == layout["sheet"]
    assert [c.value for c in ws[1]] == [c["header"] for c in layout["columns"]]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 17
    by_code = {r[2]: r for r in rows}
    assert by_code["1.3"][6] == pytest.approx(31.6) and by_code["1.3"][7] == "ไม่บรรลุ"
    assert by_code["1.1"][13] == "ห้องเรียน.jpg"

    with zipfile.ZipFile(folder / "inspection-2570R1-evidence-1.zip") as archive:
        names_in_zip = archive.namelist()
        assert names_in_zip == ["รายการหลักฐาน.txt", "1.1/ห้องเรียน.jpg", "2.1/แผนที่.png", "5.1/แกนนำ.jpg"]
        assert "ตัวชี้วัดที่ 1.1" in archive.read("รายการหลักฐาน.txt").decode("utf-8")


def test_same_data_gives_byte_identical_files(demo_sqlite, tmp_path):
    folder = _build(demo_sqlite)
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    _build(demo_sqlite)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == first
    # another date is another package
    result = cli("package", "inspection", "--round", "2570R1", "--date", "2027-03-16", "--allow-incomplete", db_url=demo_sqlite)
    assert result.exit_code == 0
    again = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert again["manifest.json"] != first["manifest.json"]
    assert again["inspection-2570R1-evidence-1.zip"] != first["inspection-2570R1-evidence-1.zip"]  # entry dates


def test_missing_results_are_listed_by_indicator_and_nothing_is_built(demo_sqlite):
    result = cli(*ROUND, db_url=demo_sqlite)
    assert result.exit_code == ExitCode.INCOMPLETE
    assert "ตัวชี้วัดที่ 1.2 › รายงานผล: ยังไม่ได้รับรายงานผลของรอบที่ 1" in result.output
    assert result.output.count("  • ตัวชี้วัดที่") == 8
    assert not package_folder().exists()
    assert not package_folder().parent.exists() or list(package_folder().parent.iterdir()) == []


def test_wrong_data_names_indicator_and_field_and_keeps_the_old_package(demo_sqlite):
    from sqlalchemy import select

    from tidtam.core import models as m
    from tidtam.core.db import Database
    from tidtam.core.evidence import stored_path

    folder = _build(demo_sqlite)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    database = Database(demo_sqlite)
    with database.session() as session:
        r13 = session.scalars(select(m.InspectionResult).join(m.InspectionIndicator).where(
            m.InspectionIndicator.code == "1.3", m.InspectionResult.period == "2570R1")).one()
        r13.result = -5
        r31 = session.scalars(select(m.InspectionResult).join(m.InspectionIndicator).where(
            m.InspectionIndicator.code == "3.1", m.InspectionResult.period == "2570R1")).one()
        r31.result_text = "  "
        photo = session.scalars(select(m.EvidenceFile).where(m.EvidenceFile.filename == "แผนที่.png")).one()
        stored_path(photo.sha256).unlink()
    database.dispose()
    result = cli(*ROUND, "--allow-incomplete", db_url=demo_sqlite)
    assert result.exit_code == ExitCode.BAD_DATA
    assert "ตัวชี้วัดที่ 1.3 › ผลการดำเนินงาน (ค่าตัวเลข): ต้องไม่ติดลบ" in result.output
    assert "ตัวชี้วัดที่ 3.1 › ผลการดำเนินการ: ยังไม่ได้กรอก" in result.output
    assert 'ตัวชี้วัดที่ 2.1 › ไฟล์หลักฐาน: ไม่พบไฟล์ "แผนที่.png"' in result.output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # the old package is untouched
    assert [p.name for p in folder.parent.iterdir()] == ["2570R1"]  # no hidden half-built folder


def test_a_failure_while_writing_leaves_nothing_behind(demo_sqlite, monkeypatch):
    from tidtam.plugins.inspection import documents

    def broken(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(documents, "write_workbook", broken)
    result = cli(*ROUND, "--allow-incomplete", db_url=demo_sqlite)
    assert result.exit_code == ExitCode.ERROR and "OSError: disk full (simulated)" in result.output
    parent = package_folder().parent
    assert not parent.exists() or list(parent.iterdir()) == []


def test_workbook_layout_errors_name_file_and_key(demo_sqlite, tmp_path, monkeypatch):
    folder = config_for(tmp_path / "config")
    path = folder / "targets/inspection/2026.1/workbook.yaml"
    layout = yaml.safe_load(path.read_text(encoding="utf-8"))
    layout["columns"][2]["field"] = "indicator_cod"
    path.write_text(yaml.safe_dump(layout, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(folder))
    result = cli(*ROUND, "--allow-incomplete", db_url=demo_sqlite)
    assert result.exit_code == ExitCode.BAD_DATA
    assert f"{path} › columns.2.field: ค่าไม่อยู่ในรายการที่อนุญาต" in result.output


def test_evidence_too_big_for_one_message_is_refused_at_its_indicator(demo_sqlite, tmp_path, monkeypatch):
    from inspection_helpers import add_photos

    add_photos(demo_sqlite, tmp_path / "big", {"ภาพใหญ่.png": ("1.3", True)})
    monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(config_for(tmp_path / "config", attachment_max_bytes=400_000)))
    result = cli(*ROUND, "--allow-incomplete", db_url=demo_sqlite)
    assert result.exit_code == ExitCode.BAD_DATA
    assert 'ตัวชี้วัดที่ 1.3 › ไฟล์หลักฐาน: ไฟล์ "ภาพใหญ่.png"' in result.output and "attachment_max_bytes" in result.output


# --- as a person sees it -------------------------------------------------------------------


_MARKS = dict.fromkeys([0x0E31, *range(0x0E34, 0x0E3B), *range(0x0E47, 0x0E4F)])


def _base(text: str) -> str:
    return "".join(text.split()).translate(_MARKS)


def _thai_fonts(folder: Path) -> set[str]:
    out = subprocess.run([need_tool("fc-list"), ":lang=th", "family"], check=True, capture_output=True, text=True,
                         env=render_env(folder / "fonts")).stdout
    return {name.replace(" ", "") for line in out.splitlines() for name in line.split(",")}


@pytest.mark.parametrize("kind, expected", [
    ("report", ("บันทึกข้อความ", "รอบที่ ๑ ประจำปีงบประมาณ พ.ศ. ๒๕๗๐", "ตัวชี้วัดที่ ๑.๓", "ไม่บรรลุ")),
    ("slides", ("นโยบายที่ ๑ การยกระดับคุณภาพการศึกษา", "แนวปฏิบัติที่ดี ตัวชี้วัดที่ ๑.๑", "ผลการดำเนินงาน", "ร้อยละ")),
])
def test_rendered_pdf_shows_thai_glyphs(demo_sqlite, tmp_path, kind, expected):
    folder = _build(demo_sqlite)
    pdf = to_pdf(folder / f"inspection-2570R1-{kind}.{'docx' if kind == 'report' else 'pptx'}", tmp_path)
    text = subprocess.run([need_tool("pdftotext"), str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    for phrase in expected:  # Thai wraps anywhere and pdftotext moves stacked marks: compare base letters
        assert _base(phrase) in _base(text), phrase
    fonts = subprocess.run([need_tool("pdffonts"), str(pdf)], check=True, capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts  # every font embedded
    names = [row.split()[0].split("+")[-1].split("-")[0] for row in rows]
    thai = _thai_fonts(tmp_path)
    assert all(name in thai for name in names), f"a font without Thai glyphs drew text: {names}"
