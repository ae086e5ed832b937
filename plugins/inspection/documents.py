"""The three documents of an inspection package: the report (docx), the inspector's slides
(pptx) and the region's workbook (xlsx). Each writer takes ``RoundData`` and the prepared
images (charts and photos, see ``package.py``) and writes one file, stable byte for byte.

The docx and xlsx go through ``core.reports.officedoc`` (TH Sarabun New 16 pt, Thai digits,
fixed dates); the pptx is python-pptx with the same font set for Latin and complex script.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn as pqn
from pptx.util import Emu, Inches, Pt

from tidtam.core.reports import officedoc as od
from tidtam.core.reports.output import stabilise_zip
from tidtam.core.thai import thai_date, to_thai_digits

from .frame import SOURCE_TH, IndicatorRow, PolicyRow, RoundData, number_th
from .mapping import FIELDS_TH, WorkbookLayout

UNIT_GROUP = "กลุ่มนโยบายและแผน"
NOT_REPORTED = "ยังไม่ได้รับรายงานผล"


def title_th(data: RoundData) -> str:
    return f"รายงานผลการตรวจราชการ กรณีปกติ {data.round_th()}"


def achieved_th(ind: IndicatorRow) -> str:
    if not ind.reported:
        return "-"
    return {True: "บรรลุ", False: "ไม่บรรลุ", None: "-"}[ind.achieved]


def target_th(ind: IndicatorRow) -> str:
    return "-" if ind.target is None else f"{number_th(ind.target)} {ind.unit}".strip()


def result_th(ind: IndicatorRow) -> str:
    if not ind.reported:
        return NOT_REPORTED
    return "-" if ind.result is None else f"{number_th(ind.result)} {ind.unit}".strip()


def addressee(region_office: str) -> str:
    """The head of the regional office: "สำนักงานศึกษาธิการภาค 15" -> "ศึกษาธิการภาค 15"."""
    return region_office.removeprefix("สำนักงาน") or region_office


def counts(indicators: list[IndicatorRow]) -> dict[str, int]:
    return {"all": len(indicators),
            "achieved": sum(1 for i in indicators if i.reported and i.achieved is True),
            "not_achieved": sum(1 for i in indicators if i.reported and i.achieved is False),
            "no_target": sum(1 for i in indicators if i.reported and i.achieved is None),
            "missing": sum(1 for i in indicators if not i.reported)}


# --- report (docx) ------------------------------------------------------------------------


def _labelled(doc, label: str, text: str, *, size: float | None = None, indent_first: bool = False):
    """A paragraph "<bold label> text", as memo headers and report fields are written."""
    paragraph = od.para(doc, label, bold=True, size=size, indent_first=indent_first)
    run = paragraph.add_run(to_thai_digits(f"  {text}"))
    od.set_fonts(run, size)
    return paragraph


def write_report(data: RoundData, path: Path, photos: dict[str, Path], doc_no: str = "") -> Path:
    """The memo to the regional office, then the results per policy, point and indicator."""
    doc = od.new_document(title=title_th(data), author=data.office_short_name)
    od.para(doc, "บันทึกข้อความ", bold=True, size=29, align=od.CENTER)
    _labelled(doc, "ส่วนราชการ", f"{data.office_name} {UNIT_GROUP} โทร. {data.office_phone}".strip())
    date_text = thai_date(data.memo_date, full=True)
    _labelled(doc, "ที่", f"{doc_no or ' ' * 24}      วันที่  {date_text}")
    _labelled(doc, "เรื่อง", title_th(data))
    _labelled(doc, "เรียน", addressee(data.region_office))
    total = counts(data.indicators)
    od.para(doc, (
        f"ตามที่{data.region_office} ได้แจ้งให้สำนักงานเขตพื้นที่การศึกษารายงานผลการดำเนินงานตามประเด็น"
        f"การตรวจราชการ กรณีปกติ {data.round_th()} นั้น"), indent_first=True)
    summary = (f"{data.office_name} ได้รวบรวมผลการดำเนินงานตามนโยบาย {len(data.policies)} นโยบาย "
               f"ตัวชี้วัด {total['all']} ตัวชี้วัด เรียบร้อยแล้ว บรรลุค่าเป้าหมาย {total['achieved']} ตัวชี้วัด "
               f"ไม่บรรลุค่าเป้าหมาย {total['not_achieved']} ตัวชี้วัด ไม่มีค่าเป้าหมายเชิงปริมาณ {total['no_target']} ตัวชี้วัด")
    if total["missing"]:
        summary += f" และยังไม่ได้รับรายงานผล {total['missing']} ตัวชี้วัด"
    od.para(doc, summary + " รายละเอียดตามเอกสารที่แนบ", indent_first=True)
    od.para(doc, "จึงเรียนมาเพื่อโปรดทราบ", indent_first=True)
    od.para(doc)
    if data.director_name:
        od.para(doc, f"({data.director_name})", align=od.CENTER)
        od.para(doc, data.director_position, align=od.CENTER)
    od.page_break(doc)

    od.para(doc, "ผลการดำเนินงานตามประเด็นการตรวจราชการ", bold=True, size=20, align=od.CENTER)
    od.para(doc, f"กรณีปกติ {data.round_th()}", bold=True, size=18, align=od.CENTER)
    od.para(doc, data.office_name, align=od.CENTER)
    figure = 0
    for policy in data.policies:
        od.heading(doc, f"นโยบายที่ {policy.number} {policy.name}", 1)
        od.para(doc, f"({SOURCE_TH.get(policy.source, policy.source)})", size=14)
        for point in policy.points:
            od.heading(doc, f"ประเด็นการตรวจราชการที่ {policy.number}.{point.number} {point.name}", 2)
            od.table(doc, ["ตัวชี้วัด", "ค่าเป้าหมาย", "ผลการดำเนินงาน", "ผลการประเมิน"],
                     [[f"{i.code} {i.name}", target_th(i), result_th(i), achieved_th(i)] for i in point.indicators],
                     [7.4, 2.9, 3.1, 2.6], align=[od.LEFT, od.CENTER, od.CENTER, od.CENTER])
            for ind in point.indicators:
                od.heading(doc, f"ตัวชี้วัดที่ {ind.code} {ind.name}", 3)
                if not ind.reported:
                    od.para(doc, f"{NOT_REPORTED} (ผู้รับผิดชอบ: {ind.owner or '-'})", italic=True)
                    continue
                _labelled(doc, "ผลการดำเนินการ", ind.result_text, indent_first=True)
                _labelled(doc, "ปัญหาอุปสรรค", ind.problems or "-", indent_first=True)
                _labelled(doc, "ข้อเสนอแนะ", ind.suggestions or "-", indent_first=True)
                if ind.good_practice:
                    _labelled(doc, "แนวปฏิบัติที่ดี", ind.good_practice, indent_first=True)
                for ev in ind.photos[:3]:
                    figure += 1
                    od.picture(doc, photos[ev.sha256], 9, f"ภาพที่ {figure} แนวปฏิบัติที่ดี ตัวชี้วัดที่ {ind.code}")
                _labelled(doc, "ผู้รับผิดชอบ", f"{ind.owner} {ind.owner_position}".strip() or "-", size=14)
                if ind.evidence:
                    _labelled(doc, "ไฟล์หลักฐาน", ", ".join(e.filename for e in ind.evidence), size=14)
    return od.save_docx(doc, path, data.memo_date)


# --- slides (pptx) -------------------------------------------------------------------------

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
NAVY = RGBColor(0x2C, 0x4A, 0x7C)
HEADER_FILL = RGBColor(0xDC, 0xE3, 0xEE)
MISS_FILL = RGBColor(0xFB, 0xE3, 0xE0)


def _font(run, size: float, bold: bool = False, color: RGBColor | None = None) -> None:
    """TH Sarabun New for Latin *and* complex script (Thai), and Thai as the language."""
    run.font.name = od.FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    rpr = run._r.get_or_add_rPr()
    rpr.set("lang", "th-TH")
    for tag in ("a:ea", "a:cs"):
        element = rpr.find(pqn(tag))
        if element is None:
            element = etree.SubElement(rpr, pqn(tag))
        element.set("typeface", od.FONT)


def _text(frame, lines: list[str] | str, size: float, *, bold: bool = False, align=None,
          color: RGBColor | None = None) -> None:
    frame.word_wrap = True
    for index, line in enumerate([lines] if isinstance(lines, str) else lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        _font(_run(paragraph, to_thai_digits(line)), size, bold, color)


def _run(paragraph, text: str):
    run = paragraph.add_run()
    run.text = text
    return run


def _box(slide, left, top, width, height, lines, size, **kw):
    shape = slide.shapes.add_textbox(left, top, width, height)
    _text(shape.text_frame, lines, size, **kw)
    return shape


def _title(slide, text: str, subtitle: str = "") -> None:
    band = slide.shapes.add_shape(1, 0, 0, SLIDE_W, Inches(1.05))  # 1 = rectangle
    band.fill.solid()
    band.fill.fore_color.rgb = NAVY
    band.line.fill.background()
    frame = band.text_frame
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame.margin_left = Inches(0.4)
    _text(frame, text, 28, bold=True, color=RGBColor(0xFF, 0xFF, 0xFF))
    if subtitle:
        _box(slide, Inches(0.4), Inches(1.1), Inches(12.5), Inches(0.5), subtitle, 16, color=NAVY)


def _lines(text: str, width_in: float, size: float) -> int:
    """Estimated lines of ``text`` in a cell: Thai letters average a bit over half an em wide."""
    per_line = max(1, int((width_in - 0.1) * 72 / (size * 0.6)))
    return sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))


def _table(slide, headers: list[str], rows: list[list[str]], widths_in: list[float], left, top, size: float,
           missing: list[bool] | None = None):
    """A table whose rows are as tall as their text (LibreOffice does not grow a pptx row)."""
    heights = [max(_lines(v, w, size) for v, w in zip(values, widths_in)) * size * 1.6 / 72 + 0.12
               for values in [headers, *rows]]
    shape = slide.shapes.add_table(len(rows) + 1, len(headers), left, top, Inches(sum(widths_in)),
                                   Inches(sum(heights)))
    table = shape.table
    for column, width in enumerate(widths_in):
        table.columns[column].width = Inches(width)
    for r, values in enumerate([headers, *rows]):
        table.rows[r].height = Inches(heights[r])
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(0.05)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            _text(cell.text_frame, str(value), size, bold=r == 0,
                  align=PP_ALIGN.LEFT if c == 0 and r else PP_ALIGN.CENTER, color=RGBColor(0x22, 0x22, 0x22))
            cell.fill.solid()
            cell.fill.fore_color.rgb = HEADER_FILL if r == 0 else (
                MISS_FILL if missing and missing[r - 1] else RGBColor(0xFF, 0xFF, 0xFF))
    return shape, Inches(sum(heights))


def _picture(slide, path: Path, left, top, max_w, max_h):
    from PIL import Image

    with Image.open(path) as image:
        w, h = image.size
    scale = min(max_w / w, max_h / h)
    width, height = int(w * scale), int(h * scale)
    return slide.shapes.add_picture(str(path), left + (max_w - width) // 2, top, Emu(width), Emu(height))


def write_slides(data: RoundData, path: Path, charts: dict[int, Path], photos: dict[str, Path]) -> Path:
    """Title, overview, one slide per policy (table and chart), good practices with photos."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    blank = prs.slide_layouts[6]

    slide = prs.slides.add_slide(blank)
    band = slide.shapes.add_shape(1, 0, Inches(2.2), SLIDE_W, Inches(2.6))
    band.fill.solid()
    band.fill.fore_color.rgb = NAVY
    band.line.fill.background()
    _text(band.text_frame, [title_th(data).replace(f" {data.round_th()}", ""), data.round_th()], 36, bold=True,
          align=PP_ALIGN.CENTER, color=RGBColor(0xFF, 0xFF, 0xFF))
    _box(slide, Inches(0.5), Inches(5.1), Inches(12.3), Inches(1.6),
         [data.office_name, f"นำเสนอผู้ตรวจราชการ {data.region_office}",
          thai_date(data.memo_date, full=True)], 22, align=PP_ALIGN.CENTER, color=NAVY)

    slide = prs.slides.add_slide(blank)
    _title(slide, "ภาพรวมผลการดำเนินงานตามนโยบาย", f"{data.office_short_name} · {data.round_th()}")
    rows, missing = [], []
    for policy in data.policies:
        c = counts(policy.indicators)
        rows.append([f"นโยบายที่ {policy.number} {policy.name}", c["all"], c["achieved"], c["not_achieved"],
                     c["no_target"], c["missing"]])
        missing.append(c["missing"] > 0)
    _table(slide, ["นโยบาย", "ตัวชี้วัด", "บรรลุ", "ไม่บรรลุ", "ไม่มีค่าเป้าหมาย", "ยังไม่รายงาน"],
           [[str(v) for v in r] for r in rows], [6.5, 1.1, 1.1, 1.1, 1.5, 1.4], Inches(0.4), Inches(1.8), 18, missing)

    for policy in data.policies:
        _policy_slide(prs.slides.add_slide(blank), data, policy, charts.get(policy.number))

    practices = [i for i in data.indicators if i.reported and (i.good_practice or i.photos)]
    for ind in practices:
        slide = prs.slides.add_slide(blank)
        _title(slide, f"แนวปฏิบัติที่ดี ตัวชี้วัดที่ {ind.code}", ind.name)
        shown = ind.photos[:3]
        text_w = Inches(12.5) if not shown else Inches(5.2)
        _box(slide, Inches(0.4), Inches(2.0), text_w, Inches(4.8),
             [ind.good_practice or ind.result_text, f"ผู้รับผิดชอบ: {ind.owner}"], 20)
        for k, ev in enumerate(shown):
            if len(shown) == 1:
                _picture(slide, photos[ev.sha256], Inches(5.9), Inches(1.9), Inches(7.0), Inches(5.2))
            else:
                _picture(slide, photos[ev.sha256], Inches(5.9) + k % 2 * Inches(3.55), Inches(1.9) + k // 2 * Inches(2.7),
                         Inches(3.4), Inches(2.55))
    props = prs.core_properties
    moment = datetime(data.memo_date.year, data.memo_date.month, data.memo_date.day)
    props.title, props.author, props.last_modified_by = title_th(data), data.office_short_name, data.office_short_name
    props.created = props.modified = props.last_printed = moment
    props.revision = 1
    prs.save(str(path))
    stabilise_zip(path, data.memo_date)
    return path


def _policy_slide(slide, data: RoundData, policy: PolicyRow, chart: Path | None) -> None:
    """The policy's indicators as a table across the slide, its chart in the room below."""
    _title(slide, f"นโยบายที่ {policy.number} {policy.name}", SOURCE_TH.get(policy.source, policy.source))
    indicators = policy.indicators
    size = 16 if len(indicators) <= 3 else 14 if len(indicators) <= 4 else 12
    _, height = _table(slide, ["ตัวชี้วัด", "ค่าเป้าหมาย", "ผลการดำเนินงาน", "ผลการประเมิน"],
                       [[f"{i.code} {i.name}", target_th(i), result_th(i) if i.reported else "-",
                         achieved_th(i) if i.reported else "ยังไม่รายงาน"] for i in indicators],
                       [7.9, 1.6, 1.7, 1.5], Inches(0.3), Inches(1.7), size, [not i.reported for i in indicators])
    top = Inches(1.7) + height + Inches(0.15)
    if chart and SLIDE_H - top > Inches(1.5):
        _picture(slide, chart, Inches(0.3), top, Inches(12.7), SLIDE_H - top - Inches(0.15))


# --- workbook (xlsx) -----------------------------------------------------------------------


def write_workbook(data: RoundData, path: Path, layout: WorkbookLayout) -> Path:
    """One row per indicator, in the region's column order (``workbook.yaml``)."""
    wb = od.new_workbook(title_th(data), data.office_short_name)
    rows = []
    for policy in data.policies:
        for point in policy.points:
            for ind in point.indicators:
                values = {
                    "policy": f"{policy.number} {policy.name}",
                    "point": f"{policy.number}.{point.number} {point.name}",
                    "indicator_code": ind.code,
                    "indicator_name": ind.name,
                    "target": float(ind.target) if ind.target is not None else None,
                    "unit": ind.unit,
                    "result": float(ind.result) if ind.result is not None else None,
                    "achieved": achieved_th(ind),
                    "result_text": ind.result_text if ind.reported else NOT_REPORTED,
                    "problems": ind.problems,
                    "suggestions": ind.suggestions,
                    "good_practice": ind.good_practice,
                    "owner": ind.owner,
                    "evidence": "\n".join(e.filename for e in ind.evidence),
                    "source": SOURCE_TH.get(policy.source, policy.source),
                }
                rows.append([values[c.field] for c in layout.columns])
    formats = {i: "#,##0.##" for i, c in enumerate(layout.columns) if c.field in ("target", "result")}
    od.sheet(wb, layout.sheet, [c.header or FIELDS_TH[c.field] for c in layout.columns], rows,
             [c.width for c in layout.columns], formats)
    return od.save_xlsx(wb, path, data.memo_date)


__all__ = ["write_report", "write_slides", "write_workbook", "title_th"]
