"""The office font shipped with Tidtam, and how each program that draws documents finds it.

``fonts/`` holds "Tidtam Sarabun" (regular, bold, italic, bold italic): Sarabun (OFL 1.1, by the
designers of TH Sarabun New) resized to TH Sarabun New's proportions, so 16 pt prints as an
official document expects (``scripts/make_fonts.py`` says why and how it is built).

- Word documents embed it (``officedoc.embed_fonts``): Word and LibreOffice draw a docx with
  its own font on any machine.
- Workbooks and slides cannot carry a font, so they ask for "TH Sarabun New", the font every
  Thai government computer has; where it is missing (this machine), ``fontconfig_file`` makes
  fontconfig draw it with Tidtam Sarabun, which has the same proportions.
- Charts: matplotlib loads the files directly (``charts.thai_font``).

Nothing is installed into the system: a program that renders documents here is pointed at a
fontconfig file (``FONTCONFIG_FILE``) that adds this folder, so the result never depends on
what a machine happens to have, and a test of the docx's embedded fonts cannot pass on an
installed copy.
"""
from __future__ import annotations

import os
from pathlib import Path
from xml.sax.saxutils import escape

FAMILY = "Tidtam Sarabun"
BY_NAME = "TH Sarabun New"  # what xlsx and pptx ask for: formats that cannot carry a font
FOLDER = Path(__file__).parent / "fonts"
FACES = {(False, False): "Regular", (True, False): "Bold", (False, True): "Italic", (True, True): "BoldItalic"}


def face(bold: bool = False, italic: bool = False) -> Path:
    return FOLDER / f"TidtamSarabun-{FACES[(bold, italic)]}.ttf"


def faces() -> list[Path]:
    return [face(bold, italic) for bold, italic in FACES]


def fontconfig_file(folder: Path, *, with_office_font: bool = True) -> Path:
    """Write ``folder``/fonts.conf: the system's fontconfig, plus (by default) the shipped font
    standing in for TH Sarabun New. ``with_office_font=False`` gives the system alone, to show
    that a docx draws with the fonts it embeds. Point ``FONTCONFIG_FILE`` at the result."""
    folder.mkdir(parents=True, exist_ok=True)
    extra = ""
    if with_office_font:
        extra = f"""  <dir>{escape(str(FOLDER))}</dir>
  <match target="pattern">
    <test name="family"><string>{BY_NAME}</string></test>
    <edit name="family" mode="prepend" binding="strong"><string>{FAMILY}</string></edit>
  </match>
"""
    conf = folder / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <cachedir>{escape(str(folder / "cache"))}</cachedir>
{extra}</fontconfig>
""", encoding="utf-8")
    return conf


def render_env(folder: Path, *, with_office_font: bool = True) -> dict[str, str]:
    """The environment for a program that draws documents here (LibreOffice, fc-list):
    this process's, with ``FONTCONFIG_FILE`` pointing at ``fontconfig_file(folder)``."""
    return {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file(folder, with_office_font=with_office_font))}
