"""Small helpers the intake tests share: filling a template as an owner would."""
from __future__ import annotations

import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl


def fill(path: Path, cells: dict[tuple[str, str], object], save_as: Path | None = None) -> Path:
    """Set ``{(sheet title, "E4"): value}`` and save, as an owner would in Excel."""
    workbook = openpyxl.load_workbook(path)
    for (sheet, ref), value in cells.items():
        workbook[sheet][ref] = value
    target = save_as or path
    workbook.save(target)
    return target


def set_saved_at(path: Path, moment: datetime) -> None:
    """Rewrite the workbook's own "modified" time (Excel's docProps/core.xml)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            target.writestr(item, data)
    shutil.move(tmp, path)


def drop_saved_at(path: Path) -> None:
    """Remove the workbook's own "modified" time, as some tools save a file."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", b"", data)
            target.writestr(item, data)
    shutil.move(tmp, path)


def row_of(path: Path, sheet: str, first_column_value: str, second: object | None = None) -> int:
    """The Excel row whose column A (and B) hold the given key."""
    worksheet = openpyxl.load_workbook(path, read_only=True)[sheet]
    for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if row and row[0] == first_column_value and (second is None or row[1] == second):
            return number
    raise AssertionError(f"{first_column_value} not in {sheet}")


# The first bytes of each evidence type: intake checks a file's content, not only its name.
MAGIC = {".pdf": b"%PDF-1.4\n", ".jpg": b"\xff\xd8\xff\xe0", ".jpeg": b"\xff\xd8\xff\xe0", ".png": b"\x89PNG\r\n\x1a\n",
         ".docx": b"PK\x03\x04", ".xlsx": b"PK\x03\x04", ".pptx": b"PK\x03\x04"}


def evidence_bytes(name: str, text: str = "evidence") -> bytes:
    """Content a file named ``name`` really has: its type's first bytes, then ``text``."""
    return MAGIC.get(Path(name).suffix.lower(), b"") + text.encode("utf-8")
