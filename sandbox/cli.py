"""`python cli.py sandbox [emenscr|emes|all|mail] …`: start the local stand-ins of the real sites.

``--profile spa`` serves eMENSCR as the real one most likely is (issue 17): a Keycloak-like
sign-in and pages drawn by JavaScript from a bearer-token JSON API. E-MES has one profile.

Heavy imports (uvicorn, starlette) wait inside the command so `--help` stays fast."""
from __future__ import annotations

from pathlib import Path

import click


# The stand-ins that serve a replica of a discover folder (``--data <folder>``, sandbox/replica.py).
REPLICAS = ("emenscr",)

@click.command("sandbox")
@click.argument("app", type=click.Choice(["emenscr", "emes", "all", "mail"]), default="all")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="พอร์ต (ค่าเริ่มต้น eMENSCR 8701, E-MES 8702; แบบ all ให้ E-MES ใช้พอร์ต+1; 0 = พอร์ตว่างใดก็ได้)")
@click.option("--latency-ms", type=int, default=0, show_default=True, help="หน่วงเวลาทุกคำขอ (มิลลิวินาที)")
@click.option("--fail-rate", type=float, default=0.0, show_default=True, help="สัดส่วนคำขอที่ตอบ HTTP 500")
@click.option("--fail-phase", type=click.Choice(["before", "after"]), default="before", show_default=True,
              help="before: คำขอที่ล้มเหลวไม่ทำอะไร; after: ทำแล้วจึงตอบ 500")
@click.option("--fail-only", default="", help='ให้ตอบ 500 เฉพาะคำขอที่ขึ้นต้นด้วย "METHOD /path" นี้ เช่น "POST /api/projects"')
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
@click.option("--data", "data_path", type=click.Path(exists=True),
              help="ใช้ไฟล์ข้อมูลของระบบจำลองฉบับอื่น (จำลองเว็บไซต์ที่เปลี่ยนไป) หรือ [eMENSCR] โฟลเดอร์ที่ได้จาก "
                   "python cli.py discover emenscr --out … เพื่อเปิดเว็บจำลองที่มีหน้าแบบฟอร์มเหมือนที่พบบนเว็บจริง "
                   "ไว้ซ้อมก่อนส่งจริง")
@click.option("--no-demo-data", is_flag=True, help="เริ่มโดยไม่มีโครงการตัวอย่าง")
@click.option("--office-projects", is_flag=True,
              help="eMENSCR: เริ่มด้วยโครงการของสำนักงานตัวอย่าง (บันทึกและอนุมัติไว้แล้ว) แทน 3 โครงการตั้งต้น")
@click.option("--profile", type=click.Choice(["classic", "spa"]), default="classic", show_default=True,
              help="รูปแบบของ eMENSCR จำลอง: classic = หน้าเว็บแบบฟอร์มเดิม (เข้าสู่ระบบที่ /login); "
                   "spa = เข้าสู่ระบบผ่าน Keycloak (OpenID Connect + PKCE) แล้วหน้าเว็บวาดด้วย JavaScript "
                   "จาก API ที่ต้องใช้ bearer token (แบบที่คาดว่าเว็บจริงเป็น) — เปิดที่ <url>/app/")
@click.option("--token-ttl", type=float, default=None,
              help="[spa] access token มีอายุกี่วินาที (ค่าเริ่มต้น 300)")
@click.option("--refresh-ttl", type=float, default=None,
              help="[spa] refresh token มีอายุกี่วินาที (ค่าเริ่มต้น 1800)")
@click.option("--login-language", type=click.Choice(["th", "en"]), default=None,
              help="[spa] ภาษาของหน้าเข้าสู่ระบบ Keycloak: th หรือ en (ค่าเริ่มต้น th)")
@click.option("--token-storage", type=click.Choice(["session", "local"]), default=None,
              help="[spa] หน้าเว็บเก็บ token ไว้ใน sessionStorage (session) หรือ localStorage (local) (ค่าเริ่มต้น session)")
@click.option("--options-delay-ms", type=int, default=None,
              help="[spa] รายการตัวเลือกของช่องเลือกมาถึงช้ากว่าหน้ากี่มิลลิวินาที (ค่าเริ่มต้น 150)")
@click.option("--exit-with-pid", type=int, default=None, hidden=True)
def sandbox(app, host, port, data_path, no_demo_data, office_projects, exit_with_pid, profile, **knobs):
    """เปิดระบบจำลอง eMENSCR / E-MES / อีเมล (mail) บนเครื่องนี้ — สำหรับทดสอบและสาธิต ไม่ใช่ระบบจริง

    เข้าสู่ระบบด้วย TIDTAM_SANDBOX_USER / TIDTAM_SANDBOX_PASSWORD (ค่าสาธิต: demo / demo-1234)
    อ่านข้อมูลที่บันทึกไว้ (สำหรับการทดสอบ): GET <url>/__admin/state

    eMENSCR แบบ Keycloak + JavaScript: python cli.py sandbox emenscr --profile spa
    แล้วเปิด http://127.0.0.1:8701/app/ (ตัวเลือกที่ขึ้นต้นด้วย [spa] ใช้ได้กับรูปแบบนี้เท่านั้น)"""
    from .knobs import KnobError, Knobs, SpaKnobs
    from .server import serve_forever
    from .site import demo_credentials

    own = {name: value for name, value in knobs.items() if name in SPA_OPTIONS and value is not None}
    knobs = {name: value for name, value in knobs.items() if name not in SPA_OPTIONS}
    if own and profile != "spa":
        raise click.UsageError(f"--{next(iter(own)).replace('_', '-')} ใช้ได้กับ --profile spa เท่านั้น")
    if profile == "spa" and app not in ("emenscr", "all"):
        raise click.UsageError("--profile spa มีเฉพาะ eMENSCR (emenscr หรือ all)")
    try:
        (SpaKnobs if own else Knobs)().update({**knobs, **own})  # the stand-in's own checks, before any server starts
    except KnobError as exc:
        raise click.UsageError(str(exc)) from None
    knobs.update(own)

    if app == "mail":  # the SMTP/IMAP stand-in has its own options: python -m tidtam.sandbox.mail --help
        from .mail import main as mail

        mail.main(args=["--host", host], standalone_mode=True)
        return
    if data_path and app == "all":
        raise click.UsageError("--data ใช้ได้กับระบบเดียว (emenscr หรือ emes)")
    if data_path and Path(data_path).is_dir():
        if app not in REPLICAS:
            raise click.UsageError(f"--data ที่เป็นโฟลเดอร์ (ผลของ discover) ใช้ได้กับ {', '.join(REPLICAS)} เท่านั้น: ใส่ไฟล์ .yaml แทน")
        if not (Path(data_path) / "matches.yaml").is_file():
            raise click.UsageError(f"โฟลเดอร์ {data_path} ไม่ใช่ผลของ discover (ไม่มี matches.yaml): "
                                   "ใส่โฟลเดอร์เดียวกับที่ให้ --out ของ python cli.py discover emenscr")
    user, _ = demo_credentials()
    click.echo(f"ผู้ใช้ทดสอบ: {user} (รหัสผ่านจาก TIDTAM_SANDBOX_PASSWORD)", err=True)
    names = ["emenscr", "emes"] if app == "all" else [app]
    serve_forever(names, host, port, data_path=data_path, demo_data="office" if office_projects else not no_demo_data,
                  exit_with_pid=exit_with_pid, profile=profile, **knobs)


SPA_OPTIONS = ("token_ttl", "refresh_ttl", "login_language", "token_storage", "options_delay_ms")


if __name__ == "__main__":
    sandbox()
