"""E-MES's own commands: ``confirm emes`` (lock the round, a step with its own dry-run and
approval) and ``report emes`` (the unit's summary and the evidence folder)."""
from __future__ import annotations

from pathlib import Path

import click

from tidtam.cli_kit import (SECONDS, Steps, incomplete, not_blank, parse_date_option, period_of_kind, run_options,
                            run_target, show_dry_run, show_push, today)
from tidtam.core.app import App

from . import CONFIRM_STAGE, TARGET


def register(cli: click.Group, report: click.Group) -> None:
    cli.add_command(confirm)
    report.add_command(report_emes)


@click.command("confirm")
@click.argument("target", type=click.Choice([TARGET]))
@click.option("--round", "--period", "period", required=True, help="รอบการประเมิน เช่น 2570R1")
@click.option("--dry-run", is_flag=True, help="ตรวจความพร้อม เปิดหน้ารอบการประเมิน ถ่ายภาพ โดยไม่กดยืนยัน")
@click.option("--approve", "approve_by", metavar="ชื่อ", callback=not_blank, help="อนุมัติการยืนยันรอบนี้ (ผูกกับค่าแฮชของข้อมูลที่ส่งแล้ว) โดยผู้นี้")
@click.option("--trace", is_flag=True, help="เก็บ Playwright trace และภาพหน้าจอของความล้มเหลว")
@click.option("--read-timeout", type=SECONDS, default=15.0, show_default=True, help="วินาทีต่อการโหลด/อ่านหน้า")
@click.option("--action-timeout", type=SECONDS, default=120.0, show_default=True, help="วินาทีที่รอคำตอบการยืนยัน")
@click.pass_obj
def confirm(app: App, target, period, dry_run, approve_by, trace, read_timeout, action_timeout):
    """ยืนยันการส่งข้อมูลรอบการประเมิน E-MES (ล็อกข้อมูลในระบบ) — แยกจาก push มีตัวอย่างและการอนุมัติของตัวเอง"""
    from tidtam.core.push import run

    t, chosen = run_target(app, target, period, "--round", CONFIRM_STAGE)
    again = f"confirm {target} --round {chosen.id}"
    steps = Steps(f"{again} --dry-run", f'{again} --approve "ชื่อผู้อนุมัติ"', again, f"doctor {target}").use()
    if approve_by is not None:
        record, count = run.approve(t, chosen, approve_by)
        click.echo(f"อนุมัติการยืนยันรอบ {chosen.id} ({count} รายการ) โดย {approve_by} — ค่าแฮช {record.payload_set_hash}")
        click.echo(f"ต่อไป: python cli.py {again}")
        return
    options = run_options(t, chosen, "confirm-dry-run" if dry_run else "confirm", trace=trace, concurrency=1,
                          read_timeout=read_timeout, action_timeout=action_timeout)
    if dry_run:
        ready = show_dry_run(t, chosen, options, steps, ready_line=f'พร้อมยืนยัน — ยังไม่ได้กดยืนยันในระบบ; ต่อไป: '
                                                                  f'python cli.py {steps.approve}')
        if not ready:
            incomplete()
        return
    if not show_push(t, chosen, options, steps, done_line=f"ยืนยันการส่งข้อมูลรอบ {chosen.id} ในระบบแล้ว "
                     f"(อ่านกลับ: สถานะยืนยันแล้ว) — ต่อไป: python cli.py report {target} --round {chosen.id}"):
        incomplete()


@click.command("emes")
@click.option("--round", "--period", "period", required=True, help="รอบการประเมิน เช่น 2570R1")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="โฟลเดอร์ปลายทาง (ค่าเริ่มต้น: E-MES_<รอบ>)")
@click.option("--date", "as_of", callback=parse_date_option, help="วันที่ของรายงาน (ค่าเริ่มต้น: วันนี้)")
@click.pass_obj
def report_emes(app: App, period, out_dir, as_of):
    """สรุปผลการรายงาน E-MES (docx) และแฟ้มหลักฐานสำหรับการติดตามเชิงประจักษ์ (โฟลเดอร์พร้อมหน้าสารบัญ)"""
    from . import summary

    chosen = period_of_kind(app, period, ("R",), hint="--round")
    with app.db.session() as session:
        data = summary.collect(session, app.office(session), chosen)
    folder = out_dir or Path(f"E-MES_{chosen.id}")
    folder.mkdir(parents=True, exist_ok=True)
    evidence = summary.write_folder(data, folder / "แฟ้มหลักฐาน")
    docx = summary.write_docx(data, folder / f"สรุปผลการรายงาน_E-MES_{chosen.id}.docx", today(as_of))
    click.echo(f"ส่งแล้ว {data.sent}/{len(data.points)} ประเด็นการพิจารณา · ไฟล์ {data.files} ไฟล์ · {data.confirmation}")
    click.echo(f"เขียนแล้ว: {docx}\n          {evidence / 'index.html'}")
