"""Helpers for the push tests and bench/push_bench.py: the demo office in a database, an eMENSCR stand-in holding the office's
projects, and the target wired to it through a copy of config/ (base_url points at the stand-in)."""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

from sqlalchemy import select

from tidtam.core.config import office_profile, target_config
from tidtam.core.credentials import Credentials, Secret
from tidtam.core.models import Project, ProjectProgress
from tidtam.core.office_data import DEMO_DIR, OfficeFiles, load_catalogs, replace_office
from tidtam.core.plugins import load_plugins
from tidtam.core.push.run import Options, Target, new_run_dir
from tidtam.core.settings import PACKAGE_ROOT, data_dir
from tidtam.sandbox.site import demo_credentials


def load_demo(db, keep: int | None = None) -> None:
    """The demo office as it stands at the end of 2570Q1, where the push tests are: the later
    quarters' reports are left out. With ``keep``, only the first ``keep`` Q1 reports stay (faster tests)."""
    with db.session() as session:
        load_catalogs(session, PACKAGE_ROOT / "config" / "catalogs.yaml")
        replace_office(session, OfficeFiles.in_folder(DEMO_DIR))
    with db.session() as session:
        reports = session.scalars(select(ProjectProgress).join(Project).order_by(Project.code)).all()
        later = [r for r in reports if r.period != "2570Q1"]
        q1 = [r for r in reports if r.period == "2570Q1"]
        for report in later + (q1[keep:] if keep is not None else []):
            session.delete(report)


SPA = "2027.1-spa"  # the forms of the stand-in's Keycloak + JavaScript profile


def drop_projects(db, codes) -> None:
    """Remove these projects from the office (fewer for a push to enter, where a test needs fewer)."""
    with db.session() as session:
        for project in session.scalars(select(Project).where(Project.code.in_(list(codes)))):
            session.delete(project)


def config_for(folder: Path, url: str, version: str = "2026.1") -> Path:
    """A copy of config/ whose eMENSCR base_url is the stand-in's, pinned to forms ``version``."""
    if not folder.exists():
        shutil.copytree(PACKAGE_ROOT / "config", folder)
    office = folder / "office.yaml"
    office.write_text(re.sub(r'emenscr: \{version: "[^"]+"\}', 'emenscr: {version: "%s"}' % version,
                             office.read_text(encoding="utf-8")), encoding="utf-8")
    mapping = folder / f"targets/emenscr/{version}/mapping.yaml"
    text = mapping.read_text(encoding="utf-8")
    start = text.index("base_url:")
    end = text.index("\n", start)
    mapping.write_text(text[:start] + f"base_url: {url}" + text[end:], encoding="utf-8")
    return folder


def push_command(db, *arguments: str, config_dir: Path | None = None) -> tuple[list[str], dict]:
    """The user's `cli.py push emenscr --period 2570Q1 <arguments>` on ``db``, and the
    environment it runs in: the demo credentials exported as a user would, and ``config_dir``."""
    user = credentials()
    env = {**os.environ, "TIDTAM_EMENSCR_USERNAME": user.username, "TIDTAM_EMENSCR_PASSWORD": user.password.reveal()}
    if config_dir is not None:
        env["TIDTAM_CONFIG_DIR"] = str(config_dir)
    where = str(db.url.database) if db.url.get_backend_name() == "sqlite" else db.url.render_as_string(hide_password=False)
    command = [sys.executable, str(PACKAGE_ROOT / "cli.py"), "--db", where, "push", "emenscr",
               "--period", "2570Q1", *arguments]
    return command, env


def make_target(db, config_dir: Path) -> Target:
    registry = load_plugins()
    spec = registry.target("emenscr")
    return Target(db, registry.hooks_for(spec.name), spec, target_config(spec, office_profile(config_dir), config_dir), "DEMO01")


def options(kind: str = "push", **changes) -> Options:
    run_dir = new_run_dir(data_dir(), "emenscr", "2570Q1", kind)
    return Options(run_dir=run_dir, **{"read_timeout": 10.0, "action_timeout": 20.0, **changes})


def credentials() -> Credentials:
    user, password = demo_credentials()
    return Credentials(user, Secret(password), "environment")


def entry_steps() -> list[str]:
    """The project entry's step codes, in the order config/targets/emenscr/…/forms.yaml gives them."""
    from tidtam.core.config import target_config

    spec = load_plugins().target("emenscr")
    return [step.code for step in target_config(spec, office_profile(PACKAGE_ROOT / "config"), PACKAGE_ROOT / "config")
            .forms.forms["project_entry"].steps]


def site_inputs(values: dict) -> dict[str, str]:
    """One step's values under the stand-in's input names (``kpis-0-name``, ``spending_plan-2569-10``),
    as strings the site shows back: how the tests compare what it holds with what was planned."""
    inputs: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, list):
            for i, row in enumerate(value):
                for column, cell in row.items():
                    inputs[f"{name}-{i}-{column}"] = _normal(cell)
        elif isinstance(value, dict):
            for key, cell in value.items():
                inputs[f"{name}-{key}"] = _normal(cell)
        else:
            inputs[name] = _normal(value)
    return inputs


def _normal(value) -> str:
    return str(value if value is not None else "").replace("\r\n", "\n").strip()
