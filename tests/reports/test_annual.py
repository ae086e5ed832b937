"""`report annual`: the foreword config and its errors, the content of the docx and of the
website folder, the docx in LibreOffice, and the website in headless Chromium."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from docx import Document

from tidtam.cli_errors import ExitCode
from tidtam.core.config import ConfigError
from tidtam.core.office_data import DEMO_DIR
from tidtam.core.reports import annual
from tidtam.core.settings import PACKAGE_ROOT
from tidtam.core.thai import to_thai_digits

from .conftest import cli, need_tool, pdf_font_names, pdf_text, thai_font_families, to_pdf
from .test_progress import digest, docx_text

ANNUAL_DATE = "2027-10-15"
TITLE = "รายงานผลการดำเนินงาน ประจำปีงบประมาณ พ.ศ. ๒๕๗๐"
# Core's four parts and the two the E-MES and inspection plugins add, numbered in their order.
PARTS = ("ส่วนที่ ๑ ข้อมูลพื้นฐาน", "ส่วนที่ ๒ ผลการดำเนินงานตามกลยุทธ์", "ส่วนที่ ๓ โครงการตามแผนปฏิบัติราชการ",
         "ส่วนที่ ๔ ผลการติดตาม ประเมินผลการบริหารและการจัดการศึกษา (E-MES)", "ส่วนที่ ๕ ผลการตรวจราชการ",
         "ส่วนที่ ๖ งบประมาณ")


def make_annual(db_url: str, out: Path) -> Path:
    result = cli("report", "annual", "--fy", "2570", "--date", ANNUAL_DATE, "--out", str(out), db_url=db_url)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def annual_dir(demo_sqlite, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIDTAM_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        return make_annual(demo_sqlite, tmp_path_factory.mktemp("annual") / "report")


def demo(name: str):
    return yaml.safe_load((DEMO_DIR / name).read_text(encoding="utf-8"))


# --- config -----------------------------------------------------------------------------------


def test_foreword_config_errors_name_file_and_key(tmp_path, demo_sqlite, monkeypatch):
    config = tmp_path / "config"
    import shutil

    shutil.copytree(PACKAGE_ROOT / "config", config)
    path = config / "annual_report.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["foreword"]["paragraph"] = data["foreword"].pop("paragraphs")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        annual.load_settings(config)
    message = str(caught.value)
    assert f"{path} › foreword.paragraphs: ต้องระบุค่านี้" in message
    assert f"{path} › foreword.paragraph: ไม่รู้จักคีย์นี้" in message

    data["foreword"]["paragraphs"] = ["   "]
    del data["foreword"]["paragraph"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(config))
    result = cli("report", "annual", "--fy", "2570", "--out", str(tmp_path / "out"), db_url=demo_sqlite)
    assert result.exit_code == ExitCode.BAD_DATA
    assert f"{path} › foreword.paragraphs: ต้องมีคำนำอย่างน้อยหนึ่งย่อหน้า" in result.output
    assert not (tmp_path / "out").exists()


# --- content, on both databases -------------------------------------------------------------


def test_annual_docx_and_website_content(db_url, tmp_path):
    assert cli("demo", db_url=db_url).exit_code == 0
    out = make_annual(db_url, tmp_path / "annual")
    settings = annual.load_settings()
    office = demo("office.yaml")["office"]
    emes_results = demo("emes_results_2570R2.yaml")["results"]  # the year's latest round
    inspection = demo("inspection_results_2570R2.yaml")["results"]

    text = docx_text(out / "รายงานประจำปี_2570.docx")
    foreword = to_thai_digits(settings.foreword.paragraphs[0].replace("{fy}", "2570"))
    expected = [TITLE.split(" ประจำ")[0], "ประจำปีงบประมาณ พ.ศ. ๒๕๗๐", foreword, "สารบัญ", *PARTS,
                to_thai_digits(office["name"]), "แผนภูมิที่ ๔"]
    for part in expected:
        assert part in text, part
    # E-MES: a reported indicator's level and narrative; inspection: a result against its target.
    first = emes_results[0]
    assert to_thai_digits(first["narrative"][:40]) in text
    assert "ร้อยละ ๗๖.๔" in text and "ร้อยละ ๗๕.๐" in text  # indicator 1.1: 76.4 against 75, the unit first
    assert to_thai_digits(inspection[0]["good_practice"]) in text
    doc = Document(str(out / "รายงานประจำปี_2570.docx"))
    assert len(doc.inline_shapes) == 4  # the four charts

    site = out / "website"
    html = (site / "index.html").read_text(encoding="utf-8")
    for part in [TITLE, foreword, *PARTS, to_thai_digits(office["name"])]:
        assert part in html, part
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all("://" not in s and (site / s.split("#")[0]).is_file() for s in sources if not s.startswith("#"))
    assert (site / "annual-report-2570.docx").read_bytes() == (out / "รายงานประจำปี_2570.docx").read_bytes()
    assert len(list((site / "images").glob("*.svg"))) == 4


def test_annual_same_data_same_files(annual_dir, demo_sqlite, tmp_path):
    again = make_annual(demo_sqlite, tmp_path / "again")
    assert digest(again) == digest(annual_dir)


# --- as a person sees it -------------------------------------------------------------------


def test_annual_docx_renders_in_libreoffice_with_thai_glyphs(annual_dir, tmp_path):
    pdf = to_pdf(annual_dir / "รายงานประจำปี_2570.docx", tmp_path)
    text = pdf_text(pdf)
    for expected in ("รายงานผลการดำเนินงาน", "สารบัญ", "ข้อมูลพื้นฐาน", "ผลการตรวจราชการ", "แผนภูมิที่"):
        assert expected in text, expected
    fonts = pdf_font_names(pdf)
    thai = thai_font_families(tmp_path)
    assert fonts and all(name.split("-")[0] in thai for name in fonts), f"a font without Thai: {fonts}"


@pytest.mark.browser
def test_website_opens_in_chromium_and_draws_thai(annual_dir, tmp_path):
    need_tool("chromium")
    from playwright.sync_api import sync_playwright

    shot = tmp_path / "index.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.goto((annual_dir / "website" / "index.html").as_uri())
            assert page.title().startswith(TITLE)
            assert page.inner_text("#title") == TITLE
            broken = page.eval_on_selector_all("img", "imgs => imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
            assert page.locator("img").count() == 4 and broken == []
            used = _fonts_drawing(page, "#title") + _fonts_drawing(page, "#foreword p")
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    thai = thai_font_families(tmp_path)
    assert used and all(name.replace(" ", "") in thai for name in used), f"Chromium drew Thai with {used}"
    assert shot.stat().st_size > 20_000  # a page of text, not a blank one


def _fonts_drawing(page, selector: str) -> list[str]:
    """Families Chromium actually used for the node's glyphs (DevTools CSS.getPlatformFontsForNode)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [f["familyName"] for f in fonts if f["glyphCount"] > 0]
