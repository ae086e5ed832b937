"""What a target needs besides the push comes from its plugin: an intake workbook (hook
``register_intake``) and a part of the annual report (``annual_report_sections``). A third-party
plugin installed by entry point adds a workbook that is made and imported without a change to core
or the CLI; without the E-MES and inspection plugins, ``templates make`` and ``report annual``
offer and write only what is registered."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import create_engine, select

from tidtam.cli_errors import ExitCode
from tidtam.core.intake.layouts import FIRST_DATA_ROW
from tidtam.core.models import Person

from test_plugins import _install_dist

CONTACTS_PLUGIN = """
    from sqlalchemy import select

    from tidtam.core.hookspecs import hookimpl
    from tidtam.core.intake.kinds import IntakeKind
    from tidtam.core.intake.layouts import Column, SheetLayout, TemplateLayout
    from tidtam.core.models import Person

    LAYOUT = TemplateLayout(
        kind="contacts", version="1", period_kind="Q", file_prefix="contacts",
        title="ข้อมูลติดต่อ {period} — {owner}",
        sheets=(SheetLayout("people", "ข้อมูลติดต่อ", (
            Column("code", "รหัส", 10),
            Column("name", "ชื่อ", 30),
            Column("phone", "โทรศัพท์", 16, editable=True, required=True, max_length=50),
        )),),
    )


    def owners(office, fy):
        return select(Person.id).where(Person.office_id == office.id)  # everyone confirms their own


    def rows(session, office, period, owner):
        return {"people": [{"code": owner.code, "name": owner.full_name, "phone": owner.phone}]}


    def apply(session, office, owner, book, result, clearing):
        for row in book.sheets["people"]:
            if row.filled:
                owner.phone = row.values["phone"]
                result.records += 1


    @hookimpl
    def register_intake(register):
        register(IntakeKind(LAYOUT, owners, rows, apply))
"""

TAKES_PROGRESS = """
    from tidtam.core.hookspecs import hookimpl


    @hookimpl
    def register_intake(register):
        from tidtam.core.intake.kinds import BUILTIN

        register(BUILTIN)
"""


def cli(url: str, *args: str):
    from tidtam.cli import main

    return CliRunner().invoke(main, ["--db", url, *args])


@pytest.fixture
def office_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'office.sqlite'}"
    assert cli(url, "demo").exit_code == 0
    return url


def test_a_plugin_adds_an_intake_kind_made_and_imported_by_core(office_db, tmp_path, monkeypatch, capsys):
    site = tmp_path / "site"
    _install_dist(site, "tidtam_contacts", {"contacts": "tidtam_contacts_plugin", "greedy": "tidtam_greedy_plugin"},
                  {"tidtam_contacts_plugin": CONTACTS_PLUGIN, "tidtam_greedy_plugin": TAKES_PROGRESS})
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("TIDTAM_PLUGINS", "emenscr,emes,inspection,contacts,greedy")

    refused = cli(office_db, "templates", "make", "--period", "2570Q1", "--kind", "nope")
    assert refused.exit_code == ExitCode.USAGE
    assert "(เลือกได้: progress, emes, inspection, contacts)" in refused.output
    assert 'แบบรายงานชนิด "progress" มีตัวระบบ ลงทะเบียนไว้แล้ว' in refused.output  # greedy is reported, core's kept

    out = tmp_path / "out"
    made = cli(office_db, "templates", "make", "--period", "2570Q1", "--kind", "contacts", "--owner", "P019", "--out", str(out))
    assert made.exit_code == 0, made.output
    (path,) = out.glob("contacts_2570Q1_*.xlsx")
    workbook = load_workbook(path)
    sheet = workbook["ข้อมูลติดต่อ"]
    assert sheet.cell(FIRST_DATA_ROW, 1).value == "P019"
    sheet.cell(FIRST_DATA_ROW, 3).value = " 081-234-5678\u200b"  # read by core's rules: ends trimmed, no zero-width space
    workbook.save(path)

    done = cli(office_db, "import", str(path), "--by", "ทดสอบ")
    assert done.exit_code == 0, done.output
    assert "นำเข้าแล้ว 1 รายการ" in done.output
    with create_engine(office_db).connect() as connection:
        assert connection.scalar(select(Person.phone).where(Person.code == "P019")) == "081-234-5678"
    assert cli(office_db, "import", str(path)).output.count("ไม่มีการเปลี่ยนแปลง") == 1  # the same file again: nothing

    every = cli(office_db, "templates", "make", "--period", "2570Q1", "--out", str(tmp_path / "all"), "--json")
    assert {"progress", "contacts"} == {row["kind"] for row in _json(every.stdout)}


def test_without_the_round_plugins_only_what_is_registered_is_offered_and_written(office_db, tmp_path, monkeypatch):
    monkeypatch.setenv("TIDTAM_PLUGINS", "emenscr")

    rounds = cli(office_db, "templates", "make", "--period", "2570R1", "--out", str(tmp_path / "r"))
    assert rounds.exit_code == ExitCode.USAGE
    assert "ไม่มีแบบรายงานที่ใช้กับช่วงเวลา 2570R1 (แบบรายงานที่มี: progress)" in rounds.output
    kind = cli(office_db, "templates", "make", "--period", "2570R1", "--kind", "emes")
    assert kind.exit_code == ExitCode.USAGE and "(เลือกได้: progress)" in kind.output
    quarter = cli(office_db, "templates", "make", "--period", "2570Q1", "--out", str(tmp_path / "q"))
    assert quarter.exit_code == 0, quarter.output
    assert {p.name.split("_")[0] for p in (tmp_path / "q").iterdir()} == {"progress"}

    out = tmp_path / "annual"
    annual = cli(office_db, "report", "annual", "--fy", "2570", "--date", "2027-10-15", "--out", str(out))
    assert annual.exit_code == 0, annual.output
    text = "\n".join(p.text for p in Document(str(out / "รายงานประจำปี_2570.docx")).paragraphs)
    parts = re.findall(r"^ส่วนที่ \S+ .*$", text, flags=re.M)
    assert parts == 2 * ["ส่วนที่ ๑ ข้อมูลพื้นฐาน", "ส่วนที่ ๒ ผลการดำเนินงานตามกลยุทธ์",  # the contents, then the parts
                         "ส่วนที่ ๓ โครงการตามแผนปฏิบัติราชการ", "ส่วนที่ ๔ งบประมาณ"]
    assert "ระดับผลการประเมินตนเอง" not in text and "แนวปฏิบัติที่ดี" not in text  # (the office's foreword may name them)
    assert "แผนภูมิที่ ๒ การเบิกจ่ายสะสมรายไตรมาสเทียบเป้าหมาย" in text  # charts numbered as placed
    html = (out / "website" / "index.html").read_text(encoding="utf-8")
    assert html.count('<section id="part-') == 4 and "ระดับผลการประเมินตนเอง" not in html
    assert sorted(p.name for p in (out / "website" / "images").iterdir()) == ["budget_by_strategy.svg", "disbursement_by_quarter.svg"]


def _json(text: str):
    import json

    return json.loads(text)
