"""A new fiscal year is a new frame file, not a code change: FY2571's frame adds a point, drops
one, and stops asking one point's level. Loaded with the office's owners for that year, it
drives the owners' workbooks, the push to the stand-in (which serves the same file) and the
summary, with no code edited."""
from __future__ import annotations

import shutil

import pytest
import yaml
from sqlalchemy import select

from tidtam.core.models import EmesPoint, EmesResult, Office, Person
from tidtam.core.office_data import DEMO_DIR, OfficeFiles, load_catalogs, replace_office
from tidtam.core.periods import parse_period
from tidtam.core.push import run
from tidtam.core.settings import PACKAGE_ROOT
from tidtam.sandbox.emes import DEFAULT_DATA
from tidtam.sandbox.server import run_in_thread

from emeskit import config_for, credentials, make_target, options

pytestmark = pytest.mark.browser
R = parse_period("2571R1")
ADDED, REMOVED, NO_LEVEL = "1.2.3", "1.1.4", "2.1.6"


def second_year(config, office_folder):
    """FY2571's frame (from FY2570's: one point added, one removed, one level no longer asked) and
    the office's owners for it."""
    frame = yaml.safe_load((config / "emes/frames/2570.yaml").read_text(encoding="utf-8"))
    frame["fiscal_year"] = 2571
    first = frame["standards"][0]["indicators"]
    first[0]["points"] = [p for p in first[0]["points"] if p["number"] != 4]
    first[1]["points"].append({"number": 3, "text": "สำนักงานเขตพื้นที่การศึกษานำข้อเสนอแนะของ ก.ต.ป.น. ไปใช้พัฒนาการจัดการศึกษา"})
    academic = frame["standards"][1]["indicators"][0]["points"]
    next(p for p in academic if p["number"] == 6)["level"] = False
    (config / "emes/frames/2571.yaml").write_text(yaml.safe_dump(frame, allow_unicode=True, sort_keys=False), encoding="utf-8")
    owners = yaml.safe_load((DEMO_DIR / "emes_2570.yaml").read_text(encoding="utf-8"))["owners"]
    owners = {code: who for code, who in owners.items() if code != REMOVED} | {ADDED: "P024"}
    office_folder.mkdir()
    shutil.copy(DEMO_DIR / "office.yaml", office_folder)
    (office_folder / "emes_2571.yaml").write_text(yaml.safe_dump({"frame": "emes/frames/2571.yaml", "owners": owners},
                                                                 allow_unicode=True), encoding="utf-8")


def test_a_second_years_frame_file_runs_with_no_code_change(sqlite_db, tmp_path, monkeypatch):
    from tidtam.plugins.emes import summary
    from tidtam.plugins.emes.intake import KIND

    site_data = yaml.safe_load(DEFAULT_DATA.read_text(encoding="utf-8"))
    site_data["rounds"].append({"year": 2571, "round": 1, "label": "รอบที่ 1", "deadline": "31/03/2571", "open": True})
    (tmp_path / "emes.yaml").write_text(yaml.safe_dump(site_data, allow_unicode=True), encoding="utf-8")
    config = config_for(tmp_path / "config", "http://127.0.0.1:9")
    second_year(config, tmp_path / "office")
    monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(config))
    with sqlite_db.session() as session:
        load_catalogs(session, PACKAGE_ROOT / "config" / "catalogs.yaml")
        replace_office(session, OfficeFiles.in_folder(tmp_path / "office"))
    with sqlite_db.session(actor="test") as session:
        points = {p.code: p for p in session.scalars(select(EmesPoint))}
        assert ADDED in points and REMOVED not in points and not points[NO_LEVEL].asks_level
        for p in points.values():
            works = [{"title": f"ผลงาน {n}", "video": f"https://v.example/{n}"} for n in range(1, 6)] if p.kind == "works" else []
            session.add(EmesResult(point_id=p.id, period=R.id, level=None if not p.asks_level or works else 4,
                                   narrative="" if works else f"ผลของประเด็น {p.code}", works=works))
        office = session.scalars(select(Office)).one()
        owner = session.scalars(select(Person).where(Person.code == "P024")).one()
        sheet = KIND.rows(session, office, R, owner)["points"]
        assert [row["code"] for row in sheet] == ["1.2.1", "1.2.2", ADDED]  # the owner's workbook follows the frame
    with run_in_thread("emes", data_path=tmp_path / "emes.yaml") as site:
        config_for(config, site.url)
        t = make_target(sqlite_db, config)
        dry = run.dry_run(t, R, credentials(), options("dry-run"))
        works = [r for r in dry.rows if r.payload.record_key == "point:3.1.1"]
        assert works and "ไม่มีไฟล์รายงาน" in " ".join(works[0].errors)  # works without report files are named
        run.approve(t, R, "นายผู้อำนวยการ ทดสอบ", only_ready=True)
        assert run.push(t, R, credentials(), options(concurrency=2)).failures == []
        saved = site.admin.state()["store"]["assessments"]["2571-1"]
    assert ADDED in saved and REMOVED not in saved and saved[NO_LEVEL]["level"] == "" and saved["1.1.1"]["level"] == "4"
    with sqlite_db.session() as session:
        data = summary.collect(session, session.scalars(select(Office)).one(), R)
    assert [p.code for p in data.points if p.code.startswith("1.")] == ["1.1.1", "1.1.2", "1.1.3", "1.2.1", "1.2.2", ADDED]
