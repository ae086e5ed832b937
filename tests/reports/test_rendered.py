"""Tests that look: every document the demo writes, rendered to PDF by LibreOffice as a person
would print it, then read back with poppler (pdfinfo, pdffonts, pdftohtml -xml, pdfimages).

Each document is written and rendered once per session; each test checks one thing across all
of them. Word documents are rendered with the system's fonts only, so a docx passes the font
check only if the font it embeds is used; workbooks and slides (formats that cannot carry a
font) are rendered with the shipped font standing in for TH Sarabun New (``fontfiles``).

What is checked, per document: paper size and orientation; every font embedded and one of the
shipped faces (no substitution); no text outside the printable area of the page; no table
header word broken across lines (pythainlp's word boundaries, with the domain's words added);
page counts within bounds for the demo; the sizes of body text; and for single documents what
the issue named: the memo's ที่ and signature block, slides' text size and full-size charts
and a problems-and-suggestions slide, workbooks' page headers, the annual report's whole year.
"""
from __future__ import annotations

import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tidtam.core.reports import fontfiles

from .conftest import cli, need_tool

pytestmark = pytest.mark.slow

CM = 72 / 2.54  # points per centimetre
A4 = (595.3, 841.9)
SLIDE = (960.0, 540.0)
OFFICE_MARGINS = {"left": 3.0, "right": 2.0, "top": 2.5, "bottom": 2.0}  # cm, docx pages
SHEET_MARGINS = {"left": 3.0, "right": 2.0, "top": 1.0, "bottom": 1.0}  # cm: xlsx page header/footer sit at 1 cm


@dataclass(frozen=True)
class Expect:
    """What a person should see of one document."""

    source: str  # path of the written file, relative to the session's folder
    size: tuple[float, float]  # page width × height in points
    margins: dict[str, float]  # cm; text must stay inside
    pages: tuple[int, int]  # the demo's page count: at least, at most
    body_pt: float | None = None  # the size most text is set in (docx)
    least_pt: float = 13.5  # no text smaller than this


DOCUMENTS = {
    "progress-docx": Expect("progress/รายงานความก้าวหน้า_2570Q1.docx", A4, OFFICE_MARGINS, (15, 30), body_pt=16),
    "progress-xlsx": Expect("progress/รายงานความก้าวหน้า_2570Q1.xlsx", A4[::-1], SHEET_MARGINS, (6, 40), least_pt=4),
    "annual-docx": Expect("annual/รายงานประจำปี_2570.docx", A4, OFFICE_MARGINS, (18, 34), body_pt=16),
    "emenscr-docx": Expect("emenscr/emenscr-2570Q1-สรุปการส่ง.docx", A4[::-1], OFFICE_MARGINS, (2, 8), body_pt=16),
    "emenscr-xlsx": Expect("emenscr/emenscr-2570Q1-สรุปการส่ง.xlsx", A4[::-1], SHEET_MARGINS, (1, 8), least_pt=4),
    "inspection-docx": Expect("inspection/inspection-2570R1-report.docx", A4, OFFICE_MARGINS, (7, 14), body_pt=16),
    "inspection-pptx": Expect("inspection/inspection-2570R1-slides.pptx", SLIDE, {k: 0.3 for k in OFFICE_MARGINS},
                              (14, 30), least_pt=28),
    "inspection-xlsx": Expect("inspection/inspection-2570R1-workbook.xlsx", A4[::-1], SHEET_MARGINS, (1, 6), least_pt=4),
    "emes-docx": Expect("emes/สรุปผลการรายงาน_E-MES_2570R1.docx", A4, OFFICE_MARGINS, (3, 8), body_pt=16),
    "template-xlsx": Expect("templates/progress_2570Q1_นางอัมพร_เตชะวงค์.xlsx", A4[::-1], SHEET_MARGINS, (1, 6), least_pt=4),
}
SHIPPED_FACES = {f"TidtamSarabun-{face}" for face in fontfiles.FACES.values()}


# --- writing the documents, as the demo does ---------------------------------------------


def _write_documents(folder: Path) -> None:
    url = f"sqlite:///{folder / 'demo.sqlite'}"

    def run(*args: str) -> None:
        result = cli(*args, db_url=url)
        assert result.exit_code == 0, result.output

    run("demo")
    run("report", "progress", "--period", "2570Q1", "--date", "2027-01-20", "--out", str(folder / "progress"))
    run("report", "annual", "--fy", "2570", "--date", "2027-10-20", "--out", str(folder / "annual"))
    run("templates", "make", "--period", "2570Q1", "--owner", "P017", "--out", str(folder / "templates"))
    from tidtam.demo.photos import attach

    attach(url)
    run("package", "inspection", "--round", "2570R1", "--date", "2027-03-20", "--allow-incomplete",
        "--out", str(folder / "inspection"))
    run("report", "emes", "--round", "2570R1", "--date", "2027-03-25", "--out", str(folder / "emes"))
    _ledger_as_a_push_leaves_it(url)
    run("report", "emenscr", "--period", "2570Q1", "--out", str(folder / "emenscr"))


def _ledger_as_a_push_leaves_it(url: str) -> None:
    """The Q1 reports sent to eMENSCR: most read back, two failed, one unknown (the summary's rows)."""
    from sqlalchemy import select

    from tidtam.core import models as m
    from tidtam.core.db import Database

    database = Database(url)
    with database.session(actor="test") as session:
        office = session.scalars(select(m.Office)).one()
        reports = session.scalars(select(m.ProjectProgress).join(m.Project).where(m.ProjectProgress.period == "2570Q1")
                                  .order_by(m.Project.code)).all()
        approval = m.Approval(office_id=office.id, target="emenscr", period="2570Q1", payload_set_hash="ab" * 32,
                              approved_by="ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา (สาธิต)",
                              approved_at=datetime(2027, 1, 14, 3, 0, tzinfo=timezone.utc))
        session.add(approval)
        session.flush()
        for n, report in enumerate(reports):
            state = {3: m.SubmissionState.FAILED, 11: m.SubmissionState.FAILED, 20: m.SubmissionState.UNKNOWN}.get(
                n, m.SubmissionState.SUBMITTED)
            sent = state == m.SubmissionState.SUBMITTED
            session.add(m.Submission(
                office_id=office.id, target="emenscr", period="2570Q1", record_key=f"project:{report.project.code}",
                action="progress", payload={}, payload_hash=f"{n:064d}", idempotency_key=f"i{n:063d}", state=state,
                attempts=1 if sent else 2, remote_id=f"{10001 + n}/Q1" if sent else None, approval_id=approval.id,
                submitted_at=datetime(2027, 1, 15, 2, n % 60, tzinfo=timezone.utc) if sent else None,
                submitted_by="officer", last_error=None if sent else "หน้าบันทึกไม่ตอบภายใน ๑๒๐ วินาที (รอกระทบยอด)"))
    database.dispose()


# --- rendering and reading back ----------------------------------------------------------


@dataclass
class Text:
    top: float
    left: float
    width: float
    height: float
    size: float
    bold: bool
    text: str

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass
class Page:
    width: float
    height: float
    texts: list[Text] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The page's text lines: elements side by side (each one's middle within the line's
        height, whatever their sizes) joined left to right."""
        rows: list[list[Text]] = []
        for t in sorted(self.texts, key=lambda t: t.top + t.height / 2):
            middle = t.top + t.height / 2
            if rows and rows[-1][0].top <= middle <= rows[-1][0].bottom:
                rows[-1].append(t)
            else:
                rows.append([t])
        return [" ".join(t.text for t in sorted(row, key=lambda t: t.left)) for row in rows]


@dataclass
class Rendered:
    key: str
    pdf: Path
    pages: list[Page]
    fonts: list[tuple[str, bool]]  # name without subset prefix, embedded

    def text(self) -> str:
        return "\n".join(line for page in self.pages for line in page.lines())


def _convert(sources: list[Path], out_dir: Path, fontconfig: Path) -> None:
    """One LibreOffice run for ``sources``, with its own profile and the given fontconfig."""
    env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig)}
    subprocess.run([need_tool("soffice"), f"-env:UserInstallation={(out_dir / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, sources)],
                   check=True, capture_output=True, timeout=600, env=env)


def _read(key: str, pdf: Path) -> Rendered:
    xml = subprocess.run([need_tool("pdftohtml"), "-xml", "-i", "-zoom", "1", "-stdout", str(pdf)],
                         check=True, capture_output=True, text=True).stdout
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xml))
    sizes = {spec.get("id"): float(spec.get("size")) for spec in root.iter("fontspec")}
    pages = []
    for page in root.iter("page"):
        current = Page(float(page.get("width")), float(page.get("height")))
        for element in page.iter("text"):
            text = "".join(element.itertext())
            if text.strip():
                current.texts.append(Text(*(float(element.get(k)) for k in ("top", "left", "width", "height")),
                                          sizes[element.get("font")], element.find("b") is not None, text))
        pages.append(current)
    listing = subprocess.run([need_tool("pdffonts"), str(pdf)], check=True, capture_output=True, text=True).stdout
    fonts = [(row.split()[0].split("+")[-1], " yes " in f" {row} ") for row in listing.splitlines()[2:]]
    return Rendered(key, pdf, pages, fonts)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, Rendered]:
    folder = tmp_path_factory.mktemp("documents")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIDTAM_DATA_DIR", str(folder / "data"))
        mp.setenv("TIDTAM_PLUGINS", "emenscr,emes,inspection")
        mp.delenv("TIDTAM_CONFIG_DIR", raising=False)
        _write_documents(folder)
    system_only = fontfiles.fontconfig_file(folder / "fc-system", with_office_font=False)
    office_font = fontfiles.fontconfig_file(folder / "fc-office")
    out = {}
    for kind, conf in (("docx", system_only), ("xlsx", office_font), ("pptx", office_font)):
        keys = [k for k in DOCUMENTS if k.endswith(kind)]
        _convert([folder / DOCUMENTS[k].source for k in keys], folder / f"pdf-{kind}", conf)
        for k in keys:
            pdf = folder / f"pdf-{kind}" / f"{Path(DOCUMENTS[k].source).stem}.pdf"
            assert pdf.is_file(), f"LibreOffice made no PDF of {DOCUMENTS[k].source}"
            out[k] = _read(k, pdf)
    return out


def each_document():
    return pytest.mark.parametrize("key", list(DOCUMENTS))


# --- every document ----------------------------------------------------------------------


@each_document()
def test_paper_size_and_orientation(rendered, key):
    width, height = DOCUMENTS[key].size
    for number, page in enumerate(rendered[key].pages, 1):
        assert abs(page.width - width) < 2 and abs(page.height - height) < 2, (
            f"{key} page {number}: {page.width:.0f}×{page.height:.0f} pt, expected {width:.0f}×{height:.0f}")


@each_document()
def test_every_font_is_a_shipped_face_and_embedded(rendered, key):
    fonts = rendered[key].fonts
    assert fonts, f"{key}: the PDF has no fonts"
    assert all(embedded for _, embedded in fonts), f"{key}: a font is not embedded: {fonts}"
    assert {name for name, _ in fonts} <= SHIPPED_FACES, f"{key}: substituted fonts: {fonts}"


@each_document()
def test_no_text_outside_the_printable_area(rendered, key):
    margins = {side: cm * CM for side, cm in DOCUMENTS[key].margins.items()}

    def slack(t: Text) -> float:  # pdftohtml rounds to whole points, and its box reaches the font's
        return 1.5 + 0.12 * t.size  # highest mark, a little above the line LibreOffice lays out

    outside = [f"page {n}: {t.text!r} at {t.left:.0f},{t.top:.0f}–{t.right:.0f},{t.bottom:.0f}"
               for n, page in enumerate(rendered[key].pages, 1) for t in page.texts
               if t.left < margins["left"] - slack(t) or t.right > page.width - margins["right"] + slack(t)
               or t.top < margins["top"] - slack(t) or t.bottom > page.height - margins["bottom"] + slack(t)]
    assert not outside, f"{key}: text outside the printable area:\n" + "\n".join(outside[:10])


@each_document()
def test_page_count_is_within_bounds_for_the_demo(rendered, key):
    least, most = DOCUMENTS[key].pages
    assert least <= len(rendered[key].pages) <= most, f"{key}: {len(rendered[key].pages)} pages, expected {least}–{most}"


@each_document()
def test_text_sizes(rendered, key):
    expect = DOCUMENTS[key]
    texts = [t for page in rendered[key].pages for t in page.texts]
    smallest = min(texts, key=lambda t: t.size)
    assert smallest.size >= expect.least_pt, f"{key}: {smallest.text!r} is {smallest.size} pt"
    if expect.body_pt:  # prose: lines that run across most of the text width (table cells do not)
        margins = expect.margins
        prose = Counter(round(t.size) for page in rendered[key].pages for t in page.texts
                        if not t.bold and t.width > 0.7 * (page.width - (margins["left"] + margins["right"]) * CM))
        assert prose.most_common(1)[0][0] == expect.body_pt, f"{key}: full-width lines by size {prose.most_common(4)}"


# --- table headers: no word broken across lines --------------------------------------------

DOMAIN_WORDS = {"ตัวชี้วัด", "ตัวบ่งชี้", "เบิกจ่าย", "ผลการดำเนินงาน", "ค่าเป้าหมาย", "งบประมาณ", "ผู้รับผิดชอบ",
                "โครงการ", "รายงาน", "กิจกรรม", "ถึงกำหนด", "ยังไม่", "การประเมิน", "วัดผล", "ร้อยละ"}


def _boundaries(word: str) -> set[int]:
    """Where a line may break inside ``word``: between its Thai words (pythainlp with the
    domain's words added, so "ตัวชี้วัด" counts as one)."""
    from pythainlp.corpus import thai_words
    from pythainlp.tokenize import word_tokenize
    from pythainlp.util import dict_trie

    trie = _boundaries.__dict__.setdefault("trie", None) or dict_trie(set(thai_words()) | DOMAIN_WORDS)
    _boundaries.trie = trie
    cuts, at = set(), 0
    for token in word_tokenize(word, custom_dict=trie, engine="newmm", keep_whitespace=False):
        at += len(token)
        cuts.add(at)
    return cuts


def _extracted(text: str) -> str:
    """LibreOffice's PDFs map the sara am cluster as "ำา": read it back as "ำ"."""
    return text.replace("\u0e33\u0e32", "\u0e33")


def header_breaks(page: Page) -> list[str]:
    """Line breaks inside a word in bold text stacked in a narrow column (a table header cell):
    the last word of a line and the first of the line below, when joined, must break between
    two words of the joined text."""
    bold = sorted((t for t in page.texts if t.bold and t.width < page.width * 0.4), key=lambda t: (t.top, t.left))
    broken = []
    for upper in bold:
        below = [t for t in bold if 0 < t.top - upper.top <= 1.6 * upper.height
                 and t.left < upper.right and upper.left < t.right]
        for lower in below[:1]:
            head, tail = _extracted(upper.text).split()[-1], _extracted(lower.text).split()[0]
            joined = head + tail
            if re.search("[\u0e01-\u0e4e]", joined) and len(head) not in _boundaries(joined):
                broken.append(f"{head}/{tail}")
    return broken


@each_document()
def test_no_table_header_word_is_broken_across_lines(rendered, key):
    found = [f"page {n}: {b}" for n, page in enumerate(rendered[key].pages, 1) for b in header_breaks(page)]
    assert not found, f"{key}: header words broken:\n" + "\n".join(found[:10])


def test_the_break_check_finds_a_word_broken_inside_and_passes_one_broken_between_words():
    def page(*lines: str) -> Page:
        return Page(595, 842, [Text(100 + 18 * i, 100, 40, 18, 14, True, line) for i, line in enumerate(lines)])

    assert header_breaks(page("โครง", "การ")) == ["โครง/การ"]
    assert header_breaks(page("ตัวบ่ง", "ชี้")) == ["ตัวบ่ง/ชี้"]
    assert header_breaks(page("รายง", "าน")) == ["รายง/าน"]
    assert header_breaks(page("ผลการ", "ประเมิน")) == ["ผลการ/ประเมิน"]  # one word in the dictionary
    assert header_breaks(page("งบประมาณ", "(บาท)")) == []
    assert header_breaks(page("เบิกจ่าย", "สะสม")) == []


# --- what the issue named, document by document --------------------------------------------


def _squash(text: str) -> str:
    """For comparing Thai read back from the PDF: LibreOffice's PDFs read sara aa in the regular
    face back as a space, so both sides drop it and the spaces."""
    return re.sub(r"[\s\u0e32]", "", _extracted(text))


def test_the_memo_is_complete_and_its_signature_block_does_not_wrap(rendered):
    memo = rendered["inspection-docx"].pages[0].lines()
    assert _squash(memo[0]) == _squash("บันทึกข้อความ")
    number = next(line for line in memo if line.startswith("ที่"))
    assert "ศธ" in number and "วันที่" in number, number  # ที่ from config, วันที่ on the same line
    for label in ("ส่วนราชการ", "เรื่อง", "เรียน"):
        assert any(line.startswith(label) for line in memo), label
    director, position = memo[-2], memo[-1]
    assert _squash(director) == _squash("(ดร.สุรเชษฐ์ วงศ์ดอยคำ)"), director
    assert _squash(position) == _squash("ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาเวียงดอยคำ เขต ๒"), position


def test_slides_have_full_size_charts_and_problems_and_suggestions(rendered):
    slides = rendered["inspection-pptx"]
    titles = [page.lines()[0] for page in slides.pages]
    assert any(_squash("ปัญหาอุปสรรคและข้อเสนอแนะ") in _squash(t) for t in titles), titles
    chart_pages = [n for n, t in enumerate(titles, 1) if _squash("ค่าเป้าหมายและผลการดำเนินงาน") in _squash(t)]
    assert chart_pages
    listing = subprocess.run([need_tool("pdfimages"), "-list", str(slides.pdf)], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
    widest: dict[int, float] = {}
    for row in listing:
        cells = row.split()
        if cells[2] == "image":  # width in pixels / x-ppi = inches on the slide
            widest[int(cells[0])] = max(widest.get(int(cells[0]), 0), int(cells[3]) / float(cells[12]))
    small = {n: widest.get(n, 0) for n in chart_pages if widest.get(n, 0) < 11.0}
    assert not small, f"charts narrower than 11 of the slide's 13.3 inches: {small}"


def test_workbooks_print_a_page_header_or_footer_on_every_page(rendered):
    for key, marker in (("progress-xlsx", "รายงานความก้าวหน้า"), ("inspection-xlsx", "รายงานผลการตรวจราชการ"),
                        ("emenscr-xlsx", "หน้า"), ("template-xlsx", "หน้า")):
        for n, page in enumerate(rendered[key].pages, 1):
            assert any(_squash(marker) in _squash(line) for line in page.lines()), f"{key} page {n}"


def test_the_annual_report_covers_the_whole_year(rendered):
    text = _squash(rendered["annual-docx"].text())
    assert _squash("ยังไม่มีรายงาน") not in text  # every quarter has its disbursement
    assert _squash("ร่าง ข้อมูล ณ วันที่") not in text  # dated after the year ended
    for words in ("ไตรมาสที่ ๔", "รอบที่ ๒", "ส่วนที่ ๖ งบประมาณ",
                  "ครบทั้ง ๔ ไตรมาส"):  # E-MES round 2's narrative of indicator 1.1: the year's end
        assert _squash(words) in text, words
