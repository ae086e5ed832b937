"""Helpers of the inspection tests (a module of its own: every test folder has a conftest)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tidtam.core.reports.fontfiles import render_env
from tidtam.core.settings import PACKAGE_ROOT

MEMO_DATE = "2027-03-15"
ARCHIVE = "archive@demo-esa.example"


def cli(*args: str, db_url: str | None = None):
    from tidtam.cli import main

    argv = (["--db", db_url] if db_url else []) + list(args)
    return CliRunner().invoke(main, argv, catch_exceptions=False)


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (./scripts/setup.sh installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def make_photo(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (640, 420), noise: bool = False) -> Path:
    """A small picture; ``noise`` makes it big and incompressible (to force the package to split)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, size[0] // 2, size[1] // 2], fill=(250, 250, 250))
    image.save(path, quality=95) if path.suffix == ".jpg" else image.save(path)
    return path


def add_photos(db_url: str, folder: Path, photos: dict[str, tuple[str, bool]]) -> None:
    """Attach pictures to the round-1 results: {filename: (indicator code, big)}."""
    from sqlalchemy import select

    from tidtam.core import models as m
    from tidtam.core.db import Database
    from tidtam.core.evidence import add_evidence

    folder.mkdir(parents=True, exist_ok=True)
    database = Database(db_url)
    colours = [(74, 130, 194), (46, 139, 87), (192, 57, 43), (224, 138, 30)]
    with database.session(actor="test") as session:
        office = session.scalars(select(m.Office)).one()
        for n, (name, (code, big)) in enumerate(sorted(photos.items())):
            result = session.scalars(select(m.InspectionResult).join(m.InspectionIndicator)
                                     .where(m.InspectionIndicator.code == code, m.InspectionResult.period == "2570R1")).one()
            if name.endswith(".pdf"):  # a scanned document: incompressible, goes in the evidence zip only
                source = folder / name
                source.write_bytes(b"%PDF-1.4\n" + os.urandom(100_000 if big else 5_000))
            else:
                source = make_photo(folder / name, colours[n % 4], (900, 700) if big else (640, 420), noise=big)
            add_evidence(session, office, source, inspection_result=result)
    database.dispose()


def package_folder(office: str = "DEMO01", period: str = "2570R1") -> Path:
    from tidtam.plugins.inspection.package import package_dir

    return package_dir(office, period)


def config_for(folder: Path, mail=None, **changes) -> Path:
    """A copy of config/ whose inspection mapping points at the mail stand-in, with ``changes``
    (``archive=None`` drops the archive lookup)."""
    if not folder.exists():
        shutil.copytree(PACKAGE_ROOT / "config", folder)
    path = folder / "targets/inspection/2026.1/mapping.yaml"
    mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    if mail is not None:
        mapping.update(smtp_host=mail.host, smtp_port=mail.smtp_port, smtp_timeout=10)
        mapping["archive"].update(imap_host=mail.host, imap_port=mail.imap_port, settle_seconds=0)
    for key, value in changes.items():
        if value is None:
            mapping.pop(key, None)
        elif isinstance(value, dict) and isinstance(mapping.get(key), dict):
            mapping[key].update(value)
        else:
            mapping[key] = value
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def to_pdf(document: Path, out_dir: Path) -> Path:
    soffice = need_tool("soffice")
    subprocess.run([soffice, f"-env:UserInstallation=file://{out_dir / 'lo-profile'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(out_dir), str(document)], check=True, capture_output=True, timeout=180,
                   env=render_env(out_dir / "fonts"))  # the office font stands in for TH Sarabun New
    pdf = out_dir / (document.stem + ".pdf")
    assert pdf.is_file(), f"LibreOffice made no PDF of {document.name}"
    return pdf
