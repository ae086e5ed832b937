"""Many offices in one database: what one office's commands read does not grow with the others.

Each reading function of a command runs for the demo office alone, then again with a second
office of the same data in the database; the rows it loads (ORM instances, counted per table)
must be the same. A query not scoped by office loads the other office's rows too.
"""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, select

from tidtam.core import models as m
from tidtam.core.calendar import load_calendar
from tidtam.core.config import office_profile, target_config
from tidtam.core.intake.kinds import intake_kinds
from tidtam.core.intake.sources import owners_with_items
from tidtam.core.office_data import DEMO_DIR, OfficeFiles, load_catalogs, replace_office
from tidtam.core.periods import parse_period
from tidtam.core.plugins import load_plugins
from tidtam.core.push.plan import make_plan
from tidtam.core.reports import annual, progress
from tidtam.core.settings import config_dir
from tidtam.core.status import period_status
from tidtam.plugins.emes import summary as emes_summary
from tidtam.plugins.inspection import frame as inspection_frame

Q1, R1 = parse_period("2570Q1"), parse_period("2570R1")
AS_OF = date(2027, 4, 10)


@contextmanager
def rows_loaded():
    """Counts every ORM instance loaded from a row, per table, while the block runs."""
    counts: Counter[str] = Counter()

    def count(instance, _context):
        counts[instance.__tablename__] += 1

    event.listen(m.Base, "load", count, propagate=True)
    try:
        yield counts
    finally:
        event.remove(m.Base, "load", count)


def _templates(session, office, period):
    for kind in intake_kinds().values():
        if kind.layout.period_kind == period.kind:
            for owner in owners_with_items(session, office, kind, period):
                kind.rows(session, office, period, owner)


def _push_plan(session, office, target, period):
    plugins = load_plugins()
    config = target_config(plugins.target(target), office_profile())
    make_plan(plugins.hooks_for(target), target, period, session, office, config.mapping, config.forms, entries=target == "emenscr")


# What the commands read, for one office: status and completeness (one function), templates
# make, report progress/annual, push planning, the E-MES summary, the inspection package.
READS = {
    "status 2570Q1": lambda s, o: period_status(s, o, Q1, load_calendar()),
    "status 2570R1": lambda s, o: period_status(s, o, R1, load_calendar()),
    "templates 2570Q1": lambda s, o: _templates(s, o, Q1),
    "templates 2570R1": lambda s, o: _templates(s, o, R1),
    "report progress": lambda s, o: progress.collect(s, o, Q1, office_profile().disbursement_targets, AS_OF),
    "report annual": lambda s, o: annual.collect(s, o, 2570, office_profile(), annual.load_settings(), AS_OF),
    "push emenscr": lambda s, o: _push_plan(s, o, "emenscr", Q1),
    "push emes": lambda s, o: _push_plan(s, o, "emes", R1),
    "report emes": lambda s, o: emes_summary.collect(s, o, R1),
    "package inspection": lambda s, o: inspection_frame.collect(s, o, R1, AS_OF),
}


def _rows_each_read_loads(db) -> dict[str, Counter]:
    loaded = {}
    for name, read in READS.items():
        with db.session() as session:
            office = session.scalars(select(m.Office).where(m.Office.code == "DEMO01")).one()
            with rows_loaded() as counts:
                read(session, office)
            loaded[name] = counts
    return loaded


def test_one_office_reads_the_same_rows_whatever_other_offices_hold(db, tmp_path):
    demo = OfficeFiles.in_folder(DEMO_DIR)
    with db.session() as session:
        load_catalogs(session, config_dir() / "catalogs.yaml")
        replace_office(session, demo)
    alone = _rows_each_read_loads(db)
    with db.session() as session:
        replace_office(session, demo.under_code("OTHER02", tmp_path))
    shared = _rows_each_read_loads(db)

    assert all(alone[name] for name in READS)  # every read loads rows: the comparison means something
    assert {name: dict(counts) for name, counts in shared.items()} == {name: dict(counts) for name, counts in alone.items()}
