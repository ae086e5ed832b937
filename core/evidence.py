"""Evidence files kept once in the data dir, named by their sha256."""
from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from .models import EvidenceFile, Office, Person
from .settings import data_dir

CHUNK = 1 << 20


def evidence_dir() -> Path:
    return data_dir() / "evidence"


def stored_path(sha256: str) -> Path:
    """``evidence/ab/abcdef…``: two-letter fan-out keeps folders small."""
    return evidence_dir() / sha256[:2] / sha256


def store_file(source: Path) -> tuple[str, int]:
    """Copy ``source`` into the store (once per content) and return its sha256 and size.

    The hash is read first, so content already stored is never copied again; a new copy goes
    to a temporary file and is renamed into place, so a crash never leaves a half-written
    file under a valid hash. A file up to ``CHUNK`` is read once (hashed and copied from
    memory); a bigger one is streamed twice rather than held in memory.
    """
    digest = hashlib.sha256()
    with source.open("rb") as src:
        head = src.read(CHUNK)
        digest.update(head)
        size = len(head)
        small = size < CHUNK
        if not small:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
    sha = digest.hexdigest()
    target = stored_path(sha)
    if not target.exists():
        if target.parent not in _made_dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            _made_dirs.add(target.parent)
        try:
            tmp = tempfile.NamedTemporaryFile(dir=target.parent, delete=False)
        except FileNotFoundError:  # the folder went away since it was made
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = tempfile.NamedTemporaryFile(dir=target.parent, delete=False)
        with tmp:
            if small:
                tmp.write(head)
            else:
                with source.open("rb") as src:
                    shutil.copyfileobj(src, tmp, CHUNK)
        os.replace(tmp.name, target)
    return sha, size


_made_dirs: set[Path] = set()


def add_evidence(session: Session, office: Office, source: Path, added_by: Person | None = None, **attach) -> EvidenceFile:
    """Store ``source`` and record it; ``attach`` names the result row (e.g. ``emes_result=row``)."""
    sha, size = store_file(source)
    return record_evidence(session, office, source.name, sha, size, added_by, **attach)


def record_evidence(session: Session, office: Office, filename: str, sha: str, size: int, added_by: Person | None = None, **attach) -> EvidenceFile:
    """The database row of a file already in the store."""
    row = EvidenceFile(**evidence_values(office.id, filename, sha, size, added_by.id if added_by else None))
    for key, value in attach.items():
        setattr(row, f"{key}_id", value.id)
    session.add(row)
    return row


def evidence_values(office_id: int, filename: str, sha: str, size: int, added_by_id: int | None, **attach_ids) -> dict:
    """Column values of an ``evidence_file`` row (for the ORM, or a Core bulk insert that
    also passes ``added_at`` and e.g. ``progress_id``)."""
    media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return {"office_id": office_id, "sha256": sha, "filename": filename, "size": size, "media_type": media_type, "added_by_id": added_by_id, **attach_ids}
