"""Command line of Tidtam: ``python cli.py …`` from a checkout, ``tidtam …`` once installed.

Commands stay thin: they parse options, call ``tidtam.core`` and print. Heavy modules
(SQLAlchemy, rich, plugins, Playwright) are imported inside the commands, so ``--help`` is fast.
Exit codes are listed in ``tidtam.cli_errors.ExitCode`` and the README. Plugins add their own
commands (hook ``register_commands``); this module imports no plugin and names no target.
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

import click  # noqa: E402

from tidtam import __version__  # noqa: E402
from tidtam import cli_kit as kit  # noqa: E402
from tidtam.cli_errors import ExitCode, classify, in_thai  # noqa: E402
from tidtam.core.app import App  # noqa: E402

# Command groups that live in their own modules, imported only when invoked.
LAZY_COMMANDS = {
    "sandbox": ("tidtam.sandbox.cli", "sandbox", "เปิดระบบจำลอง eMENSCR / E-MES บนเครื่องนี้ (สำหรับทดสอบ)"),
}


def plugin_commands(ctx: click.Context) -> tuple:
    """(the run's plugin registry, the commands the plugins add (hook ``register_commands``), their
    ``report`` commands), collected once a run from the plugins this run loads; built-in commands
    keep their names."""
    root = ctx.find_root()
    if "tidtam.plugins" not in root.meta:
        from tidtam.core.plugins import load_plugins

        registry = load_plugins()
        top, reports = click.Group(), click.Group()
        registry.hook.register_commands(cli=top, report=reports)
        root.meta["tidtam.plugins"] = (registry, top.commands, reports.commands)
    return root.meta["tidtam.plugins"]


class TidtamGroup(click.Group):
    """Lazy subcommands, plugins' commands, and every user error shown in Thai with a documented
    exit code."""

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS, *plugin_commands(ctx)[1]})

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS:
            module, attribute, _ = LAZY_COMMANDS[name]
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name) or plugin_commands(ctx)[1].get(name)

    def format_commands(self, ctx, formatter):
        # Describe lazy commands from the table above instead of importing them for --help.
        rows = [(name, LAZY_COMMANDS[name][2] if name in LAZY_COMMANDS
                 else self.get_command(ctx, name).get_short_help_str(60)) for name in self.list_commands(ctx)]
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
            code, message = classify(exc, ctx.obj, ctx.meta.get("tidtam.steps"))
            click.secho(message, fg="red", err=True)
            ctx.exit(code)


class ReportGroup(click.Group):
    """``report``: the unit's own reports, those a plugin adds, and ``report <target>`` (what was
    sent to it, from the ledger) for every target without a report of its own."""

    def list_commands(self, ctx):
        registry, _, reports = plugin_commands(ctx)  # loads the plugins once for the run
        return sorted({*super().list_commands(ctx), *reports, *registry.targets})

    def get_command(self, ctx, name):
        registry, _, reports = plugin_commands(ctx)  # loads this run's plugins, which main() then uses
        found = super().get_command(ctx, name) or reports.get(name)
        return found or (ledger_report(name) if name in registry.targets else None)


# Commands that set a database up and so may create its SQLite file; any other command refuses
# a file that does not exist (a mistyped --db) instead of working on a new, empty database.
CREATES_DATABASE = {"init", "demo", "db"}


@click.group(cls=TidtamGroup)
@click.option("--db", "db_url", metavar="URL|FILE", callback=kit.not_blank, help="ฐานข้อมูล (URL ของ SQLAlchemy หรือไฟล์ SQLite); ค่าเริ่มต้น TIDTAM_DATABASE_URL หรือไฟล์ในโฟลเดอร์ข้อมูล")
@click.option("--office", "office_code", metavar="CODE", callback=kit.not_blank, help="รหัสสำนักงาน (ค่าเริ่มต้นจาก config/office.yaml)")
@click.version_option(__version__, prog_name="tidtam")
@click.pass_context
def main(ctx: click.Context, db_url: str | None, office_code: str | None) -> None:
    """ติดตาม (Tidtam) — เก็บข้อมูลแผนและตัวชี้วัดของ สพท. ไว้ที่เดียว แล้วรายงานทุกระบบ"""
    ctx.obj = App(db_url, office_code, creates_database=ctx.invoked_subcommand in CREATES_DATABASE)
    if "tidtam.plugins" in ctx.meta:  # loaded to find the command: the run uses the same plugins
        vars(ctx.obj)["plugins"] = ctx.meta["tidtam.plugins"][0]


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
        f"{summary.projects} โครงการ, ประเด็นการพิจารณา E-MES {summary.emes_points}, "
        f"ตัวชี้วัดตรวจราชการ {summary.inspection_indicators}, รายงานความก้าวหน้า {summary.progress_reports}, "
        f"ผล E-MES {summary.emes_results}, ผลตรวจราชการ {summary.inspection_results}"
    )
    click.echo("ต่อไป: python cli.py status --period 2570Q1")


# --- what is due, what is missing -------------------------------------------------------


@main.command()
@click.option("--period", required=True, help="ช่วงเวลา เช่น 2570Q1 (ไตรมาส) หรือ 2570R1 (รอบการประเมิน)")
@click.option("--json", "as_json", is_flag=True, help="พิมพ์เป็น JSON")
@click.option("--today", hidden=True, callback=kit.parse_date_option, help="วันที่อ้างอิง (สำหรับทดสอบ)")
@click.pass_obj
def status(app: App, period: str, as_json: bool, today: date | None) -> None:
    """สิ่งที่ต้องส่งในช่วงเวลานี้ ใครยังไม่ส่ง และส่งเข้าระบบใดไปแล้ว"""
    chosen, office_name, rows = _period_status(app, period)
    on = kit.today(today)
    if as_json:
        kit.print_json({
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


def _period_status(app: App, period: str):
    """The period asked for, the office's short name, and where each process of the period stands."""
    from tidtam.core.calendar import load_calendar
    from tidtam.core.status import period_status

    chosen = kit.parse_period(app, period)
    with app.db.session() as session:
        office = app.office(session)
        return chosen, office.short_name, period_status(session, office, chosen, load_calendar())


def _table(title: str, headers=()):
    """A rich table in the CLI's style: the title on the left, a plain column per header."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header)
    return table


def _render_status(office_name: str, period, rows, today) -> None:
    from tidtam.core.thai import thai_date

    console = kit.console()
    table = _table(f"{office_name} — สถานะ{period.label_th()}",
                   ("กระบวนงาน", "กำหนดส่ง", "เหลือ (วัน)", "ได้รับแล้ว", "ยังขาด", "ส่งเข้าระบบแล้ว"))
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
    table = _table("ยังไม่ได้รับข้อมูลจาก", ("ผู้รับผิดชอบ", "กลุ่ม", "จำนวน", "รายการ"))
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
    periods = {"Q": quarters(fy), "R": rounds(fy, office_profile().evaluation_rounds)}
    processes = [
        {
            "code": p.code, "short_name": p.short_name, "name": p.name, "months": p.months, "target": p.target,
            "deadlines": [{"period": per.id, "due": p.due(per)} for per in periods.get(p.period_kind, []) if p.due(per)],
        }
        for p in load_calendar().processes
    ]
    if as_json:
        kit.print_json({"fiscal_year": fy, "processes": processes})
        return
    _render_calendar(fy, fiscal_months(fy), processes)


def _render_calendar(fy, months, processes) -> None:
    from tidtam.core.thai import MONTH_ABBR, thai_date

    table = _table(f"ปฏิทินการปฏิบัติงาน ปีงบประมาณ พ.ศ. {fy}")
    table.add_column("กระบวนงาน", no_wrap=True)
    for _, month in months:
        table.add_column(MONTH_ABBR[month], justify="center", no_wrap=True)
    for p in processes:
        marks = ["●" if month in p["months"] else "" for _, month in months]
        table.add_row(f"{p['code']} {p['short_name']}", *marks)
    console = kit.console()
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
        kit.print_json(rows)
        return
    table = _table("ปลั๊กอิน", ("ชื่อ", "รุ่น", "เป้าหมาย", "hooks", "ที่มา"))
    for r in rows:
        hooks = f"[red]{r['error']}[/red]" if r["error"] else ", ".join(r["hooks"])
        targets = ", ".join(f"{t['name']} (แบบฟอร์ม {t['form_version']})" for t in r["targets"])
        table.add_row(r["name"], r["version"], targets or "-", hooks, r["origin"])
    kit.console().print(table)


@main.group(cls=ReportGroup)
def report() -> None:
    """รายงานของงานติดตามฯ (xlsx/docx ภาษาไทย): progress, annual, และ report <เป้าหมาย> สรุปการส่ง"""


# --- intake: templates out, workbooks in, who is missing (issue 5) ---------------------


@main.group()
def templates() -> None:
    """แบบรายงาน Excel สำหรับผู้รับผิดชอบแต่ละคน"""


class IntakeKindChoice(click.Choice):
    """``--kind``: the intake kinds of this run (core's and its plugins'), looked up when given."""

    def __init__(self):
        super().__init__(())

    def convert(self, value, param, ctx):
        self.choices = tuple(ctx.find_object(App).intake_kinds)
        return super().convert(value, param, ctx)


@templates.command("make")
@click.option("--period", required=True, help="ไตรมาส (2570Q1: ความก้าวหน้าโครงการ) หรือรอบ (2570R1: แบบรายงานของระบบที่ประเมินเป็นรอบ)")
@click.option("--owner", "owners", multiple=True, metavar="CODE", help="เฉพาะผู้รับผิดชอบรหัสนี้ (ใส่ซ้ำได้)")
@click.option("--kind", type=IntakeKindChoice(), metavar="KIND", help="เฉพาะแบบรายงานชนิดนี้: progress หรือชนิดที่ปลั๊กอินเพิ่ม (ดู python cli.py plugins)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="โฟลเดอร์ปลายทาง (ค่าเริ่มต้น: แบบรายงาน_<ช่วงเวลา>)")
@click.option("--json", "as_json", is_flag=True, help="พิมพ์เป็น JSON")
@click.pass_obj
def templates_make(app: App, period: str, owners: tuple[str, ...], kind: str | None, out_dir: Path | None, as_json: bool) -> None:
    """สร้างแบบรายงาน .xlsx หนึ่งไฟล์ต่อผู้รับผิดชอบ กรอกข้อมูลของเขาไว้ให้แล้ว"""
    from tidtam.core.errors import BadInput, Misuse
    from tidtam.core.intake.sources import owners_with_items
    from tidtam.core.intake.writer import file_name, write_workbook

    chosen = kit.parse_period(app, period)
    kinds = [app.intake_kinds[kind]] if kind else [k for k in app.intake_kinds.values() if k.layout.period_kind == chosen.kind]
    if not kinds:
        raise Misuse(f"ไม่มีแบบรายงานที่ใช้กับช่วงเวลา {chosen.id} (แบบรายงานที่มี: {', '.join(app.intake_kinds)})")
    out_dir = out_dir or Path(f"แบบรายงาน_{chosen.id}")
    written = []
    with app.db.session() as session:
        office = app.office(session)
        for intake in kinds:
            layout = intake.layout
            if layout.period_kind != chosen.kind:
                raise Misuse(f"แบบรายงาน {layout.kind} ใช้กับช่วงเวลา {chosen.id} ไม่ได้")
            for person in owners_with_items(session, office, intake, chosen):
                if owners and person.code not in owners:
                    continue
                rows = intake.rows(session, office, chosen, person)
                path = write_workbook(layout, chosen, office, person, rows, out_dir / file_name(layout, chosen, person))
                written.append({"kind": layout.kind, "owner": person.code, "name": person.full_name, "path": str(path), "rows": sum(map(len, rows.values()))})
    if owners and not written:
        raise BadInput(f"ไม่มีรายการที่ {', '.join(owners)} รับผิดชอบในช่วงเวลา {chosen.id}")
    if as_json:
        kit.print_json(written)
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
    from tidtam.core.errors import UserError
    from tidtam.core.intake.apply import Consent, expand, import_file
    from tidtam.core.intake.evidence import EvidenceRules
    from tidtam.core.intake.reader import IntakeError

    expect = kit.parse_period(app, period) if period else None
    rules = EvidenceRules(app.profile.evidence.types, app.profile.evidence.max_bytes)
    consent = Consent(replace=replace, allow_clear=allow_clear)
    outcomes, refused = [], 0
    for path in expand(list(paths)):
        try:
            done = import_file(app.db, app.office, path, expect_period=expect, rounds=app.profile.evaluation_rounds, actor=actor,
                               evidence=rules, consent=consent, kinds=app.intake_kinds)
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
        kit.print_json(outcomes)
    elif len(outcomes) > 1:
        warned = sum(1 for o in outcomes if o.get("warnings"))
        click.echo(f"สรุป: นำเข้า/ไม่เปลี่ยน {len(outcomes) - refused} ไฟล์, ไม่นำเข้า {refused} ไฟล์"
                   + (f", มีคำเตือน {warned} ไฟล์ (ข้อมูลที่ไม่ได้นำเข้า ดูเครื่องหมาย ⚠)" if warned else ""))
    if refused:
        raise click.exceptions.Exit(ExitCode.BAD_DATA)


@main.command()
@click.option("--period", required=True, help="ช่วงเวลา เช่น 2570Q1 หรือ 2570R1")
@click.option("--json", "as_json", is_flag=True, help="พิมพ์เป็น JSON")
@click.option("--today", hidden=True, callback=kit.parse_date_option, help="วันที่อ้างอิง (สำหรับทดสอบ)")
@click.pass_obj
def completeness(app: App, period: str, as_json: bool, today: date | None) -> None:
    """ความครบถ้วนรายกระบวนงานและรายผู้รับผิดชอบ; รหัสออก 3 ขณะที่ยังมีรายการขาดหรือไม่ผ่านการตรวจ"""
    from tidtam.core.completeness import by_owner

    chosen, office_name, statuses = _period_status(app, period)
    rows = by_owner(statuses)
    on = kit.today(today)
    if as_json:
        kit.print_json([
            {**{k: v for k, v in vars(r).items() if k != "invalid"}, "complete": r.complete,
             "invalid": [{"code": s.item.code, "problems": s.problems} for s in r.invalid]}
            for r in rows
        ])
    else:
        _render_completeness(office_name, chosen, rows, on)
    if any(not r.complete for r in rows):
        raise click.exceptions.Exit(ExitCode.INCOMPLETE)


def _render_completeness(office_name: str, period, rows, today) -> None:
    from tidtam.core.thai import thai_date

    console = kit.console()
    table = _table(f"{office_name} — ความครบถ้วนของข้อมูล {period.label_th()}",
                   ("กระบวนงาน", "ผู้รับผิดชอบ", "กลุ่ม", "ได้รับ", "ขาด", "ไม่ผ่านการตรวจ", "กำหนดส่ง"))
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


# --- report progress, report annual (issue 9) ---


@report.command("progress")
@click.option("--period", required=True, help="ไตรมาส เช่น 2570Q2")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="โฟลเดอร์ปลายทาง (ค่าเริ่มต้น: รายงานความก้าวหน้า_<ไตรมาส>)")
@click.option("--date", "as_of", callback=kit.parse_date_option, help="วันที่ของข้อมูลที่พิมพ์ในรายงาน (ค่าเริ่มต้น: วันนี้)")
@click.pass_obj
def report_progress(app: App, period: str, out_dir: Path | None, as_of: date | None) -> None:
    """รายงานความก้าวหน้าตามแผนปฏิบัติราชการสำหรับที่ประชุม (docx, xlsx, แผนภูมิ)"""
    from tidtam.core.reports import progress

    chosen = kit.period_of_kind(app, period, ("Q",))
    with app.db.session() as session:
        data = progress.collect(session, app.office(session), chosen, app.profile.disbursement_targets, kit.today(as_of))
    files = progress.write(data, out_dir or Path(progress.file_stem(chosen)))
    for path in files:
        click.echo(path)
    total = data.total()
    click.echo(f"{chosen.id}: {total.projects} โครงการ, ส่งรายงาน {total.reported}, "
               f"เบิกจ่ายสะสมร้อยละ {total.disbursed_percent or 0:.1f} (เป้าหมาย {data.target_percent:g}), ล่าช้า {total.late}")


@report.command("annual")
@click.option("--fy", type=int, required=True, callback=_fiscal_year, help="ปีงบประมาณ พ.ศ. เช่น 2570")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="โฟลเดอร์ปลายทาง (ค่าเริ่มต้น: รายงานประจำปี_<ปี>)")
@click.option("--date", "as_of", callback=kit.parse_date_option, help="วันที่ของรายงาน (ค่าเริ่มต้น: วันนี้)")
@click.pass_obj
def report_annual(app: App, fy: int, out_dir: Path | None, as_of: date | None) -> None:
    """รายงานผลการดำเนินงานประจำปี: docx พร้อมพิมพ์ และโฟลเดอร์เว็บไซต์สำหรับเผยแพร่"""
    from tidtam.core.reports import annual

    settings = annual.load_settings()
    with app.db.session() as session:
        data = annual.collect(session, app.office(session), fy, app.profile, settings, kit.today(as_of), annual.annual_sections(app.plugins))
    files = annual.write(data, out_dir or Path(annual.folder_name(fy)))
    for path in files:
        click.echo(path)


# --- the generic flow of every target: doctor, push --dry-run, approve, push, report -------


@main.command()
@click.argument("target")
@click.option("--period", required=True, help="ช่วงเวลา เช่น 2570Q1 (ไตรมาส) หรือ 2570R1 (รอบ) ตามที่เป้าหมายรับ")
@kit.push_options
@click.option("--dry-run", is_flag=True, help="เตรียม ตรวจ กรอกแบบฟอร์มโดยไม่บันทึก ถ่ายภาพ และเขียนหน้าตัวอย่าง")
@click.option("--new-projects", is_flag=True, help="รวมรายการที่ระบบปลายทางยังไม่มี (eMENSCR: บันทึกโครงการ M1–M5 และส่งขออนุมัติ M7)")
@click.option("--mark-delivered", "delivered", multiple=True, metavar="รายการ",
              help="บันทึกว่ารายการที่ไม่แน่ใจนี้ถึงปลายทางแล้ว (ตรวจเองแล้ว; ต้องใส่ --by และ --why)")
@click.option("--allow-resend", "resend", multiple=True, metavar="รายการ",
              help="บันทึกว่ารายการที่ไม่แน่ใจนี้ไม่ถึงปลายทาง ให้ส่งใหม่หนึ่งครั้ง (ต้องใส่ --by และ --why)")
@click.option("--by", callback=kit.not_blank, help="ชื่อผู้ตัดสินรายการที่ไม่แน่ใจ (บันทึกใน audit log)")
@click.option("--why", callback=kit.not_blank, help="เหตุผลของการตัดสิน (บันทึกใน audit log)")
@click.pass_obj
def push(app: App, target, period, mode, concurrency, trace, read_timeout, action_timeout, dry_run, new_projects,
         delivered, resend, by, why):
    """ส่งข้อมูลที่ผู้อำนวยการอนุมัติแล้วเข้าระบบปลายทาง (หรือ --dry-run เพื่อดูตัวอย่างก่อน)"""
    t, chosen = kit.run_target(app, target, period)
    steps = kit.Steps.of(t, chosen).use()
    if delivered or resend:
        return kit.settle(t, chosen, delivered, resend, by, why)
    options = kit.run_options(t, chosen, "dry-run" if dry_run else "push", mode, concurrency, trace, read_timeout,
                              action_timeout, new_projects)
    shown = kit.show_dry_run if dry_run else kit.show_push
    if not shown(t, chosen, options, steps):
        kit.incomplete()


@main.command()
@click.argument("target")
@click.option("--period", required=True, help="ช่วงเวลาที่แสดงตัวอย่างไว้ เช่น 2570Q1")
@click.option("--by", "by", required=True, callback=kit.not_blank, help="ชื่อผู้อนุมัติ (ผู้อำนวยการ)")
@click.option("--only-ready", is_flag=True, help="อนุมัติเฉพาะรายการที่ตัวอย่างพร้อมส่ง (รายการที่มีปัญหาไม่รวม ต้องแก้แล้วอนุมัติแยก)")
@click.pass_obj
def approve(app: App, target, period, by, only_ready):
    """บันทึกการอนุมัติชุดข้อมูลที่แสดงตัวอย่างไว้ (ผูกกับค่าแฮช ข้อมูลเปลี่ยนเมื่อใดการอนุมัติเป็นโมฆะ)
    ถ้าตัวอย่างพบปัญหาในรายการใด จะไม่อนุมัติทั้งชุด เว้นแต่ระบุ --only-ready"""
    from tidtam.core.push import run

    t, chosen = kit.run_target(app, target, period)
    steps = kit.Steps.of(t, chosen).use()
    record, count = run.approve(t, chosen, by, only_ready)
    click.echo(f"อนุมัติแล้ว {count} รายการ โดย {by} — ค่าแฮช {record.payload_set_hash}")
    click.echo(f"ต่อไป: python cli.py {steps.push}")


@main.command()
@click.argument("target")
@click.option("--period", help="ช่วงเวลาที่จะส่ง เช่น 2570Q1 (ตรวจหน้าที่ขึ้นกับช่วงเวลานั้น; ค่าเริ่มต้น: ปีปัจจุบัน)")
@click.option("--read-timeout", type=kit.SECONDS, default=15.0, show_default=True, help="วินาทีต่อการโหลดหน้า")
@click.pass_obj
def doctor(app: App, target, period, read_timeout):
    """ตรวจว่าหน้าเว็บยังตรงกับ forms.yaml: ทุกช่อง ปุ่ม ตัวเลือก และช่องบังคับกรอก บนทุกหน้าที่การส่งใช้ โดยไม่บันทึกอะไร"""
    from tidtam.core.errors import Misuse
    from tidtam.core.push import run
    from tidtam.core.settings import data_dir

    t, chosen = kit.run_target(app, target, period)
    if t.config.forms is None:
        raise Misuse(f"{target} ไม่มีหน้าเว็บให้ตรวจ (ส่งด้วย {', '.join(t.spec.modes)})")
    options = run.Options(mode="browser", concurrency=1, read_timeout=read_timeout,
                          run_dir=run.new_run_dir(data_dir(), target, "pages", "doctor"))
    results = run.doctor(t, kit.credentials(), options, chosen)
    forms = t.config.folder / "forms.yaml"
    out = kit.console()
    for r in results:
        if r.note:  # what changed since the baseline, a proposal: to read, not a failure
            click.echo(f"    • {r.name}: {r.detail}")
        elif r.ok or not r.detail:  # a page as a whole: its problems follow it, one line each
            out.print(("[green]✓[/green] " if r.ok else "[red]✗[/red] ") + r.name + (f" — {r.detail}" if r.detail else ""))
        else:  # the file and key to edit, what was looked for and what the page has instead
            where = f"{forms} › {r.name}" if "." in r.name else r.name
            click.secho(f"    ✗ {where}: {r.detail}", fg="red")  # never wrapped: a path and key are copied as they are
    broken = [r for r in results if not r.ok and r.detail]
    if broken:
        out.print(f"[red]หน้าเว็บไม่ตรงกับ {forms} {len(broken)} จุด[/red] — แก้ตามแต่ละบรรทัด (ดู docs/เมื่อเว็บไซต์เปลี่ยน.md) "
                  f"แล้วรัน python cli.py doctor {target} อีกครั้ง ก่อน push --dry-run")
        raise click.exceptions.Exit(ExitCode.BAD_DATA)
    out.print(f"[green]หน้าเว็บตรงกับ {forms} ทุกหน้า ({len([r for r in results if not r.note])} รายการ)[/green]")
    step = kit.Steps.of(t, chosen).dry_run if chosen else f"push {target} --period <ช่วงเวลา> --dry-run"
    click.echo(f"ต่อไป: python cli.py {step}")


@main.command()
@click.argument("target")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="โฟลเดอร์ที่จะเขียนผล (ภาพหน้าจอ โครงสร้างหน้า และร่างไฟล์ตั้งค่า)")
@click.option("--period", help="ช่วงเวลาที่จะส่ง เช่น 2570Q1 หรือ 2570R1 (เปิดหน้าที่ขึ้นกับช่วงเวลานั้น; ค่าเริ่มต้น: ปีปัจจุบัน)")
@click.option("--profile-url", help="ที่อยู่เว็บไซต์จริง (ค่าเริ่มต้น: base_url ใน mapping.yaml)")
@click.option("--read-timeout", type=kit.SECONDS, default=15.0, show_default=True, help="วินาทีต่อการโหลดหน้า")
@click.pass_obj
def discover(app: App, target, out_dir, period, profile_url, read_timeout):
    """สำรวจหน้าเว็บจริงครั้งแรก (อ่านอย่างเดียว ไม่กดบันทึก อัปโหลด ส่ง หรือยืนยัน): บันทึกโครงสร้าง ภาพหน้าจอ และร่างไฟล์ตั้งค่าให้ตรวจ"""
    from tidtam.core.errors import Misuse
    from tidtam.core.push import run
    from tidtam.core.settings import data_dir

    t, chosen = kit.run_target(app, target, period)
    if t.config.forms is None:
        raise Misuse(f"{target} ไม่มีหน้าเว็บให้สำรวจ (ส่งด้วย {', '.join(t.spec.modes)})")
    options = run.Options(mode="browser", concurrency=1, read_timeout=read_timeout,
                          run_dir=run.new_run_dir(data_dir(), target, "pages", "discover"))
    folder, pages = run.discover(t, kit.credentials(), options, out_dir, chosen, profile_url)
    out = kit.console()
    for key, found in pages.items():
        out.print(f"✓ {key}: {len(found['fields'])} ช่อง {len(found['buttons'])} ปุ่ม")
    click.echo(f"ร่างไฟล์ตั้งค่า: {folder} — ตรวจรายการใน {out_dir / 'matches.yaml'} (ช่องที่ต้องตรวจมี review: true) "
               f"แล้วคัดลอกโฟลเดอร์นั้นไปที่ config/targets/{target}/ ปักรุ่นใน config/office.yaml และรัน python cli.py doctor {target}")
    if target in importlib.import_module(LAZY_COMMANDS["sandbox"][0]).REPLICAS:
        click.echo(f"ซ้อมส่งกับแบบจำลองของหน้าเว็บที่พบ (ไม่ถึงเว็บจริง): python cli.py sandbox {target} --data {out_dir} "
                   "--office-projects — ขั้นตอนอยู่ใน docs/ใช้กับเว็บจริงครั้งแรก.md ข้อ 4")


def ledger_report(target: str) -> click.Command:
    """``report <target>``: the summary of what was sent to any target, from its ledger alone."""

    @click.command(target)
    @click.option("--period", required=True, help="ช่วงเวลา เช่น 2570Q1")
    @click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="โฟลเดอร์ที่จะเขียนไฟล์ (ค่าเริ่มต้น: โฟลเดอร์ข้อมูล/reports)")
    @click.pass_obj
    def report_target(app: App, period, out_dir):
        """สรุปผลการส่ง (xlsx และ docx): ส่งอะไร เมื่อใด โดยใคร เลขที่ในระบบ ความล้มเหลว"""
        from tidtam.core.push import report as reports
        from tidtam.core.settings import data_dir

        t, chosen = kit.run_target(app, target, period)
        with app.db.session() as session:
            summary = reports.build(session, app.office(session), t.spec.title, target, chosen, t.spec.action_titles)
        stem = kit.out_folder(out_dir, data_dir() / "reports") / f"{target}-{chosen.id}-สรุปการส่ง"
        xlsx = reports.write_xlsx(summary, stem.with_suffix(".xlsx"))
        docx = reports.write_docx(summary, stem.with_suffix(".docx"))
        for line in summary.lines:
            click.echo(line)
        click.echo(f"เขียนแล้ว: {xlsx}\n          {docx}")
    return report_target
