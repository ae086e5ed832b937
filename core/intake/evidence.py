"""Which evidence files a returned workbook may name, and how a name finds its file.

An owner types file names into the "ไฟล์หลักฐาน" column and puts the files beside the
workbook. A name is looked up exactly as typed (only its ends are trimmed: inner spaces are
part of a file name); when no file has exactly that name, a file whose name differs only in
spacing, invisible characters or letter case is taken if it is the only one. A file is
accepted only if its type is one the office's targets take and its content really is that
type (a renamed program is not a PDF): the rules come from ``config/office.yaml`` › evidence.
"""
from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..thai import ZERO_WIDTH, clean_text
from ..values import ValueProblem

# What every target of this project takes [config/targets: E-MES pdf/jpg/png, the inspection
# package's zip also Office files]; an office narrows or widens it in office.yaml › evidence.
DEFAULT_TYPES = {"pdf": "25504446", "jpg": "ffd8ff", "jpeg": "ffd8ff", "png": "89504e47",
                 "docx": "504b0304", "xlsx": "504b0304", "pptx": "504b0304"}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# Content that is a program whatever its name says: Windows (MZ), Linux (ELF), macOS (Mach-O),
# and scripts (#!). Named so the message can say what the file really is.
PROGRAM_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")


@dataclass(frozen=True)
class EvidenceRules:
    """Accepted file types (extension → hex of the bytes its content starts with) and size."""

    types: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TYPES))
    max_bytes: int = DEFAULT_MAX_BYTES


def split_names(value) -> list[str]:
    """The names in one cell: separated by ";" or line breaks; each trimmed at its ends only."""
    text = str(value).translate(ZERO_WIDTH).replace("\r", "\n")
    names = (part.strip() for chunk in text.split("\n") for part in chunk.split(";"))
    return [name for name in names if name]


def evidence_file(folder: Path, name: str, rules: EvidenceRules) -> Path:
    """The file ``name`` names inside ``folder``, checked against ``rules``; or a Thai refusal."""
    _refuse_escape(name)
    try:
        path = _find(folder, name)
    except OSError:  # e.g. a name longer than the file system allows (ENAMETOOLONG)
        shown = name if len(name) <= 80 else name[:80] + "…"
        raise ValueProblem(f'ใช้ชื่อไฟล์หลักฐาน "{shown}" ไม่ได้ (ยาว {len(name):,} ตัวอักษร หรือมีอักขระที่ใช้ไม่ได้) '
                           "กรุณาตั้งชื่อไฟล์ให้สั้นลง") from None
    _check_type(path, name, rules)
    return path


def _refuse_escape(name: str) -> None:
    for flavour in (PurePosixPath(name), PureWindowsPath(name)):
        if flavour.is_absolute() or flavour.drive or ".." in flavour.parts:
            raise ValueProblem(f'ชื่อไฟล์หลักฐาน "{name}" ต้องเป็นไฟล์ในโฟลเดอร์เดียวกับแบบรายงาน (ห้ามใช้ .. หรือที่อยู่เต็ม)')


def _find(folder: Path, name: str) -> Path:
    candidate = folder / PurePosixPath(name.replace("\\", "/"))
    _refuse_symlinks(folder, candidate, name)
    if not candidate.is_file():
        candidate = _unique_lookalike(folder, candidate, name)
    if not candidate.resolve().is_relative_to(folder.resolve()):
        raise ValueProblem(f'ไฟล์หลักฐาน "{name}" อยู่นอกโฟลเดอร์ของแบบรายงาน')
    return candidate


def _refuse_symlinks(folder: Path, candidate: Path, name: str) -> None:
    for part in [candidate, *candidate.parents]:
        if part == folder or part == folder.parent:
            break
        if part.is_symlink():
            raise ValueProblem(f'ไฟล์หลักฐาน "{name}" เป็นลิงก์ (symlink) ไม่รับ กรุณาวางไฟล์จริง')


def _looks(name: str) -> str:
    """What two names share when they differ only in spacing, invisible characters or case."""
    return clean_text(unicodedata.normalize("NFC", name)).casefold()


def _unique_lookalike(folder: Path, candidate: Path, name: str) -> Path:
    directory = candidate.parent
    files = [p for p in directory.iterdir() if p.is_file()] if directory.is_dir() else []
    alike = [p for p in files if _looks(p.name) == _looks(candidate.name)]
    if len(alike) == 1 and not alike[0].is_symlink():
        return alike[0]
    where = folder.name if directory == folder else f"{folder.name}/{directory.relative_to(folder).as_posix()}"
    if len(alike) > 1:
        names = ", ".join(f'"{p.name}"' for p in sorted(alike))
        raise ValueProblem(f'ไฟล์หลักฐาน "{name}" ตรงกับหลายไฟล์ที่ต่างกันแค่การเว้นวรรคหรือตัวพิมพ์: {names} — '
                           "พิมพ์ชื่อให้ตรงกับไฟล์ที่ต้องการทุกตัวอักษร")
    similar = difflib.get_close_matches(candidate.name, [p.name for p in files], n=3, cutoff=0.6)
    hint = f" — ไฟล์ที่ชื่อคล้ายกัน: {', '.join(similar)}" if similar else " — วางไฟล์ไว้ในโฟลเดอร์เดียวกับแบบรายงาน แล้วพิมพ์ชื่อให้ตรง"
    raise ValueProblem(f'ไม่พบไฟล์หลักฐาน "{name}"{_spacing_note(name)} ในโฟลเดอร์ {where}{hint}')


def _spacing_note(name: str) -> str:
    """Say what an eye cannot see in a name: doubled spaces, special spaces."""
    notes = []
    if "  " in name:
        notes.append("มีเว้นวรรคหลายช่องติดกัน")
    if any(c.isspace() and c != " " for c in name):
        notes.append("มีอักขระเว้นวรรคพิเศษที่มองไม่เห็น")
    return f" ({', '.join(notes)})" if notes else ""


def _check_type(path: Path, name: str, rules: EvidenceRules) -> None:
    extension = path.suffix.lower().lstrip(".")
    allowed = ", ".join(sorted(rules.types))
    with path.open("rb") as file:
        head = file.read(16)
    size = path.stat().st_size
    if head.startswith(PROGRAM_MAGIC):
        raise ValueProblem(f'ไฟล์หลักฐาน "{name}" เป็นไฟล์โปรแกรม (executable) ไม่ใช่เอกสารหรือภาพ ระบบปลายทางไม่รับ — '
                           f"ใช้ไฟล์ชนิด {allowed}")
    if extension not in rules.types:
        raise ValueProblem(f'ไฟล์หลักฐาน "{name}" เป็นชนิด "{extension or "ไม่มีนามสกุล"}" ระบบปลายทางรับเฉพาะ {allowed} — '
                           "แปลงเป็น PDF ก่อน")
    if not head.startswith(bytes.fromhex(rules.types[extension])):
        raise ValueProblem(f'ไฟล์หลักฐาน "{name}" มีนามสกุล .{extension} แต่เนื้อไฟล์ไม่ใช่ {extension.upper()} '
                           "(อาจเปลี่ยนนามสกุลมาจากไฟล์ชนิดอื่น) — เปิดไฟล์ตรวจ แล้วบันทึกเป็นชนิดที่ถูกต้อง")
    if size > rules.max_bytes:
        raise ValueProblem(f'ไฟล์หลักฐาน "{name}" ขนาด {size / 1048576:.1f} MB เกินที่รับได้ '
                           f"({rules.max_bytes / 1048576:.0f} MB) — ย่อขนาดไฟล์ก่อน")
