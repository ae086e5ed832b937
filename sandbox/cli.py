"""`python cli.py sandbox [emenscr|emes|all] …`: start the local stand-ins of the real sites.

Heavy imports (uvicorn, starlette) wait inside the command so `--help` stays fast."""
from __future__ import annotations

import click


@click.command("sandbox")
@click.argument("app", type=click.Choice(["emenscr", "emes", "all"]), default="all")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None,
              help="Port (emenscr 8701, emes 8702 by default; with 'all' emes takes port+1; 0 = any free port).")
@click.option("--latency-ms", type=int, default=0, show_default=True, help="Delay added to every request.")
@click.option("--fail-rate", type=float, default=0.0, show_default=True, help="Share of requests answered with HTTP 500.")
@click.option("--fail-phase", type=click.Choice(["before", "after"]), default="before", show_default=True,
              help="'before': a failed request does nothing; 'after': it is applied, then answered 500.")
@click.option("--hang-rate", type=float, default=0.0, show_default=True, help="Share of requests that hang.")
@click.option("--hang-seconds", type=float, default=30.0, show_default=True,
              help="How long a hung request hangs before it is applied anyway.")
@click.option("--expire-every", type=int, default=0, show_default=True,
              help="The Nth request of each logged-in session finds it expired (0 = never).")
@click.option("--idle-timeout", type=float, default=900.0, show_default=True,
              help="Seconds without a request before a session expires.")
@click.option("--seed", type=int, default=None, help="Seed for the fail/hang dice.")
@click.option("--data", "data_path", type=click.Path(exists=True, dir_okay=False),
              help="Use another copy of the stand-in's data file (simulate a changed website).")
@click.option("--no-demo-data", is_flag=True, help="Start with an empty site (no demo projects).")
@click.option("--office-projects", is_flag=True,
              help="eMENSCR: start with the demo office's projects (entered and approved earlier) instead of the 3 seed projects.")
@click.option("--exit-with-pid", type=int, default=None, hidden=True)
def sandbox(app, host, port, data_path, no_demo_data, office_projects, exit_with_pid, **knobs):
    """Start the local stand-ins of eMENSCR and E-MES (for tests and demos, never the real sites).

    Login with TIDTAM_SANDBOX_USER / TIDTAM_SANDBOX_PASSWORD (demo defaults: demo / demo-1234).
    Admin read-back: GET <url>/__admin/state."""
    from .server import serve_forever
    from .site import demo_credentials

    if data_path and app == "all":
        raise click.UsageError("--data needs a single app (emenscr or emes)")
    user, _ = demo_credentials()
    click.echo(f"ผู้ใช้ทดสอบ: {user} (รหัสผ่านจาก TIDTAM_SANDBOX_PASSWORD)", err=True)
    names = ["emenscr", "emes"] if app == "all" else [app]
    serve_forever(names, host, port, data_path=data_path, demo_data="office" if office_projects else not no_demo_data,
                  exit_with_pid=exit_with_pid, **knobs)


if __name__ == "__main__":
    sandbox()
