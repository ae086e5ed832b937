"""eMENSCR's own command: ``discover emenscr`` (see discover.py)."""
from __future__ import annotations

from pathlib import Path

import click

from tidtam.cli_kit import SECONDS, console, credentials, run_target
from tidtam.core.app import App

from . import TARGET


def register(cli: click.Group, report: click.Group) -> None:
    cli.add_command(discover_command)


@click.command("discover")
@click.argument("target", type=click.Choice([TARGET]))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="โฟลเดอร์ที่จะเขียนผล (ภาพหน้าจอ โครงสร้างหน้า และร่างไฟล์ตั้งค่า)")
@click.option("--profile-url", help="ที่อยู่เว็บไซต์จริง (ค่าเริ่มต้น: base_url ใน mapping.yaml)")
@click.option("--read-timeout", type=SECONDS, default=15.0, show_default=True, help="วินาทีต่อการโหลดหน้า")
@click.pass_obj
def discover_command(app: App, target, out_dir, profile_url, read_timeout):
    """สำรวจหน้าเว็บจริงครั้งแรก (อ่านอย่างเดียว ไม่กดบันทึกหรือส่ง): บันทึกโครงสร้าง ภาพหน้าจอ และร่างไฟล์ตั้งค่าให้ตรวจ"""
    from tidtam.core.push import run
    from tidtam.core.settings import data_dir

    from .discover import discover

    t, _ = run_target(app, target, None)
    options = run.Options(mode="browser", concurrency=1, read_timeout=read_timeout,
                          run_dir=run.new_run_dir(data_dir(), target, "pages", "discover"))
    folder, pages = discover(t, credentials(), options, out_dir, base_url=profile_url)
    out = console()
    for key, found in pages.items():
        out.print(f"✓ {key}: {len(found['fields'])} ช่อง {len(found['buttons'])} ปุ่ม")
    click.echo(f"ร่างไฟล์ตั้งค่า: {folder} — ตรวจรายการใน {out_dir / 'matches.yaml'} (ช่องที่ต้องตรวจมี review: true) "
               f"แล้วคัดลอกโฟลเดอร์นั้นไปที่ config/targets/{target}/ ปักรุ่นใน config/office.yaml และรัน python cli.py doctor {target}")
    click.echo(f"ซ้อมส่งกับแบบจำลองของหน้าเว็บที่พบ (ไม่ถึงเว็บจริง): python cli.py sandbox {target} --data {out_dir} "
               "--office-projects — ขั้นตอนอยู่ใน docs/ใช้กับเว็บจริงครั้งแรก.md ข้อ 4")
