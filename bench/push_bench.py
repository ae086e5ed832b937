"""Benchmark of `push emenscr`: 60 projects at 150 ms per request, browser and http mode.

Compared with the floor (round trips the stand-in counted × latency ÷ concurrency) and with
bench/naive_push.py (a new browser per record, sequential, fixed waits). The push is the user's
command, `cli.py push emenscr --period 2570Q1`, timed from its start to its exit. Prints each
time, the ratios, the most requests the stand-in answered at once (never above --concurrency),
and the peak memory of the push's process tree (Python, Playwright driver, Chromium) as both RSS
(each process's resident pages summed: shared pages counted once per process, an overcount) and
PSS (each process's share of shared pages: the tree's real footprint), with the PSS and the CPU
seconds of each kind of process.

    .venv/bin/python bench/push_bench.py [--records 60] [--latency-ms 150] [--naive-records 60] [--modes browser,http]
Goals: ≤ 1.25× the floor, ≥ 10× faster than the naive script, peak RSS < 500 MB. The load
average is printed beside each time: on a shared 2-CPU machine other work inflates every ratio.
`--latency-ms 0 --naive-records 0` shows the work of the machine itself (no floor): what a push
costs beyond waiting for the site.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "push"))


class PeakRss:
    """Samples the memory of one process (the push) and all its children until stopped: the peak of the summed RSS and the peak of the summed PSS, with the PSS of each
    kind of process at that peak (this Python, the Playwright driver, each Chromium process
    type). Chromium's processes share most pages, so the PSS sum is the tree's real footprint;
    the RSS sum counts shared pages once per process."""

    def __init__(self, pid: int):
        import psutil

        self.process, self.peak, self.peak_rss, self._stop = psutil.Process(pid), 0, 0, threading.Event()
        self.at_peak = {}
        self.cpu: dict[int, tuple[str, float]] = {}  # pid → (kind, CPU seconds at its last sample)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        while not self._stop.is_set():
            total = rss = 0
            kinds: dict[str, int] = {}
            try:
                tree = [self.process, *self.process.children(recursive=True)]
            except psutil.Error:  # the push has ended
                tree = []
            for proc in tree:
                try:
                    info, kind = proc.memory_full_info(), self._kind(proc)
                except psutil.Error:
                    continue
                total, rss = total + info.pss, rss + info.rss
                kinds[kind] = kinds.get(kind, 0) + info.pss
                try:
                    times = proc.cpu_times()
                    self.cpu[proc.pid] = (kind, times.user + times.system)
                except psutil.Error:
                    pass
            if total > self.peak:
                self.peak, self.at_peak = total, kinds
            self.peak_rss = max(self.peak_rss, rss)
            self._stop.wait(0.1)

    def breakdown(self) -> str:
        return ", ".join(f"{kind} {size / 2**20:.0f}" for kind, size in sorted(self.at_peak.items(), key=lambda kv: -kv[1])
                         if size >= 2**20)

    def cpu_breakdown(self) -> str:
        """CPU seconds each kind of process used (a process's last 0.1 s before it exits is missed)."""
        kinds: dict[str, float] = {}
        for kind, seconds in self.cpu.values():
            kinds[kind] = kinds.get(kind, 0.0) + seconds
        return ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in sorted(kinds.items(), key=lambda kv: -kv[1])
                         if seconds >= 0.05)

    def _kind(self, proc) -> str:
        """'python' (the push), 'driver' (Playwright's node), 'chromium <type>' (browser, renderer...)."""
        if proc.pid == self.process.pid:
            return "python"
        command = proc.cmdline()
        kind = next((arg.split("=", 1)[1] for arg in command if arg.startswith("--type=")), None)
        if kind:
            return f"chromium {kind}"
        return "chromium browser" if "chrom" in proc.name() else "driver" if "node" in proc.name() else proc.name()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()


def office_db(folder: Path, records: int, present: set[str]):
    """The demo office with a Q1 report for ``records`` projects the stand-in holds."""
    from sqlalchemy import select

    from pushkit import load_demo
    from tidtam.core.db import Database
    from tidtam.core.models import ActivityProgress, KpiResult, Project, ProjectProgress, ProgressStatus

    db = Database(f"sqlite:///{folder / 'bench.sqlite'}")
    db.upgrade()
    load_demo(db)
    with db.session() as session:
        projects = [p for p in session.scalars(select(Project).order_by(Project.code)) if p.code in present]
        reported = set(session.scalars(select(ProjectProgress.project_id)))
        for project in projects:
            if len(reported) >= records:
                break
            if project.id in reported:
                continue
            report = ProjectProgress(project=project, period="2570Q1", status=ProgressStatus.IN_PROGRESS,
                                     disbursed=Decimal("0.00"), problems="")
            report.activities = [ActivityProgress(activity_id=a.id, percent=Decimal(10)) for a in project.activities]
            report.kpi_results = [KpiResult(kpi_id=k.id, value=None, note="อยู่ระหว่างดำเนินการ") for k in project.kpis]
            session.add(report)
            reported.add(project.id)
        extra = session.scalars(select(ProjectProgress).join(Project).order_by(Project.code)).all()[records:]
        for report in extra:
            session.delete(report)
    return db


class Measured(NamedTuple):
    elapsed: float  # seconds, the push command from start to exit
    trips: int  # requests the stand-in answered during it
    peak_in_flight: int  # the most it answered at once
    site_cpu: float  # CPU seconds the stand-in used meanwhile
    tree: PeakRss  # memory and CPU of the push's process tree


def timed_push(db, config, mode: str, concurrency: int, stand_in) -> Measured:
    """Dry-run and approve here, then the user's command, `cli.py push emenscr`, in a process of
    its own: timed from its start to its exit, its memory the push's alone (not this script's)."""
    import psutil

    from pushkit import credentials, make_target, options, push_command
    from test_push_flow import Q1, _approve
    from tidtam.core.push import run

    t = make_target(db, config)
    run.dry_run(t, Q1, credentials(), options("dry-run", mode="http", concurrency=concurrency))
    _approve(t)
    command, env = push_command(db, "--mode", mode, "--concurrency", str(concurrency), config_dir=config)
    site = psutil.Process(stand_in.pid)
    before, cpu_before = stand_in.admin.state()["requests"]["total"], sum(site.cpu_times()[:2])
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with PeakRss(child.pid) as rss:
        output, _ = child.communicate()
    elapsed = time.perf_counter() - start
    if child.returncode:
        raise SystemExit(f"the push failed (exit {child.returncode}):\n{output}")
    requests = stand_in.admin.state()["requests"]
    return Measured(elapsed, requests["total"] - before, requests["peak_in_flight"],
                    sum(site.cpu_times()[:2]) - cpu_before, rss)


def naive_records(db, config, count: int) -> list[dict]:
    from pushkit import make_target
    from test_push_flow import Q1
    from tidtam.core.forms.plan import inputs_of
    from tidtam.core.ledger import office_by_code
    from tidtam.core.push.plan import make_plan

    t = make_target(db, config)
    step = t.config.forms.forms["progress"].step("progress")
    with db.session() as session:
        plan = make_plan(t.hook, "emenscr", Q1, session, office_by_code(session, t.office_code), t.config.mapping,
                         t.config.forms)
    return [{"code": p.data["project_code"], "quarter": p.data["quarter"],
             "values": inputs_of(step, p.data["fill"]["steps"]["progress"])} for p in plan.payloads[:count]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=60)
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--modes", default="browser,http", help="the push modes to time, in order (browser,http)")
    parser.add_argument("--naive-records", type=int, default=60, help="records the naive script pushes (its time is scaled to --records)")
    parser.add_argument("--profile", choices=["classic", "spa"], default="classic",
                        help="the stand-in's profile: spa = Keycloak sign-in and pages drawn by JavaScript (no naive script)")
    args = parser.parse_args()
    os.environ.setdefault("TIDTAM_PLUGINS", "emenscr,emes,inspection")
    import yaml

    from pushkit import SPA, config_for
    from tidtam.sandbox.emenscr import OFFICE_SEED
    from tidtam.sandbox.server import start_subprocess

    present = {p["steps"]["M1"]["code"] for p in yaml.safe_load(OFFICE_SEED.read_text(encoding="utf-8"))["projects"]}
    latency = args.latency_ms / 1000
    from tidtam.core.push.browser import CHROMIUM

    print(f"push_bench: {args.records} projects, {args.latency_ms} ms per request, concurrency {args.concurrency}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start, browser {CHROMIUM}, profile {args.profile}")
    times = {}
    for mode in args.modes.split(","):
        with tempfile.TemporaryDirectory() as folder, \
                start_subprocess("emenscr", demo_data="office", latency_ms=args.latency_ms, profile=args.profile) as stand_in:
            os.environ["TIDTAM_DATA_DIR"] = folder
            db = office_db(Path(folder), args.records, present)
            config = config_for(Path(folder) / "config", stand_in.url, SPA if args.profile == "spa" else "2026.1")
            elapsed, trips, peak, site_cpu, rss = timed_push(db, config, mode, args.concurrency, stand_in)
            floor = trips * latency / args.concurrency
            times[mode] = elapsed
            print(f"{mode:8s} {elapsed:7.2f} s   round trips {trips}   floor {floor:6.2f} s   load {os.getloadavg()[0]:4.1f}   "
                  f"ratio to floor {elapsed / floor if floor else float('nan'):5.2f}×   peak memory: PSS {rss.peak / 2**20:4.0f} MB, "
                  f"RSS {rss.peak_rss / 2**20:4.0f} MB (process tree)\n         PSS at the peak, MB: {rss.breakdown()}"
                  f"\n         CPU seconds: {rss.cpu_breakdown()}; the stand-in {site_cpu:.1f}"
                  f"\n         at most {peak} requests at the site at once")
            if mode == "browser" and args.naive_records and args.profile == "classic":
                records = naive_records(db, config, args.naive_records)
                path = Path(folder) / "records.json"
                path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
                stand_in.admin.reset()
                start = time.perf_counter()
                subprocess.run([sys.executable, str(ROOT / "bench" / "naive_push.py"), stand_in.url, str(path)],
                               check=True, env={**os.environ, "PYTHONPATH": str(ROOT.parent)})
                naive = (time.perf_counter() - start) * args.records / len(records)
                scaled = "" if len(records) == args.records else f" (measured on {len(records)}, scaled to {args.records})"
                print(f"naive    {naive:7.2f} s{scaled}   browser push is {naive / elapsed:5.1f}× faster "
                      f"(load average {os.getloadavg()[0]:.1f})")
            db.dispose()


if __name__ == "__main__":
    main()
