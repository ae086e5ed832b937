"""Build the office font the documents use, "Tidtam Sarabun", from Google's Sarabun (OFL 1.1).

Why a build and not Sarabun itself: Thai official documents are set in TH Sarabun New 16 pt,
and Sarabun (the same design, released under the OFL by its designers) was re-proportioned for
Google Fonts: its letters are about 1.5 times as large at the same point size, so "16 pt" in
Sarabun prints like TH Sarabun New at 24 pt. This script scales every outline, advance, kerning
and anchor to 66% of the em (what fontconfig's own TH Sarabun stand-in does to Laksaman), so
16 pt prints as the office expects, and renames the family: a resized font must not answer to
another font's name. The OFL allows both (Sarabun declares no Reserved Font Name); the result
stays under the OFL, with the original copyright.

Run by a developer when the source changes; the output is committed (core/reports/fonts/):

    pip download --no-deps -d /tmp/sarabun fontpkg-sarabun && unzip -o -d /tmp/sarabun /tmp/sarabun/*.whl
    .venv/bin/python scripts/make_fonts.py /tmp/sarabun/fontpkg_sarabun/files
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem

FAMILY = "Tidtam Sarabun"
SCALE = 0.66
STYLES = {"Regular": "Regular", "Bold": "Bold", "Italic": "Italic", "BoldItalic": "Bold Italic"}
# Line spacing of 1.225 em (ascent and descent in em/1000), room for Thai marks above and below
# the deepest glyphs of the resized outlines. The same numbers go in every table that sets line
# spacing, so Word (Windows metrics) and LibreOffice (typographic metrics) lay out alike.
ASCENT, DESCENT = 850, 375
OUT = Path(__file__).resolve().parent.parent / "core" / "reports" / "fonts"
# What Thai office documents write: Thai, Latin with Latin-1, punctuation, currency, letterlike
# symbols, arrows. Sarabun's Vietnamese and extended Latin go: every docx embeds the font, and
# the inspection package travels by e-mail under an attachment limit.
KEEP = [*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0xE00, 0xE80), *range(0x2000, 0x2070),
        *range(0x20A0, 0x20D0), *range(0x2100, 0x2150), *range(0x2190, 0x2200), 0x2212]


def resize(source: Path, style: str) -> TTFont:
    font = TTFont(source, recalcTimestamp=False)  # the source's dates: the same input gives the same bytes
    upem = font["head"].unitsPerEm
    scale_upem(font, round(upem * SCALE))  # every coordinate, metric and table scaled ...
    font["head"].unitsPerEm = upem  # ... then the em set back: the glyphs are now 66% of it
    for glyph_name in font.getGlyphOrder():
        font["glyf"][glyph_name].removeHinting()  # instructions were made for the old size
    os2, hhea = font["OS/2"], font["hhea"]
    os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap = ASCENT, -DESCENT, 0
    hhea.ascent, hhea.descent, hhea.lineGap = ASCENT, -DESCENT, 0
    os2.usWinAscent, os2.usWinDescent = ASCENT, DESCENT
    _rename(font, style)
    _keep_office_characters(font)
    return font


def _keep_office_characters(font: TTFont) -> None:
    options = subset.Options()
    options.layout_features = ["*"]  # Thai mark placement and ligatures stay
    options.name_IDs, options.name_languages, options.name_legacy = ["*"], ["*"], True
    options.notdef_outline, options.glyph_names, options.hinting = True, True, False
    options.drop_tables += ["DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[code for code in KEEP if code in font.getBestCmap()])
    subsetter.subset(font)


def _rename(font: TTFont, style: str) -> None:
    ps_family = FAMILY.replace(" ", "")
    ps_style = style.replace(" ", "")
    version = font["name"].getDebugName(5) or ""
    names = {1: FAMILY, 2: style, 3: f"{ps_family}-{ps_style};resized from Sarabun",
             4: f"{FAMILY} {style}" if style != "Regular" else FAMILY, 6: f"{ps_family}-{ps_style}",
             5: f"{version.split(';')[0]}; Sarabun resized to {SCALE:.0%} of the em for Tidtam",
             16: FAMILY, 17: style}
    table = font["name"]
    table.names = [record for record in table.names if record.nameID not in (*names, 21, 22, 25)]
    for name_id, text in names.items():
        table.setName(text, name_id, 3, 1, 0x409)
        table.setName(text, name_id, 1, 0, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder with Sarabun-Regular.ttf, -Bold, -Italic, -BoldItalic and LICENSE")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for file_style, style in STYLES.items():
        font = resize(args.source / f"Sarabun-{file_style}.ttf", style)
        target = OUT / f"TidtamSarabun-{file_style}.ttf"
        font.save(target, reorderTables=True)
        print(target)
    licence = args.source / "LICENSE"
    if not licence.is_file():
        licence = args.source.parent / "LICENSE"
    shutil.copyfile(licence, OUT / "OFL.txt")


if __name__ == "__main__":
    main()
