"""The three documents of an inspection package: the report (docx), the inspector's slides
(pptx) and the region's workbook (xlsx). Each writer takes ``RoundData`` and the prepared
images (charts and photos, see ``package.py``) and writes one file, stable byte for byte.

All three follow the office style of ``core.reports.officedoc``: the report opens with a
complete memo (บันทึกข้อความ) as the ระเบียบงานสารบรรณ lays it out; the slides are for a room
(text of 28 pt or more in the office font, whose 28 pt reads like 18 pt of a common font; one
topic per slide, a chart on a slide of its own); units stand where Thai puts them
("ร้อยละ ๗๕", "๑๘๖ คน"); file names keep the digits they have on disk and in the zip.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from docx.shared import Cm
from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn as pqn
from pptx.util import Emu, Inches, Pt

from tidtam.core.reports import officedoc as od
from tidtam.core.reports.output import stabilise_zip
from tidtam.core.thai import thai_date, to_thai_digits, with_unit

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
    return "-" if ind.target is None else with_unit(number_th(ind.target), ind.unit)


def result_th(ind: IndicatorRow) -> str:
    if not ind.reported:
        return NOT_REPORTED
    return "-" if ind.result is None else with_unit(number_th(ind.result), ind.unit)


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

MEMO_TITLE_PT = 29  # "บันทึกข้อความ", as the ระเบียบงานสารบรรณ sets it
MEMO_LABEL_PT = 20  # ส่วนราชการ ที่ วันที่ เรื่อง
DATE_TAB_CM = 8.0  # "วันที่" starts half way across the text, on the line of "ที่"


def _labelled(doc, label: str, text: str, *, size: float | None = None, label_size: float | None = None,
              indent_first: bool = False, thai_digits: bool = True):
    """A paragraph "<bold label> text", as memo headers and report fields are written."""
    paragraph = od.para(doc, label, bold=True, size=label_size or size, indent_first=indent_first)
    run = paragraph.add_run(f"  {to_thai_digits(text) if thai_digits else text}")
    od.set_fonts(run, size)
    return paragraph


def _number_and_date(doc, number: str, date_text: str) -> None:
    """ "ที่ ศธ ๐๔๙๙๙/ ... วันที่ ๒๐ มีนาคม ๒๕๗๐" on one line, วันที่ at a tab stop."""
    paragraph = _labelled(doc, "ที่", number, label_size=MEMO_LABEL_PT)
    paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(DATE_TAB_CM))
    od.set_fonts(paragraph.add_run("\t"), None)
    od.set_fonts(paragraph.add_run("วันที่"), MEMO_LABEL_PT, bold=True)
    od.set_fonts(paragraph.add_run(f"  {to_thai_digits(date_text)}"), None)


def _signature(doc, name: str, position: str) -> None:
    """Room to sign, then the name in parentheses and the position, centred on the right half
    of the page, or further left when the position is long, so no line wraps; kept on one page."""
    lines = [f"({name})", position]
    widest = max(od.text_cm(to_thai_digits(line), od.BODY_PT) for line in lines) + 0.5
    room = od.text_width_cm(doc)
    indent = max(0.0, min(room / 2 - 1.0, room - widest))
    for text in ["", "", "", *lines]:
        paragraph = od.para(doc, text, align=od.CENTER)
        paragraph.paragraph_format.left_indent = Cm(indent)
        od.keep_together(paragraph)


def _memo(doc, data: RoundData, doc_no: str) -> None:
    od.title(doc, "บันทึกข้อความ", size=MEMO_TITLE_PT)
    _labelled(doc, "ส่วนราชการ", f"{UNIT_GROUP} {data.office_short_name} โทร. {data.office_phone}".strip(),
              label_size=MEMO_LABEL_PT)
    _number_and_date(doc, doc_no, thai_date(data.memo_date, full=True))
    _labelled(doc, "เรื่อง", title_th(data), label_size=MEMO_LABEL_PT)
    od.para(doc)
    _labelled(doc, "เรียน", addressee(data.region_office))
    total = counts(data.indicators)
    od.para(doc, (
        f"ตามที่{data.region_office} ได้แจ้งให้สำนักงานเขตพื้นที่การศึกษารายงานผลการดำเนินงานตามประเด็น"
        f"การตรวจราชการ กรณีปกติ {data.round_th()} นั้น"), indent_first=True)
    summary = (f"{data.office_name} ได้รวบรวมผลการดำเนินงานตามนโยบาย จำนวน {len(data.policies)} นโยบาย "
               f"ตัวชี้วัด จำนวน {total['all']} ตัวชี้วัด เรียบร้อยแล้ว บรรลุค่าเป้าหมาย {total['achieved']} ตัวชี้วัด "
               f"ไม่บรรลุค่าเป้าหมาย {total['not_achieved']} ตัวชี้วัด ไม่มีค่าเป้าหมายเชิงปริมาณ {total['no_target']} ตัวชี้วัด")
    if total["missing"]:
        summary += f" และยังไม่ได้รับรายงานผล {total['missing']} ตัวชี้วัด"
    od.para(doc, summary + " รายละเอียดตามเอกสารที่แนบ", indent_first=True)
    od.para(doc, "จึงเรียนมาเพื่อโปรดทราบ", indent_first=True)
    if data.director_name:
        _signature(doc, data.director_name, data.director_position)


def write_report(data: RoundData, path: Path, photos: dict[str, Path], doc_no: str = "") -> Path:
    """The memo to the regional office, then the results per policy, point and indicator.
    ``doc_no`` is the memo's number (ที่): the office's prefix from config, or a whole number."""
    doc = od.new_document(title=title_th(data), author=data.office_short_name)
    _memo(doc, data, doc_no)
    od.page_break(doc)

    od.title(doc, "ผลการดำเนินงานตามประเด็นการตรวจราชการ")
    od.title(doc, f"กรณีปกติ {data.round_th()}", size=od.HEADING_PT[1])
    od.para(doc, data.office_name, align=od.CENTER)
    figure = 0
    for policy in data.policies:
        od.heading(doc, f"นโยบายที่ {policy.number} {policy.name}", 1)
        od.para(doc, f"({SOURCE_TH.get(policy.source, policy.source)})")
        for point in policy.points:
            od.heading(doc, f"ประเด็นการตรวจราชการที่ {policy.number}.{point.number} {point.name}", 2)
            od.table(doc, ["ตัวชี้วัด", "ค่าเป้าหมาย", "ผลการดำเนินงาน", "ผลการประเมิน"],
                     [[f"{i.code} {i.name}", target_th(i), result_th(i), achieved_th(i)] for i in point.indicators],
                     align=[od.LEFT, od.CENTER, od.CENTER, od.CENTER])
            for ind in point.indicators:
                figure = _indicator_detail(doc, ind, photos, figure)
    return od.save_docx(doc, path, data.memo_date)


def _indicator_detail(doc, ind: IndicatorRow, photos: dict[str, Path], figure: int) -> int:
    """One indicator's narrative, problems, suggestions, photos and files; returns the last figure number."""
    od.heading(doc, f"ตัวชี้วัดที่ {ind.code} {ind.name}", 3)
    if not ind.reported:
        od.para(doc, f"{NOT_REPORTED} (ผู้รับผิดชอบ: {ind.owner or '-'})")
        return figure
    _labelled(doc, "ผลการดำเนินการ", ind.result_text, indent_first=True)
    _labelled(doc, "ปัญหาอุปสรรค", ind.problems or "-", indent_first=True)
    _labelled(doc, "ข้อเสนอแนะ", ind.suggestions or "-", indent_first=True)
    if ind.good_practice:
        _labelled(doc, "แนวปฏิบัติที่ดี", ind.good_practice, indent_first=True)
    for ev in ind.photos[:3]:
        figure += 1
        od.picture(doc, photos[ev.sha256], 9, f"ภาพที่ {figure} แนวปฏิบัติที่ดี ตัวชี้วัดที่ {ind.code}")
    _labelled(doc, "ผู้รับผิดชอบ", f"{ind.owner} {ind.owner_position}".strip() or "-")
    if ind.evidence:  # as named in the evidence zip, folder and digits included
        _labelled(doc, "ไฟล์หลักฐาน", ", ".join(f"{ind.code}/{e.filename}" for e in ind.evidence),
                  thai_digits=False)
    return figure


# --- slides (pptx) -------------------------------------------------------------------------

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
NAVY = RGBColor(0x2C, 0x4A, 0x7C)
HEADER_FILL = RGBColor(0xDC, 0xE3, 0xEE)
MISS_FILL = RGBColor(0xFB, 0xE3, 0xE0)
WHITE, INK = RGBColor(0xFF, 0xFF, 0xFF), RGBColor(0x22, 0x22, 0x22)
TEXT_PT = 28  # the least on a slide: the office font's 28 pt reads like 18 pt of a common font
TITLE_PT = 40
MARGIN = Inches(0.4)
BODY_TOP = Inches(1.35)  # below the title band
BODY_H = SLIDE_H - BODY_TOP - Inches(0.3)
BODY_W = SLIDE_W - 2 * MARGIN


def _font(run, size: float, bold: bool = False, color: RGBColor | None = None) -> None:
    """The office font by name for Latin *and* complex script (Thai), and Thai as the language:
    a pptx cannot carry its font, and every government computer has TH Sarabun New."""
    run.font.name = od.FONT_BY_NAME
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
        element.set("typeface", od.FONT_BY_NAME)


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


def _title(slide, text: str) -> None:
    band = slide.shapes.add_shape(1, 0, 0, SLIDE_W, Inches(1.2))  # 1 = rectangle
    band.fill.solid()
    band.fill.fore_color.rgb = NAVY
    band.line.fill.background()
    frame = band.text_frame
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame.margin_left = frame.margin_right = MARGIN
    _text(frame, text, TITLE_PT, bold=True, color=WHITE)


def _lines(text: str, width_in: float, size: float) -> int:
    """Lines ``text`` takes in a box ``width_in`` wide, wrapped between Thai words."""
    return sum(od.lines_needed(part, (width_in - 0.12) * 2.54, size) for part in str(text).split("\n"))


def _line_in(size: float) -> float:
    return size * od.LINE_EM * 1.08 / 72  # LibreOffice leaves a little more than the font's spacing


def _row_heights(headers, rows, widths_in, size) -> list[float]:
    return [max(_lines(v, w, size) for v, w in zip(values, widths_in)) * _line_in(size) + 0.12
            for values in [headers, *rows]]


def _table(slide, headers: list[str], rows: list[list[str]], widths_in: list[float], left, top, size: float,
           missing: list[bool] | None = None):
    """A table whose rows are as tall as their text (LibreOffice does not grow a pptx row)."""
    heights = _row_heights(headers, rows, widths_in, size)
    table = slide.shapes.add_table(len(rows) + 1, len(headers), left, top, Inches(sum(widths_in)),
                                   Inches(sum(heights))).table
    for column, width in enumerate(widths_in):
        table.columns[column].width = Inches(width)
    for r, values in enumerate([headers, *rows]):
        table.rows[r].height = Inches(heights[r])
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(0.06)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            _text(cell.text_frame, str(value).split("\n"), size, bold=r == 0,
                  align=PP_ALIGN.LEFT if c == 0 and r else PP_ALIGN.CENTER, color=INK)
            cell.fill.solid()
            cell.fill.fore_color.rgb = HEADER_FILL if r == 0 else (
                MISS_FILL if missing and missing[r - 1] else WHITE)


def _pages(heights: list[float], room: float) -> list[list[int]]:
    """Row indexes per slide: as many rows as fit under the header row."""
    pages, used = [[]], 0.0
    for index, height in enumerate(heights):
        if pages[-1] and used + height > room:
            pages.append([])
            used = 0.0
        pages[-1].append(index)
        used += height
    return pages


def _picture(slide, path: Path, left, top, max_w, max_h):
    from PIL import Image

    with Image.open(path) as image:
        w, h = image.size
    scale = min(max_w / w, max_h / h)
    width, height = int(w * scale), int(h * scale)
    return slide.shapes.add_picture(str(path), left + (max_w - width) // 2, top + (max_h - height) // 2,
                                    Emu(width), Emu(height))


def write_slides(data: RoundData, path: Path, charts: dict[int, Path], photos: dict[str, Path]) -> Path:
    """Title, overview, per policy its indicators (as many slides as the table needs) and its
    chart, problems and suggestions per policy, and good practices with photos."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    blank = prs.slide_layouts[6]
    _title_slide(prs.slides.add_slide(blank), data)
    _overview_slide(prs, blank, data)
    for policy in data.policies:
        _policy_slides(prs, blank, policy)
        if policy.number in charts:
            slide = prs.slides.add_slide(blank)
            _title(slide, f"นโยบายที่ {policy.number} ค่าเป้าหมายและผลการดำเนินงาน (ร้อยละ)")
            _picture(slide, charts[policy.number], MARGIN, BODY_TOP, BODY_W, BODY_H)
    for policy in data.policies:
        _problem_slides(prs, blank, policy)
    for ind in [i for i in data.indicators if i.reported and (i.good_practice or i.photos)]:
        _practice_slide(prs.slides.add_slide(blank), ind, photos)
    props = prs.core_properties
    moment = datetime(data.memo_date.year, data.memo_date.month, data.memo_date.day)
    props.title, props.author, props.last_modified_by = title_th(data), data.office_short_name, data.office_short_name
    props.created = props.modified = props.last_printed = moment
    props.revision = 1
    prs.save(str(path))
    stabilise_zip(path, data.memo_date)
    return path


def _title_slide(slide, data: RoundData) -> None:
    band = slide.shapes.add_shape(1, 0, Inches(1.9), SLIDE_W, Inches(2.9))
    band.fill.solid()
    band.fill.fore_color.rgb = NAVY
    band.line.fill.background()
    band.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    _text(band.text_frame, [title_th(data).replace(f" {data.round_th()}", ""), data.round_th()], 44, bold=True,
          align=PP_ALIGN.CENTER, color=WHITE)
    _box(slide, MARGIN, Inches(5.0), BODY_W, Inches(2.2),
         [data.office_name, f"นำเสนอผู้ตรวจราชการ {data.region_office}",
          thai_date(data.memo_date, full=True)], 32, align=PP_ALIGN.CENTER, color=NAVY)


OVERVIEW_HEADERS = ["นโยบาย", "ตัวชี้วัด", "บรรลุ", "ไม่บรรลุ", "ไม่มี\nค่าเป้าหมาย", "ยังไม่\nรายงาน"]
OVERVIEW_WIDTHS = [6.0, 1.35, 1.1, 1.3, 1.55, 1.25]


def _overview_slide(prs, blank, data: RoundData) -> None:
    rows, missing = [], []
    for policy in data.policies:
        c = counts(policy.indicators)
        rows.append([f"{policy.number}. {policy.name}", *(str(c[k]) for k in ("all", "achieved", "not_achieved",
                                                                                       "no_target", "missing"))])
        missing.append(c["missing"] > 0)
    _paged_table(prs, blank, "ภาพรวมผลการดำเนินงานตามนโยบาย", OVERVIEW_HEADERS, rows, OVERVIEW_WIDTHS, missing)


def _paged_table(prs, blank, title: str, headers, rows, widths, missing) -> None:
    """A table on as many slides as its rows need at the slides' text size, the header on each."""
    heights = _row_heights(headers, rows, widths, TEXT_PT)
    pages = _pages(heights[1:], BODY_H / 914400 - heights[0])
    for number, page in enumerate(pages, 1):
        slide = prs.slides.add_slide(blank)
        _title(slide, title + (f" ({number}/{len(pages)})" if len(pages) > 1 else ""))
        _table(slide, headers, [rows[i] for i in page], widths, MARGIN, BODY_TOP, TEXT_PT, [missing[i] for i in page])


INDICATOR_HEADERS = ["ตัวชี้วัด", "ค่าเป้าหมาย", "ผลการดำเนินงาน", "ผลการประเมิน"]
INDICATOR_WIDTHS = [6.55, 1.75, 2.15, 1.85]


def _policy_slides(prs, blank, policy: PolicyRow) -> None:
    rows = [[f"{i.code} {i.name}", target_th(i), result_th(i) if i.reported else "-",
             achieved_th(i) if i.reported else "ยังไม่รายงาน"] for i in policy.indicators]
    _paged_table(prs, blank, f"นโยบายที่ {policy.number} {policy.name}", INDICATOR_HEADERS, rows, INDICATOR_WIDTHS,
                 [not i.reported for i in policy.indicators])


def _problem_slides(prs, blank, policy: PolicyRow) -> None:
    """ปัญหาอุปสรรคและข้อเสนอแนะ of the policy's indicators, a slide per as many as fit."""
    blocks = [[f"ตัวชี้วัดที่ {i.code}", f"ปัญหาอุปสรรค: {i.problems or '-'}", f"ข้อเสนอแนะ: {i.suggestions or '-'}"]
              for i in policy.indicators if i.reported and (i.problems or i.suggestions)]
    if not blocks:
        return
    width = BODY_W / 914400
    heights = [sum(_lines(line, width, TEXT_PT) for line in block) * _line_in(TEXT_PT) + TEXT_PT / 144 for block in blocks]
    pages = _pages(heights, BODY_H / 914400)
    for number, page in enumerate(pages, 1):
        slide = prs.slides.add_slide(blank)
        more = f" ({number}/{len(pages)})" if len(pages) > 1 else ""
        _title(slide, f"ปัญหาอุปสรรคและข้อเสนอแนะ นโยบายที่ {policy.number}{more}")
        frame = _box(slide, MARGIN, BODY_TOP, BODY_W, BODY_H, [], TEXT_PT).text_frame
        first = True
        for index in page:
            for k, line in enumerate(blocks[index]):
                paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
                if k == 0 and not first:
                    paragraph.space_before = Pt(TEXT_PT / 2)
                first = False
                _font(_run(paragraph, to_thai_digits(line)), TEXT_PT, bold=k == 0, color=NAVY if k == 0 else INK)


def _practice_slide(slide, ind: IndicatorRow, photos: dict[str, Path]) -> None:
    _title(slide, f"แนวปฏิบัติที่ดี ตัวชี้วัดที่ {ind.code}")
    shown = ind.photos[:3]
    text_w = BODY_W if not shown else Inches(5.6)
    _box(slide, MARGIN, BODY_TOP, text_w, BODY_H, [ind.good_practice or ind.result_text, f"ผู้รับผิดชอบ: {ind.owner}"],
         TEXT_PT)
    left = MARGIN + Inches(5.8)
    room_w = SLIDE_W - left - MARGIN
    for k, ev in enumerate(shown):
        if len(shown) == 1:
            _picture(slide, photos[ev.sha256], left, BODY_TOP, room_w, BODY_H)
        else:
            half_w, half_h = (room_w - Inches(0.15)) // 2, (BODY_H - Inches(0.15)) // 2
            _picture(slide, photos[ev.sha256], left + k % 2 * (half_w + Inches(0.15)),
                     BODY_TOP + k // 2 * (half_h + Inches(0.15)), half_w, half_h)


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
             [c.width for c in layout.columns], formats, print_title=title_th(data))
    return od.save_xlsx(wb, path, data.memo_date)


__all__ = ["write_report", "write_slides", "write_workbook", "title_th"]
