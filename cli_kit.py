"""What every command needs, the CLI's own and those plugins add (``register_commands``):
option types, periods, the target of a run, credentials, and the push flow's output.

Plugins may import this module (never ``cli.py``); core never does. Only click is imported at
the top: ``--help`` loads this module.
"""
from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import click

from tidtam.core.app import App

# --- option types and callbacks -------------------------------------------------------------


def not_blank(ctx, param, value: str | None) -> str | None:
    """Option callback: a value given as "" or spaces is a mistake, not "use the default"."""
    if value is not None and not value.strip():
        raise click.BadParameter(f'ต้องไม่เว้นว่าง — ใส่ค่าจริงหลัง {param.opts[0]} เช่น {param.opts[0]} "..."')
    return value.strip() if value is not None else None


class Seconds(click.FloatRange):
    """A timeout: a finite number of seconds above zero."""

    name = "seconds"

    def __init__(self):
        super().__init__(min=0, min_open=True)

    def convert(self, value, param, ctx):
        seconds = super().convert(value, param, ctx)
        if not math.isfinite(seconds):  # "nan" passes the range check, "inf" would wait forever
            self.fail(f"ต้องเป็นจำนวนวินาทีที่มากกว่า 0 (ได้ {value})", param, ctx)
        return seconds


SECONDS = Seconds()


def parse_date_option(ctx, param, value: str | None):
    """Option callback: a date as Thai people write it (see core.thai.parse_date), or None."""
    from tidtam.core.thai import ThaiParseError, parse_date

    try:
        return parse_date(value) if value is not None else None
    except ThaiParseError as exc:
        raise click.BadParameter(str(exc)) from None


def today(value: date | None) -> date:
    """The date an option gave (already parsed by ``parse_date_option``), else today."""
    return value or date.today()


def incomplete() -> None:
    """End the command with the exit code that says "ran fine, something is still to do" (3)."""
    from tidtam.cli_errors import ExitCode

    raise click.exceptions.Exit(ExitCode.INCOMPLETE)


def print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def console():
    from rich.console import Console

    shown = Console()
    if not shown.is_terminal:
        shown.width = max(shown.width, 120)  # piped or captured: do not squeeze Thai text
    return shown


# --- periods ------------------------------------------------------------------------------


def parse_period(app: App, text: str, hint: str = "--period"):
    from tidtam.core.periods import PeriodError, parse_period as parse

    try:
        return parse(text, rounds=app.profile.evaluation_rounds)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


def period_of_kind(app: App, text: str, kinds: tuple[str, ...], hint: str = "--period", taker: str = ""):
    """The period ``text`` names, refused unless of one of ``kinds`` ("Q" quarters, "R" rounds);
    ``taker`` names what takes only those (a target) in the message."""
    from tidtam.core.periods import KIND_NAMES_TH

    chosen = parse_period(app, text, hint)
    if chosen.kind not in kinds:
        names = " หรือ".join(KIND_NAMES_TH[kind] for kind in kinds)
        examples = ", ".join(f"{chosen.fiscal_year}{kind}1" for kind in kinds)
        rule = f"{taker} รับเฉพาะ{names}" if taker else f"ต้องเป็น{names}"
        raise click.BadParameter(f"{rule} เช่น {examples} (ได้ {chosen.id})", param_hint=hint)
    return chosen


# --- the target of a run ----------------------------------------------------------------------


def run_target(app: App, name: str, period: str | None, hint: str = "--period", stage: str = "push"):
    """The run's view of a target (``core.push.run.Target``: its hooks, spec, validated config of the
    pinned version, the office, the database) and the period ``period`` names, of a kind the
    target takes (``TargetSpec.period_kinds``; None if not given); ``stage`` is one of its stages."""
    from tidtam.core.config import target_config
    from tidtam.core.errors import Misuse
    from tidtam.core.push.run import Target

    spec = app.plugins.target(name)
    if stage != "push" and stage not in spec.stages:
        raise Misuse(f"{name} ไม่มีขั้นตอน \"{stage}\" (มี: {', '.join(spec.stages) or 'ไม่มี'})")
    chosen = period_of_kind(app, period, spec.period_kinds, hint, taker=name) if period else None
    with app.db.session() as session:
        office_code = app.office(session).code
    return Target(app.db, app.plugins.hooks_for(name), spec, target_config(spec, app.profile), office_code, stage), chosen


def credentials():
    """Credentials of any target, asked for only when a remote needs them (a prompt in a terminal)."""
    from tidtam.core.credentials import Vault

    prompt = (lambda label, hide_input: click.prompt(label, hide_input=hide_input)) if sys.stdin.isatty() else None
    return Vault(prompt)


def run_options(t, period, kind: str, mode=None, concurrency=3, trace=False, read_timeout=15.0, action_timeout=120.0,
                new_projects=False):
    from tidtam.core.push.run import Options, new_run_dir
    from tidtam.core.settings import data_dir

    return Options(mode=mode or t.spec.modes[0], concurrency=concurrency, trace=trace, read_timeout=read_timeout,
                   action_timeout=action_timeout, new_projects=new_projects,
                   run_dir=new_run_dir(data_dir(), t.spec.name, period.id, kind))


@dataclass(frozen=True)
class Steps:
    """The commands that take each step of a target's flow, to tell a user what to run next
    (``core.errors.UserError.next_step`` names a step). A plugin's own flow gives its own."""

    dry_run: str
    approve: str
    push: str
    doctor: str

    @classmethod
    def of(cls, t, period) -> "Steps":
        name, p = t.spec.name, period.id
        return cls(f"push {name} --period {p} --dry-run", f'approve {name} --period {p} --by "ชื่อผู้อนุมัติ"',
                   f"push {name} --period {p}", f"doctor {name} --period {p}")

    def use(self) -> "Steps":
        """Make these the steps an error of this command points to (see cli_errors.classify)."""
        click.get_current_context().meta["tidtam.steps"] = self
        return self


def push_options(command):
    """The options of every run that reaches a site (push, and a plugin's own flows)."""
    for option in reversed([
        click.option("--mode", metavar="MODE", help="วิธีเข้าถึงระบบปลายทาง (ค่าเริ่มต้น: วิธีแรกของเป้าหมาย เช่น browser; "
                                                   "eMENSCR มี http ด้วย: ส่งผ่าน JSON endpoint ที่หน้าเว็บใช้)"),
        click.option("--concurrency", type=click.IntRange(1, 10), default=3, show_default=True,
                     help="จำนวนคำขอถึงเว็บไซต์พร้อมกันสูงสุด (สุภาพกับเซิร์ฟเวอร์ราชการ)"),
        click.option("--trace", is_flag=True, help="เก็บ Playwright trace และภาพหน้าจอของทุกความล้มเหลวในโฟลเดอร์การรัน"),
        click.option("--read-timeout", type=SECONDS, default=15.0, show_default=True, help="วินาทีต่อการโหลด/อ่านหน้า (อ่านซ้ำได้)"),
        click.option("--action-timeout", type=SECONDS, default=120.0, show_default=True,
                     help="วินาทีที่รอคำตอบการบันทึก (คำขอที่ไม่ได้คำตอบจะไม่ถูกส่งซ้ำก่อนพ้นเวลานี้)"),
    ]):
        command = option(command)
    return command


# --- the push flow's output ---------------------------------------------------------------------


def show_dry_run(t, period, options, steps: Steps, ready_line: str | None = None) -> bool:
    """Run the dry-run and print what it found; True when everything is ready to approve."""
    from tidtam.core.push import run

    options.approve_command = f"python cli.py {steps.approve}"
    result = run.dry_run(t, period, credentials(), options)
    out = console()
    counts = {s: sum(1 for r in result.rows if r.state == s) for s in ("preview", "invalid", "error", "sent")}
    out.print(f"แสดงตัวอย่าง {t.spec.name} {period.id}: พร้อมส่ง {counts['preview']} รายการ, ยังไม่พร้อม {counts['invalid']}, "
              f"เปิดแบบฟอร์มไม่ได้ {counts['error']}, ส่งแล้ว {counts['sent']} — ยังไม่ได้บันทึกสิ่งใดในระบบปลายทาง")
    for row in result.rows:
        for error in row.errors:
            out.print(f"[red]✗ {row.payload.record_key} ({row.payload.action}) › {error}[/red]")
    click.echo(f"ค่าแฮชของชุดข้อมูล: {result.set_hash}")  # plain echo: a path or hash is never wrapped
    click.echo(f"เปิดหน้าตัวอย่าง: {result.preview_path}")
    if counts["invalid"] or counts["error"]:  # the director is never asked to approve what would fail
        click.echo(f"ยังไม่พร้อมขออนุมัติ: แก้ตามรายการ ✗ ข้างบน แล้วรัน python cli.py {steps.dry_run} ใหม่ "
                   f"(หน้าเว็บเปลี่ยน: ดู python cli.py {steps.doctor}) — หรืออนุมัติเฉพาะรายการที่พร้อม: "
                   f"python cli.py {steps.approve} --only-ready")
        return False
    if counts["preview"]:
        click.echo(ready_line or f"ต่อไป: python cli.py {steps.approve}")
    return True


def show_push(t, period, options, steps: Steps, done_line: str | None = None, unsure_hint=None) -> bool:
    """Run the push with a progress bar and print where every record stands; True when all landed.
    ``unsure_hint(record_key)`` gives the words a person types to settle an unsure record."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tidtam.core.models import SubmissionState
    from tidtam.core.push import run

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[last]}"), console=console(), transient=False) as bar:
        task = bar.add_task(f"ส่ง {t.spec.name} {period.id}", total=None, last="")

        def on_progress(kind, *args):
            if kind == "start":
                bar.update(task, total=args[0])
            else:
                payload, state = args
                bar.update(task, advance=1, last=f"{payload.record_key}: {state.th}")
        result = run.push(t, period, credentials(), options, on_progress)
    out = console()
    out.print(f"ผลการส่ง {t.spec.name} {period.id}: "
              + ", ".join(f"{SubmissionState(k).th} {v}" for k, v in sorted(result.counts.items())))
    for record, action, error in result.failures:
        out.print(f"[red]✗ {record} ({action}): {error}[/red]")
    refused = [f for f in result.failures if (f[0], f[1]) in result.refused]
    if refused:  # the site said no to the values: a rerun gets the same answer
        out.print(f"ระบบไม่รับ {len(refused)} รายการ: ทำตามข้อความของแต่ละรายการข้างบน — แก้ข้อมูล (หรือ forms.yaml ถ้าหน้าเว็บ"
                  f"เปลี่ยน: python cli.py {steps.doctor}) แล้ว python cli.py {steps.dry_run} และขออนุมัติใหม่ "
                  "หรือรอตามที่ระบบแจ้ง (รันซ้ำทันทีโดยไม่แก้จะได้ผลเดิม)")
    if len(refused) < len(result.failures):
        out.print(f"รายการที่ยังไม่แน่ใจหรือยังไม่ได้ส่ง {len(result.failures) - len(refused)} รายการ: "
                  f"รันคำสั่งเดิมอีกครั้งเพื่อกระทบยอดและส่งต่อ (ไม่ส่งซ้ำ) · โฟลเดอร์การรัน: {result.run_dir}")
    if result.unsure:
        hint = unsure_hint or (lambda key: key)
        marks = " ".join(f"--mark-delivered {hint(key)}" for key in result.unsure)
        click.echo(f"ถ้าตรวจแล้วเห็นว่าถึงปลายทางแล้ว บันทึกได้ด้วย: python cli.py {steps.push} {marks} "
                   '--by "ชื่อ" --why "เหตุผล" (ไม่ถึง: --allow-resend แทน --mark-delivered)')
    if not result.failures:
        click.echo(done_line or f"ต่อไป: python cli.py report {t.spec.name} --period {period.id}")
    return not result.failures


def settle(t, period, delivered, resend, by, why) -> None:
    """A person's word on unsure records: arrived (``delivered``) or not (``resend``)."""
    if by is None or why is None:
        raise click.UsageError('ต้องระบุชื่อผู้ตัดสินใจด้วย --by "ชื่อ" และเหตุผลด้วย --why "เหตุผล" '
                               "เมื่อใช้ --mark-delivered หรือ --allow-resend")
    ledger = t.ledger(period)
    for key, landed in [*((k, True) for k in delivered), *((k, False) for k in resend)]:
        row = ledger.settle(key, landed, by, why)
        click.echo(f"{key}: บันทึกแล้วว่า{'ถึงปลายทางแล้ว' if landed else 'ไม่ถึง จะส่งใหม่หนึ่งครั้งในการส่งครั้งถัดไป'} "
                   f"โดย {by} ({row.state.th})")


def out_folder(out_dir: Path | None, default: Path) -> Path:
    folder = out_dir or default
    folder.mkdir(parents=True, exist_ok=True)
    return folder
