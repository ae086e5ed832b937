"""Type into a workbook with LibreOffice Calc, as an owner would, and save it as .xlsx.

Run with the system Python that has LibreOffice's ``uno`` module (Debian: python3-uno), not
the project's venv: ``/usr/bin/python3 calc_typing.py IN.xlsx OUT.xlsx LOCALE JSON`` where
JSON maps "sheet!A1" to the text typed into that cell (Calc reads it as typing: "31/12/2569"
becomes a date if the locale reads it as one, "1,234.50" a number, "50%" a percentage) and
LOCALE is the document's language, e.g. "th-TH" or "en-US". Calc runs headless with a profile
of its own in a temporary folder, and quits when done.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.lang import Locale


def _property(name: str, value) -> PropertyValue:
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


def _connect(pipe: str, soffice: subprocess.Popen, timeout: float = 60.0):
    context = uno.getComponentContext()
    resolver = context.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", context)
    deadline = time.monotonic() + timeout
    while True:  # until Calc accepts the connection (a condition, with a deadline)
        try:
            remote = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return remote.ServiceManager
        except NoConnectException:
            if soffice.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("LibreOffice did not start")
            time.sleep(0.1)


def _type(services, document, typed: dict[str, str]) -> None:
    """Each text entered in its cell the way the keyboard enters it (.uno:EnterString), so
    Calc recognises numbers, dates and percentages and sets the cell's format as it would."""
    controller = document.CurrentController
    dispatcher = services.createInstance("com.sun.star.frame.DispatchHelper")
    for where, text in typed.items():
        sheet_name, cell = where.rsplit("!", 1)
        sheet = document.Sheets.getByName(sheet_name)
        controller.setActiveSheet(sheet)
        controller.select(sheet.getCellRangeByName(cell))
        dispatcher.executeDispatch(controller.Frame, ".uno:EnterString", "", 0, (_property("StringName", text),))


def type_into(source: Path, target: Path, locale: str, typed: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / source.name  # Calc leaves a lock file beside what it opens
        shutil.copyfile(source, work)
        pipe = f"tidtam_{Path(scratch).name}"
        soffice = subprocess.Popen(
            ["soffice", "--headless", "--invisible", "--norestore", "--nologo", f"--accept=pipe,name={pipe};urp;",
             f"-env:UserInstallation={(Path(scratch) / 'profile').as_uri()}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            services = _connect(pipe, soffice)
            desktop = services.createInstance("com.sun.star.frame.Desktop")
            document = desktop.loadComponentFromURL(work.as_uri(), "_blank", 0, (_property("Hidden", True),))
            if document is None:
                raise RuntimeError(f"LibreOffice could not open {source}")
            language, _, country = locale.partition("-")
            document.CharLocale = Locale(language, country, "")
            _type(services, document, typed)
            document.storeToURL(target.resolve().as_uri(), (_property("FilterName", "Calc MS Excel 2007 XML"), _property("Overwrite", True)))
        finally:
            soffice.terminate()  # closing the document through the bridge can take Calc down with it
            try:
                soffice.wait(timeout=30)
            except subprocess.TimeoutExpired:
                soffice.kill()


if __name__ == "__main__":
    source, target, locale, typed = sys.argv[1:5]
    type_into(Path(source), Path(target), locale, json.loads(Path(typed).read_text(encoding="utf-8")))
