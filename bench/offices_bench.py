"""One office's commands in a PostgreSQL database shared by 245 offices (issue 14).

    .venv/bin/python bench/offices_bench.py [--offices 245] [--repeat 9] [--pg URL] [--keep]

Creates two fresh PostgreSQL databases: one with the demo office (DEMO01) alone, one with
DEMO01 and the demo's data again under 244 other office codes (``replace_office``, as
``demo`` does, one transaction each: projects, activities, KPIs, Q1 progress, E-MES and
inspection frames and results). Then times, for DEMO01 in each database, the user's commands

  status --period 2570Q1, completeness --period 2570Q1, templates make --period 2570Q1,
  and its reload (``demo --folder demo/``: the office deleted and loaded again),

alternating between the two databases run by run, so that both see the same load of a shared
machine. Prints the median of ``--repeat`` runs at N=1 and at N=245, the ratio N=245/N=1
(goal ≤ 1.2) and the size of every table (``pg_total_relation_size``), audit_log included.

The commands run in this process through click's CliRunner with the same arguments as
``cli.py --db URL --office DEMO01 ...``: everything the command does is timed (engine,
connection, office lookup, queries, rendering, files), but not the interpreter start and
imports, which are the same at any N and would hide the part that grows. Both databases are
ANALYZEd after loading, as autovacuum would have done in a database that grew over time.
They are dropped at the end unless ``--keep``.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

GOAL = 1.2
OFFICE = "DEMO01"
PERIOD = "2570Q1"
PG_ADMIN_URL = os.environ.get("TIDTAM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def cli(*args: str) -> int:
    from click.testing import CliRunner

    from tidtam.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False).exit_code


def commands(out_dir: Path) -> dict[str, tuple[list[str], set[int]]]:
    """What is timed, after ``--db URL``: the user's arguments, and the exit codes that mean it
    worked (completeness exits 3 while the demo office still has missing items)."""
    from tidtam.core.office_data import DEMO_DIR

    return {
        "status": (["--office", OFFICE, "status", "--period", PERIOD], {0}),
        "completeness": (["--office", OFFICE, "completeness", "--period", PERIOD], {0, 3}),
        "templates make": (["--office", OFFICE, "templates", "make", "--period", PERIOD, "--out", str(out_dir)], {0}),
        "reload (demo)": (["demo", "--folder", str(DEMO_DIR)], {0}),
    }


def timed(url: str, args: list[str], ok: set[int]) -> float:
    start = time.perf_counter()
    code = cli("--db", url, *args)
    elapsed = time.perf_counter() - start
    if code not in ok:
        raise SystemExit(f"--db {url} {' '.join(args)}: exit code {code}")
    gc.collect()  # the run's engine and its connections go now, outside the timing
    return elapsed


def medians(urls: list[str], out_dir: Path, repeat: int) -> list[dict[str, float]]:
    """Per database, the median seconds of each command; one untimed run of each first
    (first imports, caches), then the databases take turns run by run."""
    found: list[dict[str, float]] = [{} for _ in urls]
    for name, (args, ok) in commands(out_dir).items():
        times: list[list[float]] = [[] for _ in urls]
        for run in range(repeat + 1):
            for index, url in enumerate(urls):
                seconds = timed(url, args, ok)
                if run:
                    times[index].append(seconds)
        for index in range(len(urls)):
            found[index][name] = statistics.median(times[index])
        print(f"  {name}: " + " / ".join(f"{t[name]:.3f}" for t in found), flush=True)
    return found


def load_office(url: str) -> None:
    from tidtam.core.office_data import DEMO_DIR

    if cli("--db", url, "demo", "--folder", str(DEMO_DIR)) != 0:
        raise SystemExit(f"demo failed on {url}")


def load_other_offices(url: str, count: int, folder: Path) -> None:
    """The demo office's data under ``count`` other codes, one ``replace_office`` transaction each."""
    from tidtam.core.db import Database
    from tidtam.core.office_data import DEMO_DIR, OfficeFiles, replace_office

    demo = OfficeFiles.in_folder(DEMO_DIR)
    database = Database(url)
    start = time.perf_counter()
    for n in range(1, count + 1):
        with database.session(actor="bench") as session:
            replace_office(session, demo.under_code(f"B{n:03d}", folder))
        if n % 25 == 0 or n == count:
            print(f"  โหลดแล้ว {n}/{count} สำนักงาน ({time.perf_counter() - start:.0f} วินาที)", flush=True)
    database.dispose()


def analyze(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def table_sizes(url: str) -> list[tuple[str, int, int]]:
    """(table, rows, bytes with indexes and TOAST), largest first."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
        sizes = [
            (name, conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar(),
             conn.execute(text("SELECT pg_total_relation_size(:t)"), {"t": name}).scalar())
            for name in tables
        ]
    engine.dispose()
    return sorted(sizes, key=lambda row: -row[2])


def report(offices: int, at_one: dict[str, float], at_n: dict[str, float], sizes) -> None:
    print(f"\nมัธยฐานของเวลา (วินาที) ของสำนักงาน {OFFICE} ในฐานข้อมูลที่มี 1 และ {offices} สำนักงาน")
    print(f"{'คำสั่ง':<18}{'N=1':>9}{f'N={offices}':>9}{'อัตราส่วน':>11}  เป้าหมาย ≤ {GOAL}")
    for name in at_one:
        ratio = at_n[name] / at_one[name]
        print(f"{name:<18}{at_one[name]:>9.3f}{at_n[name]:>9.3f}{ratio:>11.2f}  {'ผ่าน' if ratio <= GOAL else 'ไม่ผ่าน'}")
    total = sum(size for _, _, size in sizes)
    print(f"\nขนาดตารางเมื่อมี {offices} สำนักงาน (pg_total_relation_size) รวม {total / 2**20:.1f} MB")
    for name, rows, size in sizes:
        if size >= 256 * 1024 or name == "audit_log":
            print(f"  {name:<22}{rows:>10,} แถว {size / 2**20:>8.1f} MB")
    print("\naudit_log: การโหลดสำนักงานใหม่ทั้งสำนักงาน (demo, replace_office) บันทึกหนึ่งรายการต่อตาราง "
          "(จำนวนแถวที่เพิ่ม; รายการของตาราง office มี sha256 ของไฟล์ต้นทาง) แทนหนึ่งรายการต่อแถว "
          "ส่วนการนำเข้า การอนุมัติ สมุดบันทึกการส่ง และการส่ง ยังบันทึกทุกแถว (docs/architecture.md)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offices", type=int, default=245)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--pg", default=PG_ADMIN_URL, help="a PostgreSQL URL allowed to CREATE DATABASE")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text

    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    run_id = uuid.uuid4().hex[:8]
    names = [f"tidtam_bench_{run_id}_{n}" for n in (1, args.offices)]
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        urls = [admin.url.set(database=name).render_as_string(hide_password=False) for name in names]
        with tempfile.TemporaryDirectory(prefix="offices_bench_") as tmp:
            os.environ["TIDTAM_DATA_DIR"] = str(Path(tmp) / "data")  # never the user's data dir
            run(urls, Path(tmp), args.offices, args.repeat)
    finally:
        with admin.connect() as conn:
            for name in names:
                if args.keep:
                    print(f"เก็บฐานข้อมูลไว้: {name}")
                else:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(urls: list[str], tmp: Path, offices: int, repeat: int) -> None:
    one, many = urls
    print(f"{one} และ {many} · วัดในโปรเซสนี้ผ่าน CliRunner · {repeat} ครั้งต่อคำสั่งต่อฐานข้อมูล", flush=True)
    for url in urls:
        load_office(url)
    load_other_offices(many, offices - 1, tmp)
    for url in urls:
        analyze(url)
    print(f"มัธยฐาน N=1 / N={offices} (วินาที):", flush=True)
    at_one, at_n = medians(urls, tmp / "templates", repeat)
    report(offices, at_one, at_n, table_sizes(many))


if __name__ == "__main__":
    sys.exit(main())
