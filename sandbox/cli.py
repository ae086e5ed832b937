"""`python cli.py sandbox [emenscr|emes|all|mail] …`: start the local stand-ins of the real sites.

Heavy imports (uvicorn, starlette) wait inside the command so `--help` stays fast."""
from __future__ import annotations

import click


@click.command("sandbox")
@click.argument("app", type=click.Choice(["emenscr", "emes", "all", "mail"]), default="all")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="พอร์ต (ค่าเริ่มต้น eMENSCR 8701, E-MES 8702; แบบ all ให้ E-MES ใช้พอร์ต+1; 0 = พอร์ตว่างใดก็ได้)")
@click.option("--latency-ms", type=int, default=0, show_default=True, help="หน่วงเวลาทุกคำขอ (มิลลิวินาที)")
@click.option("--fail-rate", type=float, default=0.0, show_default=True, help="สัดส่วนคำขอที่ตอบ HTTP 500")
@click.option("--fail-phase", type=click.Choice(["before", "after"]), default="before", show_default=True,
              help="before: คำขอที่ล้มเหลวไม่ทำอะไร; after: ทำแล้วจึงตอบ 500")
@click.option("--hang-rate", type=float, default=0.0, show_default=True, help="สัดส่วนคำขอที่ค้าง")
@click.option("--hang-seconds", type=float, default=30.0, show_default=True,
              help="คำขอที่ค้างค้างนานกี่วินาที (แล้วจึงทำตามคำขอ)")
@click.option("--hang-only", default="", help='ให้ค้างเฉพาะคำขอที่ขึ้นต้นด้วย "METHOD /path" นี้ เช่น "POST /projects/new"')
@click.option("--drop-rate", type=float, default=0.0, show_default=True,
              help="สัดส่วนคำขอที่ทำตามคำขอครบแล้วสายหลุด: ปิดการเชื่อมต่อโดยไม่ตอบกลับเลย")
@click.option("--drop-only", default="", help='ให้สายหลุดเฉพาะคำขอที่ขึ้นต้นด้วย "METHOD /path" นี้ เช่น "POST /projects/new"')
@click.option("--expire-every", type=int, default=0, show_default=True,
              help="คำขอลำดับที่ N ของแต่ละ session จะพบว่าหมดอายุ (0 = ไม่หมด)")
@click.option("--idle-timeout", type=float, default=900.0, show_default=True,
              help="session หมดอายุเมื่อไม่มีคำขอนานกี่วินาที")
@click.option("--seed", type=int, default=None, help="ค่า seed ของการสุ่มล้มเหลว/ค้าง/สายหลุด (ทำซ้ำได้)")
@click.option("--data", "data_path", type=click.Path(exists=True, dir_okay=False),
              help="ใช้ไฟล์ข้อมูลของระบบจำลองฉบับอื่น (จำลองเว็บไซต์ที่เปลี่ยนไป)")
@click.option("--no-demo-data", is_flag=True, help="เริ่มโดยไม่มีโครงการตัวอย่าง")
@click.option("--office-projects", is_flag=True,
              help="eMENSCR: เริ่มด้วยโครงการของสำนักงานตัวอย่าง (บันทึกและอนุมัติไว้แล้ว) แทน 3 โครงการตั้งต้น")
@click.option("--exit-with-pid", type=int, default=None, hidden=True)
def sandbox(app, host, port, data_path, no_demo_data, office_projects, exit_with_pid, **knobs):
    """เปิดระบบจำลอง eMENSCR / E-MES / อีเมล (mail) บนเครื่องนี้ — สำหรับทดสอบและสาธิต ไม่ใช่ระบบจริง

    เข้าสู่ระบบด้วย TIDTAM_SANDBOX_USER / TIDTAM_SANDBOX_PASSWORD (ค่าสาธิต: demo / demo-1234)
    อ่านข้อมูลที่บันทึกไว้ (สำหรับการทดสอบ): GET <url>/__admin/state"""
    from .knobs import KnobError, Knobs
    from .server import serve_forever
    from .site import demo_credentials

    try:
        Knobs().update(knobs)  # the stand-in's own checks, before any server starts
    except KnobError as exc:
        raise click.UsageError(str(exc)) from None

    if app == "mail":  # the SMTP/IMAP stand-in has its own options: python -m tidtam.sandbox.mail --help
        from .mail import main as mail

        mail.main(args=["--host", host], standalone_mode=True)
        return
    if data_path and app == "all":
        raise click.UsageError("--data ใช้ได้กับระบบเดียว (emenscr หรือ emes)")
    user, _ = demo_credentials()
    click.echo(f"ผู้ใช้ทดสอบ: {user} (รหัสผ่านจาก TIDTAM_SANDBOX_PASSWORD)", err=True)
    names = ["emenscr", "emes"] if app == "all" else [app]
    serve_forever(names, host, port, data_path=data_path, demo_data="office" if office_projects else not no_demo_data,
                  exit_with_pid=exit_with_pid, **knobs)


if __name__ == "__main__":
    sandbox()
