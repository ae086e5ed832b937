"""How fast the CLI answers: the commands a person types all day, on the demo office.

    .venv/bin/python bench/cli_bench.py [--runs 7]

Loads the demo office into a temporary data dir (``cli.py demo``, not timed), then runs, in
rounds, each of: ``python -c "import click"`` (the floor: an interpreter that loads click),
``cli.py --help``, ``status --period 2570Q1``, ``completeness --period 2570Q1`` and
``calendar --fy 2570``, each as a process of its own, as a user starts it. Every round runs
every command once, so each sees the same machine load; the median over the rounds is printed,
wall time and CPU time (user + system) of the process, with the goals: ``--help`` ≤ 2× the
floor, the others ≤ 0.5 s. Figures, not asserts; compare figures from one run only.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = str(ROOT / "cli.py")
HELP_RATIO_GOAL = 2.0
COMMAND_GOAL_S = 0.5


@dataclass(frozen=True)
class Case:
    label: str
    argv: list[str]
    exit_codes: tuple[int, ...] = (0,)  # what a real run ends with (completeness: 3, items missing)


CASES = [
    Case('python -c "import click"', ["-c", "import click"]),
    Case("cli.py --help", [CLI, "--help"]),
    Case("cli.py status --period 2570Q1", [CLI, "status", "--period", "2570Q1"]),
    Case("cli.py completeness --period 2570Q1", [CLI, "completeness", "--period", "2570Q1"], (0, 3)),
    Case("cli.py calendar --fy 2570", [CLI, "calendar", "--fy", "2570"]),
]


def user_environment(data_dir: Path) -> dict[str, str]:
    """The environment of a user's shell: the demo's data dir, no database or config override,
    and Python's bytecode cache on (a developer's PYTHONDONTWRITEBYTECODE would make every run
    compile the project's modules from source, which no user's Python does)."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONDONTWRITEBYTECODE", "TIDTAM_DATABASE_URL", "TIDTAM_CONFIG_DIR")}
    env["TIDTAM_DATA_DIR"] = str(data_dir)
    return env


def run_once(case: Case, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one process running ``case``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *case.argv], env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in case.exit_codes:
        raise SystemExit(f"{case.label} ended with {done.returncode}:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(runs: int, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds per case over ``runs`` rounds, after one warm-up round (which
    writes the bytecode cache and brings the files into the OS cache)."""
    for case in CASES:
        run_once(case, env)
    samples: dict[str, list[tuple[float, float]]] = {case.label: [] for case in CASES}
    for _ in range(runs):
        for case in CASES:
            samples[case.label].append(run_once(case, env))
    return {label: (statistics.median(w for w, _ in times), statistics.median(c for _, c in times))
            for label, times in samples.items()}


def report(medians: dict[str, tuple[float, float]], runs: int) -> None:
    floor_wall, floor_cpu = medians[CASES[0].label]
    print(f"มัธยฐานจาก {runs} รอบ (wall = เวลาจริง, cpu = user + system ของโปรเซส)")
    print(f"{'คำสั่ง':42s} {'wall':>8s} {'cpu':>8s}   เป้าหมาย")
    for case in CASES:
        wall, cpu = medians[case.label]
        if case is CASES[0]:
            goal = "(ฐานเทียบ)"
        elif case.argv[1:] == ["--help"]:
            ratio = wall / floor_wall
            goal = (f"{ratio:.2f}× ของ import click (cpu {cpu / floor_cpu:.2f}×)  ≤ {HELP_RATIO_GOAL}× "
                    f"→ {'ผ่าน' if ratio <= HELP_RATIO_GOAL else 'ไม่ผ่าน'}")
        else:
            goal = f"≤ {COMMAND_GOAL_S} s → {'ผ่าน' if wall <= COMMAND_GOAL_S else 'ไม่ผ่าน'}"
        print(f"{case.label:42s} {wall:7.3f}s {cpu:7.3f}s   {goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="rounds; each runs every command once")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tidtam_cli_bench_"))
    try:
        env = user_environment(work / "data")
        subprocess.run([sys.executable, CLI, "demo"], env=env, cwd=ROOT, check=True, capture_output=True)
        load_before = os.getloadavg()[0]
        medians = measure(args.runs, env)
        print(f"load average ก่อน/หลัง: {load_before:.2f} / {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPU)")
        report(medians, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
