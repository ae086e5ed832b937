"""Report fixtures: the demo office on SQLite made once per module, plus helpers that check a
generated file the way a person would see it (LibreOffice to PDF, pdftotext, pdffonts).

Rendering tools are required in CI (CI=true); elsewhere a missing tool skips with a message.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tidtam.core.reports.fontfiles import render_env

REPORT_DATE = "2027-04-10"


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


@pytest.fixture(scope="module")
def demo_sqlite(tmp_path_factory):
    """The demo office in a SQLite file, loaded once for a module's read-only tests."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIDTAM_DATA_DIR", str(folder / "data"))
        mp.setenv("TIDTAM_PLUGINS", "emenscr,emes,inspection")
        mp.delenv("TIDTAM_CONFIG_DIR", raising=False)
        url = f"sqlite:///{folder / 'demo.sqlite'}"
        result = cli("demo", db_url=url)
        assert result.exit_code == 0, result.output
    return url


def to_pdf(document: Path, out_dir: Path) -> Path:
    """Convert with LibreOffice in its own profile folder (parallel runs do not collide)."""
    soffice = need_tool("soffice")
    profile = out_dir / "lo-profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out_dir), str(document)],
        check=True, capture_output=True, timeout=180, env=render_env(out_dir / "fonts"),
    )
    pdf = out_dir / (document.stem + ".pdf")
    assert pdf.is_file(), f"LibreOffice made no PDF of {document.name}"
    return pdf


def pdf_text(pdf: Path) -> str:
    return subprocess.run([need_tool("pdftotext"), str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def pdf_font_names(pdf: Path) -> list[str]:
    """Embedded font names without the subset prefix: "ABCDEF+Laksaman-Bold" -> "Laksaman-Bold"."""
    out = subprocess.run([need_tool("pdffonts"), str(pdf)], check=True, capture_output=True, text=True).stdout
    rows = out.splitlines()[2:]
    assert all(" yes " in row for row in rows), f"a font is not embedded:\n{out}"
    return [row.split()[0].split("+")[-1] for row in rows]


def thai_font_families(folder: Path) -> set[str]:
    """Families fontconfig says cover Thai (the shipped font among them, as ``to_pdf`` renders),
    without spaces (as PDF font names spell them)."""
    out = subprocess.run([need_tool("fc-list"), ":lang=th", "family"], check=True, capture_output=True, text=True,
                         env=render_env(folder / "fonts")).stdout
    return {name.replace(" ", "") for line in out.splitlines() for name in line.split(",")}
