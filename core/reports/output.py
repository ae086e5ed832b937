"""Writing report folders whole or not at all, and Office files that are byte-for-byte stable.

A report folder is built in a hidden sibling folder and renamed into place only when every
file is written, so a failed run never leaves half a report where the user looks for one.
docx/xlsx are zip files stamped with the current time by their libraries; ``stabilise_zip``
rewrites the stamps to the report date, so the same data and date give the same bytes.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path


@contextmanager
def folder_in_place(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it replaces ``target``, on error it vanishes."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    work.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the report is for the whole unit
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    work.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def stabilise_zip(path: Path, when: date) -> None:
    """Give every zip entry the timestamp ``when`` and the document properties the same date."""
    stamp = (when.year, when.month, when.day, 0, 0, 0)
    iso = f"{when.isoformat()}T00:00:00Z".encode()
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = _CORE_DATE.sub(lambda m: m[1] + iso + m[3], data)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            out.writestr(info, data)
