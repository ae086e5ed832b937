"""The inspection plugin's commands: ``package inspection`` builds the round's package, and
``deliver inspection`` is the generic push of its e-mails with the words of this target
(a round, message parts by number, the package hash)."""
from __future__ import annotations

from pathlib import Path

import click

from tidtam.cli_kit import (Steps, incomplete, not_blank, parse_date_option, run_options, run_target,
                            settle, show_dry_run, show_push, today)
from tidtam.core.app import App

from . import TARGET


def register(cli: click.Group) -> None:
    cli.add_command(package_command)
    cli.add_command(deliver)


def _steps(period) -> Steps:
    again = f"deliver {TARGET} --round {period.id}"
    return Steps(f"{again} --dry-run", f'approve {TARGET} --period {period.id} --by "ชื่อผู้อนุมัติ"', again,
                 f"package {TARGET} --round {period.id}").use()


@click.command("package")
@click.argument("target", type=click.Choice([TARGET]))
@click.option("--round", "--period", "period", required=True, help="รอบการประเมิน เช่น 2570R1")
@click.option("--date", "memo_date", callback=parse_date_option, help="วันที่ของบันทึกข้อความและของไฟล์ (ค่าเริ่มต้น: วันนี้)")
@click.option("--doc-no", default="", help="เลขที่หนังสือในบันทึกข้อความ (ค่าเริ่มต้น: document_number_prefix ใน config/office.yaml)")
@click.option("--allow-incomplete", is_flag=True, help="สร้างได้แม้บางตัวชี้วัดยังไม่ส่งผล (ระบุว่า \"ยังไม่ได้รับรายงานผล\")")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="คัดลอกชุดเอกสารไปไว้ที่โฟลเดอร์นี้ด้วย (เพื่อเปิดดู)")
@click.pass_obj
def package_command(app: App, target, period, memo_date, doc_no, allow_incomplete, out_dir):
    """ชุดเอกสารรายงานการตรวจราชการ: รายงาน (docx) สไลด์ (pptx) แบบรายงาน (xlsx) หลักฐาน (zip) manifest.json"""
    from tidtam.core.models import SubmissionState

    from . import package

    t, chosen = run_target(app, target, period, "--round")
    steps = _steps(chosen)
    ledger = t.ledger(chosen)
    with ledger.lock(), app.db.session() as session:
        ledger.refuse_in_flight(session, "สร้างชุดเอกสารใหม่")  # a message of the old package may have landed
        sent = sum(1 for r in ledger.rows(session).values() if r.state is SubmissionState.SUBMITTED)
        built = package.build(session, app.office(session), chosen, t.config, today(memo_date),
                              allow_incomplete=allow_incomplete, doc_no=doc_no or app.profile.document_number_prefix)
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
    click.echo(f"ต่อไป: python cli.py {steps.dry_run}")


@click.command("deliver")
@click.argument("target", type=click.Choice([TARGET]))
@click.option("--round", "--period", "period", required=True, help="รอบการประเมิน เช่น 2570R1")
@click.option("--dry-run", is_flag=True, help="แสดงตัวอย่างอีเมลที่จะส่ง (HTML) โดยไม่ส่ง")
@click.option("--mark-delivered", "delivered", type=int, multiple=True, metavar="ฉบับที่",
              help="ยืนยันว่าฉบับที่ไม่แน่ใจนี้ถึงผู้รับแล้ว (ต้องใส่ --by และ --why)")
@click.option("--allow-resend", "resend", type=int, multiple=True, metavar="ฉบับที่",
              help="ยืนยันว่าฉบับที่ไม่แน่ใจนี้ไม่ถึงผู้รับ อนุญาตส่งซ้ำหนึ่งครั้ง (ต้องใส่ --by และ --why)")
@click.option("--by", callback=not_blank, help="ชื่อผู้ตัดสินใจ (บันทึกในสมุดบันทึกการส่งและ audit log)")
@click.option("--why", callback=not_blank, help="เหตุผล เช่น \"ตรวจในกล่องจดหมายที่ส่งแล้ว พบฉบับนี้\"")
@click.pass_obj
def deliver(app: App, target, period, dry_run, delivered, resend, by, why):
    """ส่งชุดเอกสารที่อนุมัติแล้วทางอีเมล (แบ่งไฟล์แนบตามขนาด ไม่ส่งซ้ำ) หรือ --dry-run เพื่อดูตัวอย่างก่อน"""
    from . import mail
    from .package import load, package_dir

    t, chosen = run_target(app, target, period, "--round")
    steps = _steps(chosen)
    if delivered or resend:
        key = lambda part: mail.record_key(chosen.id, part)  # noqa: E731
        return settle(t, chosen, [key(n) for n in delivered], [key(n) for n in resend], by, why)
    options = run_options(t, chosen, "dry-run" if dry_run else "push")
    if dry_run:
        ready = show_dry_run(t, chosen, options, steps)
        click.echo(f"รหัสชุดเอกสาร: {load(package_dir(t.office_code, chosen.id)).package_hash}")
        if not ready:
            incomplete()
        return
    part = lambda key: key.rpartition("-")[2]  # noqa: E731
    if not show_push(t, chosen, options, steps, done_line=f"ส่งชุดเอกสาร {chosen.id} ครบทุกฉบับแล้ว", unsure_hint=part):
        incomplete()
