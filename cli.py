"""Command line of Tidtam: ``python cli.py …`` from a checkout, ``tidtam …`` once installed.

Commands stay thin: they parse options, call ``tidtam.core`` and print. Heavy modules
(SQLAlchemy, rich, plugins, Playwright) are imported inside the commands, so ``--help`` is fast.
Exit codes are listed in ``tidtam.core.app.ExitCode`` and the README.
"""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

if __name__ == "__main__" and "tidtam" not in sys.modules:
    # Running from a checkout: expose this folder as the package "tidtam", so every import
    # reads `tidtam.core…` exactly as it does after `pip install`.
    import importlib.util

    _root = Path(__file__).resolve().parent
    _spec = importlib.util.spec_from_file_location(
        "tidtam", _root / "__init__.py", submodule_search_locations=[str(_root)]
    )
    _pkg = importlib.util.module_from_spec(_spec)
    sys.modules["tidtam"] = _pkg
    _spec.loader.exec_module(_pkg)

if __name__ == "__main__":
    # Hand over to the module proper at once: its body is then compiled once (cached as .pyc)
    # and run once, instead of twice (as the script, then again when imported as tidtam.cli).
    from tidtam.cli import main as _main

    sys.exit(_main())

import importlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402

import click  # noqa: E402

from tidtam import __version__  # noqa: E402
from tidtam.cli_errors import classify, in_thai  # noqa: E402
from tidtam.core.app import App, ExitCode, UserError  # noqa: E402

# Command groups that live in their own modules, imported only when invoked.
LAZY_COMMANDS = {
    "sandbox": ("tidtam.sandbox.cli", "sandbox", "เปิดระบบจำลอง eMENSCR / E-MES บนเครื่องนี้ (สำหรับทดสอบ)"),
}


class TidtamGroup(click.Group):
    """Lazy subcommands, and every user error shown in Thai with a documented exit code."""

    def list_commands(self, ctx):
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS:
            module, attribute, _ = LAZY_COMMANDS[name]
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        # Describe lazy commands from the table above instead of importing them for --help.
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS:
                rows.append((name, LAZY_COMMANDS[name][2]))
            else:
                rows.append((name, super().get_command(ctx, name).get_short_help_str(60)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:  # the group's own options
            raise in_thai(exc, info_name) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a subcommand's options, or a command's own BadParameter
            # click's parser leaves exc.ctx unset on some errors ("--period" with no value): the
            # help to read is then that of the subcommand being started.
            raise in_thai(exc, f"{ctx.command_path} {ctx.invoked_subcommand or ''}".strip()) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            code, message = classify(exc, ctx.obj)
            click.secho(message, fg="red", err=True)
            ctx.exit(code)


# Commands that set a database up and so may create its SQLite file; any other command refuses
# a file that does not exist (a mistyped --db) instead of working on a new, empty database.
CREATES_DATABASE = {"init", "demo", "db"}


def _not_blank(ctx, param, value: str | None) -> str | None:
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


@click.group(cls=TidtamGroup)
@click.option("--db", "db_url", metavar="URL|FILE", callback=_not_blank, help="ฐานข้อมูล (URL ของ SQLAlchemy หรือไฟล์ SQLite); ค่าเริ่มต้น TIDTAM_DATABASE_URL หรือไฟล์ในโฟลเดอร์ข้อมูล")
@click.option("--office", "office_code", metavar="CODE", callback=_not_blank, help="รหัสสำนักงาน (ค่าเริ่มต้นจาก config/office.yaml)")
@click.version_option(__version__, prog_name="tidtam")
@click.pass_context
def main(ctx: click.Context, db_url: str | None, office_code: str | None) -> None:
    """ติดตาม (Tidtam) — เก็บข้อมูลแผนและตัวชี้วัดของ สพท. ไว้ที่เดียว แล้วรายงานทุกระบบ"""
    ctx.obj = App(db_url, office_code, creates_database=ctx.invoked_subcommand in CREATES_DATABASE)


def _print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _console():
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 120)  # piped or captured: do not squeeze Thai text
    return console


# --- set-up ---------------------------------------------------------------------------


@main.command()
@click.pass_obj
def init(app: App) -> None:
    """สร้าง/ปรับฐานข้อมูลให้เป็นรุ่นล่าสุด และโหลดแคตตาล็อกอ้างอิง"""
    from tidtam.core.office_data import load_catalogs
    from tidtam.core.settings import config_dir, data_dir

    app.db.upgrade()
    with app.db.session(actor="init") as session:
        items = load_catalogs(session, config_dir() / "catalogs.yaml")
    click.echo(f"ฐานข้อมูล: {app.db.url.render_as_string(hide_password=True)}")
    click.echo(f"โฟลเดอร์ข้อมูล: {data_dir()}")
    click.echo(f"แคตตาล็อกอ้างอิง: {items} รายการ")


@main.group()
def db() -> None:
    """จัดการฐานข้อมูล"""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(app: App) -> None:
    """ปรับโครงสร้างฐานข้อมูลเป็นรุ่นล่าสุด (alembic)"""
    app.db.upgrade()
    click.echo(f"ฐานข้อมูลเป็นรุ่นล่าสุดแล้ว: {app.db.url.render_as_string(hide_password=True)}")


@main.command()
@click.option("--folder", type=click.Path(exists=True, file_okay=False, path_type=Path), help="โฟลเดอร์ไฟล์ข้อมูลสำนักงาน (ค่าเริ่มต้น: สำนักงานตัวอย่าง)")
@click.pass_context
def demo(ctx: click.Context, folder: Path | None) -> None:
    """โหลดสำนักงานตัวอย่าง (หรือสำนักงานจากโฟลเดอร์ไฟล์ YAML) ลงฐานข้อมูล แทนที่ของเดิม"""
    from tidtam.core.office_data import DEMO_DIR, OfficeFiles, replace_office

    ctx.invoke(init)
    app: App = ctx.obj
    with app.db.session(actor="demo") as session:
        summary = replace_office(session, OfficeFiles.in_folder(folder or DEMO_DIR))
    click.echo(
        f"โหลดสำนักงาน {summary.office_code} แล้ว: {summary.groups} กลุ่ม, {summary.people} คน, "
        f"{summary.projects} โครงการ, ตัวบ่งชี้ E-MES {summary.emes_indicators}, "
        f"ตัวชี้วัดตรวจราชการ {summary.inspection_indicators}, รายงานความก้าวหน้า {summary.progress_reports}, "
        f"ผล E-MES {summary.emes_results}, ผลตรวจราชการ {summary.inspection_results}"
    )
    click.echo("ต่อไป: python cli.py status --period 2570Q1")


# --- what is due, what is missing -------------------------------------------------------


def _parse_period(app: App, text: str, hint: str = "--period"):
    from tidtam.core.periods import PeriodError, parse_period

    try:
        return parse_period(text, rounds=app.profile.evaluation_rounds)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


def _period_of_kind(app: App, text: str, kinds: tuple[str, ...], hint: str = "--period", taker: str = ""):
    """The period ``text`` names, refused unless of one of ``kinds`` ("Q" quarters, "R" rounds);
    ``taker`` names what takes only those (a target) in the message."""
    from tidtam.core.periods import KIND_NAMES_TH

    chosen = _parse_period(app, text, hint)
    if chosen.kind not in kinds:
        names = " หรือ".join(KIND_NAMES_TH[kind] for kind in kinds)
        examples = ", ".join(f"{chosen.fiscal_year}{kind}1" for kind in kinds)
        rule = f"{taker} รับเฉพาะ{names}" if taker else f"ต้องเป็น{names}"
        raise click.BadParameter(f"{rule} เช่น {examples} (ได้ {chosen.id})", param_hint=hint)
    return chosen


def _target_period(app: App, spec, text: str):
    """A period of a kind the target declares it takes (TargetSpec.period_kinds)."""
    return _period_of_kind(app, text, spec.period_kinds, taker=spec.name)


def _date(ctx, param, value: str | None):
    """Option callback: a date as Thai people write it (see core.thai.parse_date), or None."""
    from tidtam.core.thai import ThaiParseError, parse_date

    try:
        return parse_date(value) if value is not None else None
    except ThaiParseError as exc:
        raise click.BadParameter(str(exc)) from None


def _fiscal_year(ctx, param, value: int | None):
    """Option callback: a Buddhist-Era fiscal year such as 2570, or None."""
    from tidtam.core.periods import PeriodError, fiscal_year_bounds

    if value is None:
        return None
    try:
        fiscal_year_bounds(value)
    except PeriodError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _today(value: date | None) -> date:
    """The date an option gave (already parsed by ``_date``), else today."""
    return value or date.today()


@main.command()
@click.option("--period", required=True, help="ช่วงเวลา เช่น 2570Q1 (ไตรมาส) หรือ 2570R1 (รอบการประเมิน)")
@click.option("--json", "as_json", is_flag=True, help="พิมพ์เป็น JSON")
@click.option("--today", hidden=True, callback=_date, help="วันที่อ้างอิง (สำหรับทดสอบ)")
@click.pass_obj
def status(app: App, period: str, as_json: bool, today: date | None) -> None:
    """สิ่งที่ต้องส่งในช่วงเวลานี้ ใครยังไม่ส่ง และส่งเข้าระบบใดไปแล้ว"""
    from tidtam.core.calendar import load_calendar
    from tidtam.core.status import period_status

    chosen = _parse_period(app, period)
    on = _today(today)
    with app.db.session() as session:
        office = app.office(session)
        rows = period_status(session, office, chosen, load_calendar())
        office_name = office.short_name
    if as_json:
        _print_json({
            "office": app.office_code, "period": chosen.id, "label": chosen.label_th(),
            "processes": [
                {**{k: v for k, v in vars(r).items() if k != "items"}, "days_left": r.days_left(on),
                 "expected": r.expected, "filled": r.filled, "missing": [vars(i) for i in r.missing],
                 "invalid": [{**vars(s.item), "problems": s.problems} for s in r.invalid]}
                for r in rows
            ],
        })
        return
    _render_status(office_name, chosen, rows, on)


def _render_status(office_name: str, period, rows, today) -> None:
    from rich.table import Table

    from tidtam.core.thai import thai_date

    console = _console()
    table = Table(title=f"{office_name} — สถานะ{period.label_th()}", title_justify="left")
    for header in ("กระบวนงาน", "กำหนดส่ง", "เหลือ (วัน)", "ได้รับแล้ว", "ยังขาด", "ส่งเข้าระบบแล้ว"):
        table.add_column(header)
    for r in rows:
        days = r.days_left(today)
        late = days is not None and days < 0 and r.missing
        table.add_row(
            f"{r.code} {r.short_name}",
            thai_date(r.due) if r.due else "-",
            "-" if days is None else (f"[red]เลยกำหนด {-days}[/red]" if late else str(days)),
            f"{r.filled}/{r.expected}",
            f"[red]{len(r.missing)}[/red]" if r.missing else "[green]0[/green]",
            f"{r.pushed} ({r.target})" + (f" [red]ล้มเหลว {r.failed}[/red]" if r.failed else "") if r.target else "-",
        )
    console.print(table)
    _render_missing(console, rows)


def _render_missing(console, rows) -> None:
    """Who to phone: missing items per owner; processes fed by the same data are listed once."""
    from rich.table import Table

    label = {}  # what the processes collect → their short names ("eMENSCR/แผนปฏิบัติราชการ")
    for r in rows:
        label[r.collects] = "/".join(filter(None, [label.get(r.collects), r.short_name]))
    by_owner: dict[tuple, dict[str, set]] = {}
    for r in rows:
        for item in r.missing:
            owner = (item.owner_name or "(ยังไม่กำหนดผู้รับผิดชอบ)", item.group or "-")
            by_owner.setdefault(owner, {}).setdefault(r.collects, set()).add(item.code)
    if not by_owner:
        console.print("[green]ได้รับข้อมูลครบทุกรายการแล้ว[/green]")
        return
    table = Table(title="ยังไม่ได้รับข้อมูลจาก", title_justify="left")
    for header in ("ผู้รับผิดชอบ", "กลุ่ม", "จำนวน", "รายการ"):
        table.add_column(header)
    count = lambda kinds: sum(len(codes) for codes in kinds.values())  # noqa: E731
    for (name, group), kinds in sorted(by_owner.items(), key=lambda kv: (-count(kv[1]), kv[0])):
        items = "; ".join(f"{label[kind]}: {', '.join(sorted(codes))}" for kind, codes in sorted(kinds.items()))
        table.add_row(name, group, str(count(kinds)), items)
    console.print(table)


@main.command()
@click.option("--fy", type=int, callback=_fiscal_year, help="ปีงบประมาณ พ.ศ. (ค่าเริ่มต้น: ปีปัจจุบัน)")
@click.option("--json", "as_json", is_flag=True, help="พิมพ์เป็น JSON")
def calendar(fy: int | None, as_json: bool) -> None:
    """ปฏิทินการปฏิบัติงานของงานติดตามฯ พร้อมกำหนดส่งของปีงบประมาณ"""
    from tidtam.core.calendar import load_calendar
    from tidtam.core.config import office_profile
    from tidtam.core.periods import current_fiscal_year, fiscal_months, quarters, rounds

    fy = fy or current_fiscal_year()
    profile = office_profile()
    periods = {"Q": quarters(fy), "R": rounds(fy, profile.evaluation_rounds)}
    processes = [
        {
            "code": p.code, "short_name": p.short_name, "name": p.name, "months": p.months, "target": p.target,
            "deadlines": [{"period": per.id, "due": p.due(per)} for per in periods.get(p.period_kind, []) if p.due(per)],
        }
        for p in load_calendar().processes
    ]
    if as_json:
        _print_json({"fiscal_year": fy, "processes": processes})
        return
    _render_calendar(fy, fiscal_months(fy), processes)


def _render_calendar(fy, months, processes) -> None:
    from rich.table import Table

    from tidtam.core.thai import MONTH_ABBR, thai_date

    table = Table(title=f"ปฏิทินการปฏิบัติงาน ปีงบประมาณ พ.ศ. {fy}", title_justify="left")
    table.add_column("กระบวนงาน", no_wrap=True)
    for _, month in months:
        table.add_column(MONTH_ABBR[month], justify="center", no_wrap=True)
    for p in processes:
        marks = ["●" if month in p["months"] else "" for _, month in months]
        table.add_row(f"{p['code']} {p['short_name']}", *marks)
    console = _console()
    console.print(table)
    for p in processes:
        due = ", ".join(f"{d['period'][4:]} {thai_date(d['due'])}" for d in p["deadlines"])
        console.print(f"{p['code']} {p['name']}" + (f"\n    [bold]กำหนดส่ง[/bold] {due}" if due else ""))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="พิมพ์เป็น JSON")
@click.pass_obj
def plugins(app: App, as_json: bool) -> None:
    """ปลั๊กอินที่โหลด: ชื่อ รุ่น hook ที่มี และมาจากไหน"""
    registry = app.plugins
    rows = [
        {
            "name": p.name, "version": p.version, "origin": p.origin, "hooks": registry.hooks_of(p),
            "targets": [
                {"name": t, "form_version": registry.targets[t].version, "modes": list(registry.targets[t].modes)}
                for t, owner in sorted(registry.target_owner.items()) if owner == p.name
            ],
            "error": p.error,
        }
        for p in registry.plugins
    ]
    if as_json:
        _print_json(rows)
        return
    from rich.table import Table

    table = Table(title="ปลั๊กอิน", title_justify="left")
    for header in ("ชื่อ", "รุ่น", "เป้าหมาย", "hooks", "ที่มา"):
        table.add_column(header)
    for r in rows:
        hooks = f"[red]{r['error']}[/red]" if r["error"] else ", ".join(r["hooks"])
        targets = ", ".join(f"{t['name']} (แบบฟอร์ม {t['form_version']})" for t in r["targets"])
        table.add_row(r["name"], r["version"], targets or "-", hooks, r["origin"])
    _console().print(table)


@main.group()
def report() -> None:
    """รายงานของงานติดตามฯ (xlsx/docx ภาษาไทย)"""
    # Subcommands: `report emenscr` (after a push, issue 6), `report progress` and
    # `report annual` (issue 9). Each attaches with @report.command(...).


# --- intake: templates out, workbooks in, who is missing (issue 5) ---------------------


@main.group()
def templates() -> None:
    """แบบรายงาน Excel สำหรับผู้รับผิดชอบแต่ละคน"""


@templates.command("make")
@click.option("--period", required=True, help="ไตรมาส (2570Q1: ความก้าวหน้าโครงการ) หรือรอบ (2570R1: E-MES และตรวจราชการ)")
@click.option("--owner", "owners", multiple=True, metavar="CODE", help="เฉพาะผู้รับผิดชอบรหัสนี้ (ใส่ซ้ำได้)")
@click.option("--kind", type=click.Choice(["progress", "emes", "inspection"]), help="เฉพาะแบบรายงานชนิดนี้")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="โฟลเดอร์ปลายทาง (ค่าเริ่มต้น: แบบรายงาน_<ช่วงเวลา>)")
@click.option("--json", "as_json", is_flag=True, help="พิมพ์เป็น JSON")
@click.pass_obj
def templates_make(app: App, period: str, owners: tuple[str, ...], kind: str | None, out_dir: Path | None, as_json: bool) -> None:
    """สร้างแบบรายงาน .xlsx หนึ่งไฟล์ต่อผู้รับผิดชอบ กรอกข้อมูลของเขาไว้ให้แล้ว"""
    from tidtam.core.intake.layouts import LAYOUTS, layouts_for
    from tidtam.core.intake.sources import ROW_SOURCES, owners_with_items
    from tidtam.core.intake.writer import file_name, write_workbook

    chosen = _parse_period(app, period)
    layouts = [LAYOUTS[kind]] if kind else layouts_for(chosen.kind)
    out_dir = out_dir or Path(f"แบบรายงาน_{chosen.id}")
    written = []
    with app.db.session() as session:
        office = app.office(session)
        for layout in layouts:
            if layout.period_kind != chosen.kind:
                raise UserError(f"แบบรายงาน {layout.kind} ใช้กับช่วงเวลา {chosen.id} ไม่ได้", ExitCode.USAGE)
            people = owners_with_items(session, office, layout.kind, chosen)
            unknown = set(owners) - {p.code for p in people}
            if owners and unknown == set(owners):
                continue
            for person in people:
                if owners and person.code not in owners:
                    continue
                rows = ROW_SOURCES[layout.kind](session, office, chosen, person)
                path = write_workbook(layout, chosen, office, person, rows, out_dir / file_name(layout, chosen, person))
                written.append({"kind": layout.kind, "owner": person.code, "name": person.full_name, "path": str(path), "rows": sum(map(len, rows.values()))})
    if owners and not written:
        raise UserError(f"ไม่มีรายการที่ {', '.join(owners)} รับผิดชอบในช่วงเวลา {chosen.id}")
    if as_json:
        _print_json(written)
        return
    for item in written:
        click.echo(f"{item['path']}  ({item['name']}, {item['rows']} แถว)")
    click.echo(f"สร้างแบบรายงาน {len(written)} ไฟล์ใน {out_dir}")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--period", help="รับเฉพาะแบบรายงานของช่วงเวลานี้")
@click.option("--by", "actor", default="", help="ชื่อผู้นำเข้า (บันทึกใน audit log)")
@click.option("--replace", is_flag=True, help="ยืนยันว่าไฟล์นี้เป็นฉบับล่าสุดของผู้รับผิดชอบ แม้เวลาบันทึกในไฟล์จะเก่ากว่าหรือไม่มี")
@click.option("--allow-clear", is_flag=True, help="ยอมให้แถวที่ว่างในไฟล์ ลบรายงานเดิมของแถวนั้น (ค่าเดิมยังอยู่ใน audit log)")
@click.option("--json", "as_json", is_flag=True, help="พิมพ์เป็น JSON")
@click.pass_obj
def import_(app: App, paths: tuple[Path, ...], period: str | None, actor: str, replace: bool, allow_clear: bool, as_json: bool) -> None:
    """นำเข้าแบบรายงานที่ได้รับคืน (ไฟล์หรือโฟลเดอร์) ทีละไฟล์ ไฟล์ที่ผิดจะไม่เปลี่ยนฐานข้อมูลเลย"""
    from tidtam.core.intake.apply import Consent, expand, import_file
    from tidtam.core.intake.evidence import EvidenceRules
    from tidtam.core.intake.reader import IntakeError

    expect = _parse_period(app, period) if period else None
    rules = EvidenceRules(app.profile.evidence.types, app.profile.evidence.max_bytes)
    consent = Consent(replace=replace, allow_clear=allow_clear)
    outcomes, refused = [], 0
    for path in expand(list(paths)):
        try:
            done = import_file(app.db, app.office, path, expect_period=expect, rounds=app.profile.evaluation_rounds, actor=actor,
                               evidence=rules, consent=consent)
            warnings = [str(w) for w in done.warnings]
            outcomes.append({"file": str(path), "outcome": done.outcome, "owner": done.owner, "period": done.period,
                             "records": done.records, "cleared": done.cleared, "warnings": warnings})
            if not as_json:
                text = "ไม่มีการเปลี่ยนแปลง (นำเข้าแล้ว)" if done.outcome == "unchanged" else f"นำเข้าแล้ว {done.records} รายการ" + (f", ล้างค่า {done.cleared} รายการ" if done.cleared else "")
                click.secho(f"✓ {path.name}: {done.owner} {done.period} — {text}", fg="green")
                for line in warnings:
                    click.secho(f"    ⚠ {line}", fg="yellow")
        except (IntakeError, UserError) as exc:
            refused += 1
            problems = [str(p) for p in exc.problems] if isinstance(exc, IntakeError) else [f"{path.name}: {exc}"]
            outcomes.append({"file": str(path), "outcome": "refused", "problems": problems})
            if not as_json:
                click.secho(f"✗ {path.name}: ไม่นำเข้า ฐานข้อมูลไม่เปลี่ยนแปลง", fg="red", err=True)
                for line in problems:
                    click.echo(f"    {line}", err=True)
    if as_json:
        _print_json(outcomes)
    elif len(outcomes) > 1:
        warned = sum(1 for o in outcomes if o.get("warnings"))
        click.echo(f"สรุป: นำเข้า/ไม่เปลี่ยน {len(outcomes) - refused} ไฟล์, ไม่นำเข้า {refused} ไฟล์"
                   + (f", มีคำเตือน {warned} ไฟล์ (ข้อมูลที่ไม่ได้นำเข้า ดูเครื่องหมาย ⚠)" if warned else ""))
    if refused:
        raise click.exceptions.Exit(ExitCode.BAD_DATA)


@main.command()
@click.option("--period", required=True, help="ช่วงเวลา เช่น 2570Q1 หรือ 2570R1")
@click.option("--json", "as_json", is_flag=True, help="พิมพ์เป็น JSON")
@click.option("--today", hidden=True, callback=_date, help="วันที่อ้างอิง (สำหรับทดสอบ)")
@click.pass_obj
def completeness(app: App, period: str, as_json: bool, today: date | None) -> None:
    """ความครบถ้วนรายกระบวนงานและรายผู้รับผิดชอบ; รหัสออก 3 ขณะที่ยังมีรายการขาดหรือไม่ผ่านการตรวจ"""
    from tidtam.core.calendar import load_calendar
    from tidtam.core.completeness import by_owner
    from tidtam.core.status import period_status

    chosen = _parse_period(app, period)
    on = _today(today)
    with app.db.session() as session:
        office = app.office(session)
        rows = by_owner(period_status(session, office, chosen, load_calendar()))
        office_name = office.short_name
    if as_json:
        _print_json([
            {**{k: v for k, v in vars(r).items() if k != "invalid"}, "complete": r.complete,
             "invalid": [{"code": s.item.code, "problems": s.problems} for s in r.invalid]}
            for r in rows
        ])
    else:
        _render_completeness(office_name, chosen, rows, on)
    if any(not r.complete for r in rows):
        raise click.exceptions.Exit(ExitCode.INCOMPLETE)


def _render_completeness(office_name: str, period, rows, today) -> None:
    from rich.table import Table

    from tidtam.core.thai import thai_date

    console = _console()
    table = Table(title=f"{office_name} — ความครบถ้วนของข้อมูล {period.label_th()}", title_justify="left")
    for header in ("กระบวนงาน", "ผู้รับผิดชอบ", "กลุ่ม", "ได้รับ", "ขาด", "ไม่ผ่านการตรวจ", "กำหนดส่ง"):
        table.add_column(header)
    for r in rows:
        late = r.due is not None and r.due < today and not r.complete
        due = "-" if r.due is None else (f"[red]{thai_date(r.due)} (เลยกำหนด)[/red]" if late else thai_date(r.due))
        table.add_row(
            f"{r.process_code} {r.process}", r.owner_name, r.group, str(r.filled),
            f"[red]{len(r.missing)}[/red] ({', '.join(r.missing)})" if r.missing else "[green]0[/green]",
            f"[yellow]{len(r.invalid)}[/yellow]" if r.invalid else "0", due,
        )
    console.print(table)
    for r in rows:
        for state in r.invalid:
            console.print(f"[yellow]ไม่ผ่านการตรวจ[/yellow] {r.process} {state.item.code} ({r.owner_name}): " + "; ".join(state.problems))
    incomplete = sum(1 for r in rows if not r.complete)
    console.print(f"[red]ยังไม่ครบ {incomplete} รายการผู้รับผิดชอบ[/red]" if incomplete else "[green]ครบถ้วนทุกรายการ[/green]")


# --- push, approve, doctor, report (issue 6) ---


def _push_target(app: App, target: str):
    """The run's view of a target: hooks, spec, validated config (pinned version), database."""
    from tidtam.core.config import target_config
    from tidtam.core.push.run import Target

    spec = app.plugins.target(target)
    with app.db.session() as session:
        office_code = app.office(session).code
    return Target(app.db, app.plugins.hook, spec, target_config(spec, app.profile), office_code)


def _credentials(target: str):
    from tidtam.core.credentials import CredentialsMissing, get_credentials

    prompt = (lambda label, hide_input: click.prompt(label, hide_input=hide_input)) if sys.stdin.isatty() else None
    try:
        return get_credentials(target, prompt=prompt)
    except CredentialsMissing as exc:
        raise UserError(str(exc), ExitCode.BAD_DATA) from None


def _run_options(mode, concurrency, trace, read_timeout, action_timeout, kind, target, period, new_projects=False):
    from tidtam.core.push.run import Options, new_run_dir
    from tidtam.core.settings import data_dir

    run_dir = new_run_dir(data_dir(), target, period.id, kind)
    return Options(mode=mode, concurrency=concurrency, trace=trace, read_timeout=read_timeout,
                   action_timeout=action_timeout, run_dir=run_dir, new_projects=new_projects)


_PUSH_OPTIONS = [
    click.option("--period", required=True, help="ไตรมาส เช่น 2570Q1"),
    click.option("--mode", type=click.Choice(["browser", "http"]), default="browser", show_default=True,
                 help="browser: กรอกผ่านเบราว์เซอร์ (Chromium); http: ส่งผ่าน JSON endpoint ที่หน้าเว็บใช้"),
    click.option("--concurrency", type=click.IntRange(1, 10), default=3, show_default=True,
                 help="จำนวนคำขอถึงเว็บไซต์พร้อมกันสูงสุด (สุภาพกับเซิร์ฟเวอร์ราชการ)"),
    click.option("--trace", is_flag=True, help="เก็บ Playwright trace และภาพหน้าจอของทุกความล้มเหลวในโฟลเดอร์การรัน"),
    click.option("--read-timeout", type=SECONDS, default=15.0, show_default=True, help="วินาทีต่อการโหลด/อ่านหน้า (อ่านซ้ำได้)"),
    click.option("--action-timeout", type=SECONDS, default=120.0, show_default=True, help="วินาทีที่รอคำตอบการบันทึก"),
]


def _push_options(command):
    for option in reversed(_PUSH_OPTIONS):
        command = option(command)
    return command


@main.command()
@click.argument("target")
@_push_options
@click.option("--dry-run", is_flag=True, help="เตรียม ตรวจ กรอกแบบฟอร์มโดยไม่บันทึก ถ่ายภาพ และเขียนหน้าตัวอย่าง")
@click.option("--new-projects", is_flag=True, help="รวมโครงการที่ยังไม่มีในระบบ (M1–M5, M7) ในการแสดงตัวอย่าง")
@click.pass_obj
def push(app: App, target, period, mode, concurrency, trace, read_timeout, action_timeout, dry_run, new_projects):
    """ส่งข้อมูลที่ผู้อำนวยการอนุมัติแล้วเข้าระบบปลายทาง (หรือ --dry-run เพื่อดูตัวอย่างก่อน)"""
    from tidtam.core.push import run

    chosen = _target_period(app, app.plugins.target(target), period)
    t = _push_target(app, target)
    credentials = _credentials(target)
    options = _run_options(mode, concurrency, trace, read_timeout, action_timeout,
                           "dry-run" if dry_run else "push", target, chosen, new_projects)
    if dry_run:
        result = run.dry_run(t, chosen, credentials, options)
        _print_dry_run(result, target, chosen)
        bad = [r for r in result.rows if r.state in ("invalid", "error")]
        if bad:
            raise SystemExit(ExitCode.INCOMPLETE)
        return
    result = _push_with_progress(run, t, chosen, credentials, options)
    _print_push(result, target, chosen)
    if result.failures:
        raise SystemExit(ExitCode.INCOMPLETE)


def _print_dry_run(result, target, period) -> None:
    console = _console()
    counts = {s: sum(1 for r in result.rows if r.state == s) for s in ("preview", "invalid", "error", "sent")}
    console.print(f"แสดงตัวอย่าง {target} {period.id}: พร้อมส่ง {counts['preview']} รายการ, ยังไม่พร้อม {counts['invalid']}, "
                  f"เปิดแบบฟอร์มไม่ได้ {counts['error']}, ส่งแล้ว {counts['sent']} — ยังไม่ได้บันทึกสิ่งใดในระบบปลายทาง")
    for row in result.rows:
        for error in row.errors:
            console.print(f"[red]✗ {row.payload.record_key} ({row.payload.action}) › {error}[/red]", markup=True)
    click.echo(f"ค่าแฮชของชุดข้อมูล: {result.set_hash}")  # plain echo: a path or hash is never wrapped
    click.echo(f"เปิดหน้าตัวอย่าง: {result.preview_path}")
    approve = f'python cli.py approve {target} --period {period.id} --by "ชื่อผู้อนุมัติ"'
    if counts["invalid"] or counts["error"]:  # the director is never asked to approve what would fail
        click.echo(f"ยังไม่พร้อมขออนุมัติ: แก้ตามรายการ ✗ ข้างบน แล้วรัน push {target} --period {period.id} --dry-run ใหม่ "
                   f"(หน้าเว็บเปลี่ยน: ดู python cli.py doctor {target}) — หรืออนุมัติเฉพาะรายการที่พร้อม: {approve} --only-ready")
    else:
        click.echo(f"ต่อไป: {approve}")


def _push_with_progress(run, t, period, credentials, options):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[last]}"), console=_console(), transient=False) as bar:
        task = bar.add_task(f"ส่ง {t.spec.name} {period.id}", total=None, last="")

        def on_progress(kind, *args):
            if kind == "start":
                bar.update(task, total=args[0])
            else:
                payload, state = args
                bar.update(task, advance=1, last=f"{payload.record_key}: {state}")
        return run.push(t, period, credentials, options, on_progress)


def _print_push(result, target, period) -> None:
    console = _console()
    names = {"submitted": "ส่งสำเร็จ (อ่านกลับตรงกัน)", "failed": "ล้มเหลว", "unknown": "ไม่แน่ใจ (จะกระทบยอดในรอบถัดไป)",
             "planned": "ยังไม่ได้อนุมัติ/ข้อมูลไม่ผ่าน", "approved": "อนุมัติแล้ว รอส่ง"}
    console.print(f"ผลการส่ง {target} {period.id}: " + ", ".join(f"{names.get(k, k)} {v}" for k, v in sorted(result.counts.items())))
    for record, action, error in result.failures:
        console.print(f"[red]✗ {record} ({action}): {error}[/red]")
    refused = [f for f in result.failures if (f[0], f[1]) in result.refused]
    if refused:  # the site said no to the values: a rerun gets the same answer
        console.print(f"ระบบไม่รับ {len(refused)} รายการ: ทำตามข้อความของแต่ละรายการข้างบน — แก้ข้อมูล (หรือ forms.yaml "
                      f"ถ้าหน้าเว็บเปลี่ยน: python cli.py doctor {target}) แล้ว push --dry-run และขออนุมัติใหม่ หรือรอตามที่ระบบแจ้ง "
                      "(รันซ้ำทันทีโดยไม่แก้จะได้ผลเดิม)")
    if len(refused) < len(result.failures):
        console.print(f"รายการที่ยังไม่แน่ใจหรือยังไม่ได้ส่ง {len(result.failures) - len(refused)} รายการ: "
                      f"รันคำสั่งเดิมอีกครั้งเพื่อกระทบยอดและส่งต่อ (ไม่ส่งซ้ำ) · โฟลเดอร์การรัน: {result.run_dir}")
    if not result.failures:
        console.print(f"ต่อไป: python cli.py report {target} --period {period.id}")


@main.command()
@click.argument("target")
@click.option("--period", required=True, help="ไตรมาส เช่น 2570Q1")
@click.option("--by", "by", required=True, callback=_not_blank, help="ชื่อผู้อนุมัติ (ผู้อำนวยการ)")
@click.option("--only-ready", is_flag=True, help="อนุมัติเฉพาะรายการที่ตัวอย่างพร้อมส่ง (รายการที่มีปัญหาไม่รวม ต้องแก้แล้วอนุมัติแยก)")
@click.pass_obj
def approve(app: App, target, period, by, only_ready):
    """บันทึกการอนุมัติชุดข้อมูลที่แสดงตัวอย่างไว้ (ผูกกับค่าแฮช ข้อมูลเปลี่ยนเมื่อใดการอนุมัติเป็นโมฆะ)
    ถ้าตัวอย่างพบปัญหาในรายการใด จะไม่อนุมัติทั้งชุด เว้นแต่ระบุ --only-ready"""
    from tidtam.core.push import run

    chosen = _target_period(app, app.plugins.target(target), period)
    t = _push_target(app, target)
    record, count = run.approve(t, chosen, by, only_ready)
    digest = record.payload_set_hash
    click.echo(f"อนุมัติแล้ว {count} รายการ โดย {by} — ค่าแฮช {digest}")
    # e-mail targets deliver a package; web targets push records
    step = f"deliver {target} --round" if "email" in t.spec.modes else f"push {target} --period"
    click.echo(f"ต่อไป: python cli.py {step} {chosen.id}")


# --- report progress, report annual (issue 9) ---


def _chart_font_guard():
    """Turn a missing Thai chart font into a Thai message instead of a traceback."""
    from contextlib import contextmanager

    from tidtam.core.reports.charts import ChartFontError

    @contextmanager
    def guard():
        try:
            yield
        except ChartFontError as exc:
            raise UserError(str(exc), ExitCode.ERROR) from None
    return guard()


@report.command("progress")
@click.option("--period", required=True, help="ไตรมาส เช่น 2570Q2")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="โฟลเดอร์ปลายทาง (ค่าเริ่มต้น: รายงานความก้าวหน้า_<ไตรมาส>)")
@click.option("--date", "as_of", callback=_date, help="วันที่ของข้อมูลที่พิมพ์ในรายงาน (ค่าเริ่มต้น: วันนี้)")
@click.pass_obj
def report_progress(app: App, period: str, out_dir: Path | None, as_of: date | None) -> None:
    """รายงานความก้าวหน้าตามแผนปฏิบัติราชการสำหรับที่ประชุม (docx, xlsx, แผนภูมิ)"""
    from tidtam.core.reports import progress

    chosen = _period_of_kind(app, period, ("Q",))
    with app.db.session() as session:
        data = progress.collect(session, app.office(session), chosen, app.profile.disbursement_targets, _today(as_of))
    with _chart_font_guard():
        files = progress.write(data, out_dir or Path(progress.file_stem(chosen)))
    for path in files:
        click.echo(path)
    total = data.total()
    click.echo(f"{chosen.id}: {total.projects} โครงการ, ส่งรายงาน {total.reported}, "
               f"เบิกจ่ายสะสมร้อยละ {total.disbursed_percent or 0:.1f} (เป้าหมาย {data.target_percent:g}), ล่าช้า {total.late}")



@report.command("annual")
@click.option("--fy", type=int, required=True, callback=_fiscal_year, help="ปีงบประมาณ พ.ศ. เช่น 2570")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="โฟลเดอร์ปลายทาง (ค่าเริ่มต้น: รายงานประจำปี_<ปี>)")
@click.option("--date", "as_of", callback=_date, help="วันที่ของรายงาน (ค่าเริ่มต้น: วันนี้)")
@click.pass_obj
def report_annual(app: App, fy: int, out_dir: Path | None, as_of: date | None) -> None:
    """รายงานผลการดำเนินงานประจำปี: docx พร้อมพิมพ์ และโฟลเดอร์เว็บไซต์สำหรับเผยแพร่"""
    from tidtam.core.reports import annual

    settings = annual.load_settings()
    with app.db.session() as session:
        data = annual.collect(session, app.office(session), fy, app.profile, settings, _today(as_of))
    with _chart_font_guard():
        files = annual.write(data, out_dir or Path(annual.folder_name(fy)))
    for path in files:
        click.echo(path)


@main.command()
@click.argument("target")
@click.option("--period", help="ช่วงเวลาที่จะส่ง เช่น 2570Q1 (ตรวจหน้าที่ขึ้นกับช่วงเวลานั้น; ค่าเริ่มต้น: ปีปัจจุบัน)")
@click.option("--read-timeout", type=SECONDS, default=15.0, show_default=True, help="วินาทีต่อการโหลดหน้า")
@click.pass_obj
def doctor(app: App, target, period, read_timeout):
    """ตรวจว่าหน้าเว็บยังตรงกับ forms.yaml: ทุกช่อง ปุ่ม ตัวเลือก และช่องบังคับกรอก บนทุกหน้าที่การส่งใช้ โดยไม่บันทึกอะไร"""
    from tidtam.core.push import run
    from tidtam.core.settings import data_dir

    chosen = _target_period(app, app.plugins.target(target), period) if period else None
    t = _push_target(app, target)
    options = run.Options(mode="browser", concurrency=1, read_timeout=read_timeout,
                          run_dir=run.new_run_dir(data_dir(), target, "pages", "doctor"))
    results = run.doctor(t, _credentials(target), options, chosen)
    forms = t.config.folder / "forms.yaml"
    console = _console()
    for r in results:
        if r.ok or not r.detail:  # a page as a whole: its problems follow it, one line each
            console.print(("[green]✓[/green] " if r.ok else "[red]✗[/red] ") + r.name + (f" — {r.detail}" if r.detail else ""))
        else:  # the file and key to edit, what was looked for and what the page has instead
            where = f"{forms} › {r.name}" if "." in r.name else r.name
            click.secho(f"    ✗ {where}: {r.detail}", fg="red")  # never wrapped: a path and key are copied as they are
    broken = [r for r in results if not r.ok and r.detail]
    if broken:
        console.print(f"[red]หน้าเว็บไม่ตรงกับ {forms} {len(broken)} จุด[/red] — แก้ตามแต่ละบรรทัด (ดู docs/เมื่อเว็บไซต์เปลี่ยน.md) "
                      f"แล้วรัน python cli.py doctor {target} อีกครั้ง ก่อน push --dry-run")
        raise SystemExit(ExitCode.BAD_DATA)
    console.print(f"[green]หน้าเว็บตรงกับ {forms} ทุกหน้า ({len(results)} รายการ)[/green] — ต่อไป: push {target} --dry-run")


@report.command("emenscr")
@click.option("--period", required=True, help="ไตรมาส เช่น 2570Q1")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="โฟลเดอร์ที่จะเขียนไฟล์ (ค่าเริ่มต้น: โฟลเดอร์ข้อมูล/reports)")
@click.pass_obj
def report_push(app: App, period, out_dir, target="emenscr"):
    """สรุปผลการส่งเข้า eMENSCR (xlsx และ docx): ส่งอะไร เมื่อใด โดยใคร เลขที่ในระบบ ความล้มเหลว"""
    from tidtam.core.push import report as reports
    from tidtam.core.settings import data_dir

    spec = app.plugins.target(target)
    chosen = _target_period(app, spec, period)
    with app.db.session() as session:
        summary = reports.build(session, app.office(session), spec.title, target, chosen, spec.action_titles)
    folder = out_dir or data_dir() / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{target}-{chosen.id}-สรุปการส่ง"
    xlsx = reports.write_xlsx(summary, stem.with_suffix(".xlsx"))
    docx = reports.write_docx(summary, stem.with_suffix(".docx"))
    for line in summary.lines:
        click.echo(line)
    click.echo(f"เขียนแล้ว: {xlsx}\n          {docx}")


# --- package inspection, deliver (issue 8) ---


def _round(app: App, text: str):
    return _period_of_kind(app, text, ("R",), hint="--round")


@main.command("package")
@click.argument("target", type=click.Choice(["inspection"]))
@click.option("--round", "--period", "period", required=True, help="รอบการประเมิน เช่น 2570R1")
@click.option("--date", "memo_date", callback=_date, help="วันที่ของบันทึกข้อความและของไฟล์ (ค่าเริ่มต้น: วันนี้)")
@click.option("--doc-no", default="", help="เลขที่หนังสือในบันทึกข้อความ (ค่าเริ่มต้น: document_number_prefix ใน config/office.yaml)")
@click.option("--allow-incomplete", is_flag=True, help="สร้างได้แม้บางตัวชี้วัดยังไม่ส่งผล (ระบุว่า \"ยังไม่ได้รับรายงานผล\")")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="คัดลอกชุดเอกสารไปไว้ที่โฟลเดอร์นี้ด้วย (เพื่อเปิดดู)")
@click.pass_obj
def package_(app: App, target, period, memo_date, doc_no, allow_incomplete, out_dir):
    """ชุดเอกสารรายงานการตรวจราชการ: รายงาน (docx) สไลด์ (pptx) แบบรายงาน (xlsx) หลักฐาน (zip) manifest.json"""
    from tidtam.core.push.lock import Lock
    from tidtam.core.push.plan import in_flight, rows_of
    from tidtam.plugins.inspection import package

    chosen = _round(app, period)
    t = _push_target(app, target)
    with app.db.session() as session:
        office_id = app.office(session).id
    with _chart_font_guard(), Lock(app.db, office_id, target, chosen.id), app.db.session() as session:
        office = app.office(session)
        stuck = in_flight(session, office, target, chosen.id)
        if stuck:
            raise UserError(f"มีอีเมลของชุดเดิมที่ยังไม่รู้ผล ({stuck[0].record_key}) — รัน deliver {target} --round {chosen.id} "
                            "ให้กระทบยอดเสร็จก่อน แล้วจึงสร้างชุดเอกสารใหม่", ExitCode.INCOMPLETE)
        sent = sum(1 for r in rows_of(session, office, target, chosen.id).values() if r.state.value == "submitted")
        built = package.build(session, office, chosen, t.config, _today(memo_date), allow_incomplete=allow_incomplete,
                              doc_no=doc_no or app.profile.document_number_prefix)
    for f in built.files:
        click.echo(f"{built.folder / f.name}  {f.size:,} ไบต์  sha256 {f.sha256[:16]}…")
    if out_dir:
        package.copy_to(built, out_dir)
        click.echo(f"คัดลอกไว้ที่ {out_dir}")
    if built.not_reported:
        click.echo(f"ตัวชี้วัดที่ยังไม่ได้รับรายงานผล: {', '.join(built.not_reported)}")
    if sent:
        click.echo(f"หมายเหตุ: ส่งชุดก่อนหน้าไปแล้ว {sent} ฉบับ ชุดนี้จะส่งเป็นชุดใหม่ทั้งชุดหลังอนุมัติ")
    click.echo(f"รหัสชุดเอกสาร (sha256 ของ manifest.json): {built.package_hash}")
    click.echo(f"ต่อไป: python cli.py deliver {target} --round {chosen.id} --dry-run")


@main.command("deliver")
@click.argument("target", type=click.Choice(["inspection"]))
@click.option("--round", "--period", "period", required=True, help="รอบการประเมิน เช่น 2570R1")
@click.option("--dry-run", is_flag=True, help="แสดงตัวอย่างอีเมลที่จะส่ง (HTML) โดยไม่ส่ง")
@click.option("--mark-delivered", "delivered", type=int, multiple=True, metavar="ฉบับที่",
              help="ยืนยันว่าฉบับที่ไม่แน่ใจนี้ถึงผู้รับแล้ว (ต้องใส่ --by)")
@click.option("--allow-resend", "resend", type=int, multiple=True, metavar="ฉบับที่",
              help="ยืนยันว่าฉบับที่ไม่แน่ใจนี้ไม่ถึงผู้รับ อนุญาตส่งซ้ำหนึ่งครั้ง (ต้องใส่ --by)")
@click.option("--by", "by", callback=_not_blank, help="ชื่อผู้ตัดสินใจ (บันทึกในสมุดบันทึกการส่ง)")
@click.pass_obj
def deliver(app: App, target, period, dry_run, delivered, resend, by):
    """ส่งชุดเอกสารที่อนุมัติแล้วทางอีเมล (แบ่งไฟล์แนบตามขนาด ไม่ส่งซ้ำ) หรือ --dry-run เพื่อดูตัวอย่างก่อน"""
    from tidtam.plugins.inspection import deliver as delivery

    chosen = _round(app, period)
    t = _push_target(app, target)
    if delivered or resend:
        if by is None:
            raise click.UsageError('ต้องระบุชื่อผู้ตัดสินใจด้วย --by "ชื่อ" เมื่อใช้ --mark-delivered หรือ --allow-resend')
        for part in delivered:
            delivery.resolve(t, chosen, part, "delivered", by)
            click.echo(f"ฉบับที่ {part}: บันทึกว่าถึงผู้รับแล้ว โดย {by}")
        for part in resend:
            delivery.resolve(t, chosen, part, "resend", by)
            click.echo(f"ฉบับที่ {part}: อนุญาตให้ส่งซ้ำหนึ่งครั้ง โดย {by} — รัน deliver {target} --round {chosen.id} เพื่อส่ง")
        return
    if dry_run:
        from tidtam.core.push.run import new_run_dir
        from tidtam.core.settings import data_dir

        result = delivery.preview(t, chosen, new_run_dir(data_dir(), target, chosen.id, "dry-run"))
        counts = {s: sum(1 for p in result.parts if p.state == s) for s in ("preview", "invalid", "sent")}
        click.echo(f"แสดงตัวอย่าง {target} {chosen.id}: จะส่ง {counts['preview']} ฉบับ, ไม่ผ่านการตรวจ {counts['invalid']}, "
                   f"ส่งแล้ว {counts['sent']} — ยังไม่ได้ส่งอีเมลใด ๆ")
        for part in result.parts:
            for error in part.errors:
                click.secho(f"✗ {part.payload.record_key} › {error}", fg="red")
        click.echo(f"รหัสชุดเอกสาร: {result.package.package_hash}")
        click.echo(f"ค่าแฮชของชุดอีเมล: {result.set_hash}")
        click.echo(f"เปิดหน้าตัวอย่าง: {result.path}")
        click.echo(f'ต่อไป: python cli.py approve {target} --period {chosen.id} --by "ชื่อผู้อนุมัติ"')
        if counts["invalid"]:
            raise SystemExit(ExitCode.INCOMPLETE)
        return
    names = {"submitted": "ส่งแล้ว", "failed": "ส่งไม่สำเร็จ", "unknown": "ไม่แน่ใจว่าถึงหรือไม่", "approved": "ยังไม่ได้ส่ง"}

    def on_part(part, state, why):
        click.echo(f"ฉบับที่ {part}: {names.get(state, state)}" + (f" — {why}" if why and state != "submitted" else ""))

    result = delivery.deliver(t, chosen, _credentials, on_part)
    click.echo(f"ผลการส่ง {target} {chosen.id}: " + ", ".join(f"{names.get(k, k)} {v}" for k, v in sorted(result.counts.items())))
    for part, state, why in result.problems:
        click.secho(f"✗ ฉบับที่ {part} ({names.get(state, state)}): {why}", fg="red")
    if result.decisions:
        parts = " ".join(f"--mark-delivered {p}" for p in result.decisions)
        click.echo(f"ฉบับที่ไม่แน่ใจ: ตรวจในกล่องจดหมายที่ส่งแล้ว แล้วบันทึกการตัดสินใจ เช่น python cli.py deliver {target} "
                   f"--round {chosen.id} {parts} --by \"ชื่อ\" (หรือ --allow-resend)")
    if result.problems:
        raise SystemExit(ExitCode.INCOMPLETE)


# --- E-MES round confirmation (issue 7) ---


def _stage_target(app: App, target: str, stage: str):
    """The run's view of a target's separate step (TargetSpec.stages), e.g. E-MES's confirm."""
    import dataclasses

    t = _push_target(app, target)
    if stage not in t.spec.stages:
        raise UserError(f"{target} ไม่มีขั้นตอน \"{stage}\" (มี: {', '.join(t.spec.stages) or 'ไม่มี'})", ExitCode.USAGE)
    return dataclasses.replace(t, stage=stage)


@main.command("confirm")
@click.argument("target")
@click.option("--round", "--period", "period", required=True, help="รอบการประเมิน เช่น 2570R1")
@click.option("--dry-run", is_flag=True, help="ตรวจความพร้อม เปิดหน้ารอบการประเมิน ถ่ายภาพ โดยไม่กดยืนยัน")
@click.option("--approve", "approve_by", metavar="ชื่อ", callback=_not_blank, help="อนุมัติการยืนยันรอบนี้ (ผูกกับค่าแฮชของข้อมูลที่ส่งแล้ว) โดยผู้นี้")
@click.option("--trace", is_flag=True, help="เก็บ Playwright trace และภาพหน้าจอของความล้มเหลว")
@click.option("--read-timeout", type=SECONDS, default=15.0, show_default=True, help="วินาทีต่อการโหลด/อ่านหน้า")
@click.option("--action-timeout", type=SECONDS, default=120.0, show_default=True, help="วินาทีที่รอคำตอบการยืนยัน")
@click.pass_obj
def confirm(app: App, target, period, dry_run, approve_by, trace, read_timeout, action_timeout):
    """ยืนยันการส่งข้อมูลรอบการประเมิน (ล็อกข้อมูลในระบบ) — แยกจาก push มีตัวอย่างและการอนุมัติของตัวเอง"""
    from tidtam.core.push import approval, run

    chosen = _round(app, period)
    t = _stage_target(app, target, "confirm")
    again = f"python cli.py confirm {target} --round {chosen.id}"
    if approve_by is not None:
        record, count = run.approve(t, chosen, approve_by)
        digest = record.payload_set_hash
        click.echo(f"อนุมัติการยืนยันรอบ {chosen.id} ({count} รายการ) โดย {approve_by} — ค่าแฮช {digest}")
        click.echo(f"ต่อไป: {again}")
        return
    options = _run_options("browser", 1, trace, read_timeout, action_timeout, "confirm-dry-run" if dry_run else "confirm",
                           target, chosen)
    options.approve_command = f'{again} --approve "ชื่อผู้อนุมัติ"'
    credentials = _credentials(target)
    if dry_run:
        result = run.dry_run(t, chosen, credentials, options)
        console = _console()
        for row in result.rows:
            for error in row.errors:
                console.print(f"[red]✗ {error}[/red]")
            for warning in row.warnings:
                console.print(f"  {warning}")
        ready = all(r.state in ("preview", "sent") for r in result.rows)
        sent = any(r.state == "sent" for r in result.rows)
        click.echo("ยืนยันรอบนี้ไปแล้ว" if sent else ("พร้อมยืนยัน — ยังไม่ได้กดยืนยันในระบบ" if ready
                                                    else "ยังยืนยันไม่ได้: แก้รายการข้างบน แล้ว push ให้ครบก่อน"))
        click.echo(f"ค่าแฮชของการยืนยัน: {result.set_hash}")
        click.echo(f"เปิดหน้าตัวอย่าง: {result.preview_path}")
        if not ready:
            raise SystemExit(ExitCode.INCOMPLETE)
        if not sent:
            click.echo(f'ต่อไป: {again} --approve "ชื่อผู้อนุมัติ"')
        return
    with app.db.session() as session:
        approved = approval.current_approvals(session, app.office(session), t.ledger, chosen.id)
    if not approved:
        raise UserError(f"ยังไม่มีการอนุมัติให้ยืนยันรอบ {chosen.id} — รัน {again} --dry-run แล้ว {again} --approve \"ชื่อผู้อนุมัติ\" ก่อน"
                        " (การ push และการอนุมัติ push ไม่รวมการยืนยันรอบ)", ExitCode.INCOMPLETE)
    result = run.push(t, chosen, credentials, options)
    if result.failures:
        for record, action, error in result.failures:
            click.secho(f"✗ {record}: {error}", fg="red")
        click.echo(f"รันคำสั่งเดิมอีกครั้งเพื่อกระทบยอด · โฟลเดอร์การรัน: {result.run_dir}")
        raise SystemExit(ExitCode.INCOMPLETE)
    click.echo(f"ยืนยันการส่งข้อมูลรอบ {chosen.id} ในระบบแล้ว (อ่านกลับ: สถานะยืนยันแล้ว)")
    click.echo(f"ต่อไป: python cli.py report {target} --round {chosen.id}")


@report.command("emes")
@click.option("--round", "--period", "period", required=True, help="รอบการประเมิน เช่น 2570R1")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="โฟลเดอร์ปลายทาง (ค่าเริ่มต้น: E-MES_<รอบ>)")
@click.option("--date", "as_of", callback=_date, help="วันที่ของรายงาน (ค่าเริ่มต้น: วันนี้)")
@click.pass_obj
def report_emes(app: App, period, out_dir, as_of):
    """สรุปผลการรายงาน E-MES (docx) และแฟ้มหลักฐานสำหรับการติดตามเชิงประจักษ์ (โฟลเดอร์พร้อมหน้าสารบัญ)"""
    from tidtam.plugins.emes import summary

    chosen = _round(app, period)
    with app.db.session() as session:
        data = summary.collect(session, app.office(session), chosen)
    folder = out_dir or Path(f"E-MES_{chosen.id}")
    folder.mkdir(parents=True, exist_ok=True)
    evidence = summary.write_folder(data, folder / "แฟ้มหลักฐาน")
    docx = summary.write_docx(data, folder / f"สรุปผลการรายงาน_E-MES_{chosen.id}.docx", _today(as_of))
    files = sum(len(i.files) for i in data.indicators)
    click.echo(f"ส่งแล้ว {data.sent}/{len(data.indicators)} ตัวบ่งชี้ · หลักฐาน {files} ไฟล์ · {data.confirmation}")
    click.echo(f"เขียนแล้ว: {docx}\n          {evidence / 'index.html'}")

