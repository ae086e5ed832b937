"""``package inspection --round 2570R1``: the report, the slides, the workbook, the evidence zip
and ``manifest.json``, built whole or not at all, byte-identical for the same data and date.

The package lives in one place per office and round (``<data dir>/packages/inspection/<office>/
<round>``): delivery reads it from there, and the approval binds the hash of its manifest (which
holds the sha256 of every other file), so rebuilding it with other data voids the approval.
It is built in a hidden sibling folder and renamed into place only when every file is written,
under the same lock as a delivery of the round, so a delivery never reads half a package.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from tidtam.core.errors import BadInput, NotYet
from tidtam.core.evidence import stored_path
from tidtam.core.periods import Period
from tidtam.core.reports import charts
from tidtam.core.reports.output import folder_in_place
from tidtam.core.settings import data_dir
from tidtam.core.thai import to_thai_digits

from . import documents
from .frame import RoundData, collect, file_sha256, number_th, problems
from .mapping import MESSAGE_OVERHEAD, InspectionMapping, workbook_layout

FORMAT = "tidtam-inspection-package/1"
MANIFEST = "manifest.json"
TARGET = "inspection"
PHOTO_MAX_PX = 1600  # photos are scaled down for the documents; the originals go in the zip
ZIP_ENTRY_OVERHEAD = 128  # local header + central directory record, without the name


@dataclass
class PackageFile:
    name: str
    kind: str  # report | slides | workbook | evidence | manifest
    sha256: str
    size: int


@dataclass
class Package:
    folder: Path
    files: list[PackageFile]  # in delivery order, manifest included
    package_hash: str  # sha256 of manifest.json
    manifest: dict

    @property
    def not_reported(self) -> list[str]:
        return self.manifest.get("not_reported", [])


def package_dir(office_code: str, period_id: str) -> Path:
    return data_dir() / "packages" / TARGET / office_code / period_id


def encoded_size(size: int) -> int:
    """Bytes of a file once base64-encoded in a message: 76-character lines plus CRLF."""
    return -(-size // 57) * 78


def raw_limit(mapping: InspectionMapping) -> int:
    """The largest file (raw bytes) that fits alone in one message under the limit."""
    return max(0, (mapping.attachment_max_bytes - MESSAGE_OVERHEAD) // 78 * 57)


# --- build ---------------------------------------------------------------------------------


def build(session, office, period: Period, config, memo_date: date, *, allow_incomplete: bool = False,
          doc_no: str = "") -> Package:
    """Check the round's data, then write the package into its place (see the module docstring).

    ``config`` is the target's ``TargetConfig`` (mapping and the folder with workbook.yaml)."""
    mapping: InspectionMapping = config.mapping
    layout = workbook_layout(config.folder)
    data = collect(session, office, period, memo_date)
    found = problems(data, raw_limit(mapping))
    blocking = [p for p in found if not (allow_incomplete and p.kind == "missing" and p.field == "report")]
    if blocking:
        wrong = any(p.kind == "wrong" for p in blocking)
        hint = "" if wrong else ("\nแก้ข้อมูลแล้วรันอีกครั้ง หรือใช้ --allow-incomplete เพื่อสร้างชุดเอกสารโดยระบุว่า "
                                 "\"ยังไม่ได้รับรายงานผล\" สำหรับตัวชี้วัดที่ยังไม่ส่ง")
        raise (BadInput if wrong else NotYet)(f"สร้างชุดเอกสารตรวจราชการ {period.id} ไม่ได้ ({len(blocking)} รายการ):\n"
                                              + "\n".join(f"  • {p}" for p in blocking) + hint)
    target = package_dir(data.office_code, period.id)
    with tempfile.TemporaryDirectory(prefix="tidtam-inspection-") as scratch_name:
        scratch = Path(scratch_name)
        photos = _prepare_photos(data, scratch)
        policy_charts = _draw_charts(data, scratch)
        with folder_in_place(target) as work:
            write_files(data, work, mapping, layout, photos, policy_charts, doc_no=doc_no,
                        allow_incomplete=allow_incomplete)
    return load(target)


def write_files(data: RoundData, work: Path, mapping: InspectionMapping, layout, photos, policy_charts,
                *, doc_no: str, allow_incomplete: bool) -> list[PackageFile]:
    stem = f"inspection-{data.period.id}"
    written = [
        ("report", documents.write_report(data, work / f"{stem}-report.docx", photos, doc_no)),
        ("slides", documents.write_slides(data, work / f"{stem}-slides.pptx", policy_charts, photos)),
        ("workbook", documents.write_workbook(data, work / f"{stem}-workbook.xlsx", layout)),
    ]
    written += [("evidence", p) for p in _write_evidence(data, work, stem, raw_limit(mapping))]
    files = [_describe(kind, path) for kind, path in written]
    for f in files:
        if f.size > raw_limit(mapping):
            raise BadInput(f"ไฟล์ {f.name} ขนาด {f.size / 1e6:.1f} MB ใหญ่เกินกว่าจะแนบอีเมลได้ "
                           f"(attachment_max_bytes = {mapping.attachment_max_bytes}) — ลดจำนวนหรือขนาดภาพหลักฐาน"
                           " หรือเพิ่มค่า attachment_max_bytes ตามที่เซิร์ฟเวอร์ของภาครับได้")
    manifest = _manifest(data, files, allow_incomplete)
    (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                 encoding="utf-8")
    return files + [_describe("manifest", work / MANIFEST)]


def _describe(kind: str, path: Path) -> PackageFile:
    return PackageFile(path.name, kind, file_sha256(path), path.stat().st_size)


def _manifest(data: RoundData, files: list[PackageFile], allow_incomplete: bool) -> dict:
    return {
        "format": FORMAT,
        "office": {"code": data.office_code, "name": data.office_name},
        "period": data.period.id,
        "title": documents.title_th(data),
        "to": data.region_office,
        "memo_date": data.memo_date.isoformat(),
        "allow_incomplete": allow_incomplete,
        "not_reported": [i.code for i in data.missing],
        "indicators": [
            {"code": i.code, "name": i.name, "unit": i.unit, "owner": i.owner, "reported": i.reported,
             "target": None if i.target is None else str(i.target),
             "result": None if i.result is None else str(i.result),
             "achieved": i.achieved, "evidence": len(i.evidence), "photos": len(i.photos)}
            for i in data.indicators],
        "files": [{"name": f.name, "kind": f.kind, "sha256": f.sha256, "size": f.size} for f in files],
    }


# --- reading a built package ---------------------------------------------------------------


def load(folder: Path) -> Package:
    """The package in ``folder``, every file checked against the manifest; raises on any change."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise NotYet(f"ยังไม่มีชุดเอกสารตรวจราชการที่ {folder} — รัน package inspection --round ... ก่อน")
    raw = manifest_path.read_bytes()
    manifest = json.loads(raw)
    if manifest.get("format") != FORMAT:
        raise BadInput(f"{manifest_path}: ไม่ใช่ชุดเอกสารรูปแบบ {FORMAT}")
    files = []
    for entry in manifest["files"]:
        path = folder / entry["name"]
        if not path.is_file() or path.stat().st_size != entry["size"] or file_sha256(path) != entry["sha256"]:
            raise BadInput(f"ไฟล์ {path} ไม่ตรงกับ {MANIFEST} (ถูกลบหรือแก้ไขหลังสร้าง) — "
                           "รัน package inspection ใหม่ แล้วแสดงตัวอย่างและขออนุมัติอีกครั้ง")
        files.append(PackageFile(entry["name"], entry["kind"], entry["sha256"], entry["size"]))
    files.append(PackageFile(MANIFEST, "manifest", hashlib.sha256(raw).hexdigest(), len(raw)))
    return Package(folder, files, hashlib.sha256(raw).hexdigest(), manifest)


def copy_to(package: Package, out: Path) -> Path:
    """A copy for people to open (``--out``); delivery always reads the package's own place."""
    with folder_in_place(out) as work:
        for f in package.files:
            shutil.copy2(package.folder / f.name, work / f.name)
    return out


# --- pieces --------------------------------------------------------------------------------


def _prepare_photos(data: RoundData, folder: Path) -> dict[str, Path]:
    """Each photo shown in the documents, upright and at most PHOTO_MAX_PX, as a stable JPEG."""
    from PIL import Image, ImageOps

    out: dict[str, Path] = {}
    for ind in data.indicators:
        for ev in ind.photos[:3]:
            if ev.sha256 in out:
                continue
            target = folder / f"{ev.sha256}.jpg"
            try:
                with Image.open(stored_path(ev.sha256)) as image:
                    image = ImageOps.exif_transpose(image).convert("RGB")
                    image.thumbnail((PHOTO_MAX_PX, PHOTO_MAX_PX))
                    image.save(target, "JPEG", quality=85)
            except OSError as exc:
                raise BadInput(f'ตัวชี้วัดที่ {ind.code} › ไฟล์หลักฐาน: เปิดภาพ "{ev.filename}" ไม่ได้ ({exc})') from None
            out[ev.sha256] = target
    return out


def _draw_charts(data: RoundData, folder: Path) -> dict[int, Path]:
    """Per policy: target and result of its percentage indicators that have both."""
    out = {}
    for policy in data.policies:
        shown = [i for i in policy.indicators if i.unit == "ร้อยละ" and i.target is not None and i.result is not None]
        if shown:
            out[policy.number] = target_result_chart(folder / f"policy-{policy.number}", shown)[0]
    return out


@charts.themed  # the reports' Thai font and stable-output settings, around the whole drawing
def target_result_chart(stem: Path, indicators) -> list[Path]:
    """Bars of target (grey) and result (blue, orange when below target) per indicator, in %."""
    # The chart fills a slide's body (12.5 × 5.85 in) at 1.4 times this size: its 20 pt text shows as 28 pt.
    fig, ax = charts.new_figure(width=12.5 / 1.4, height=5.85 / 1.4)
    xs = list(range(len(indicators)))
    targets = [float(i.target) for i in indicators]
    results = [float(i.result) for i in indicators]
    ax.bar([x - 0.2 for x in xs], targets, 0.38, color=charts.GREY, label="ค่าเป้าหมาย")
    ax.bar([x + 0.2 for x in xs], results, 0.38, label="ผลการดำเนินงาน",
           color=[charts.BLUE if r >= t else charts.ORANGE for r, t in zip(results, targets)])
    for shift, values in ((-0.2, targets), (0.2, results)):
        for x, value in zip(xs, values):
            ax.text(x + shift, value + 1.5, number_th(value), ha="center", va="bottom", fontsize="small")
    ax.set_xticks(xs, [f"ตัวชี้วัดที่ {to_thai_digits(i.code)}" for i in indicators])
    ax.set_ylim(0, max([100.0, *targets, *results]) * 1.2)
    charts.thai_ticks(ax, "y")
    ax.set_ylabel("ร้อยละ")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)
    return charts.save(fig, stem)


def _write_evidence(data: RoundData, work: Path, stem: str, limit: int) -> list[Path]:
    """Evidence files in zip volumes that each fit in one message; volume 1 starts with an index.

    Stored, not deflated (photos and PDFs do not shrink), so sizes are known before writing."""
    entries: list[tuple[str, str, int, str]] = []  # (name in zip, sha256, size, indicator)
    for ind in data.indicators:
        used: set[str] = set()
        for ev in ind.evidence:
            name = _unique(f"{ind.code}/{_safe_name(ev.filename)}", used)
            entries.append((name, ev.sha256, ev.size, ind.code))
    volumes: list[list[tuple[str, str, int, str]]] = [[]]
    index_reserve = 4096 + 300 * len(entries)
    room = limit - index_reserve
    for entry in entries:
        cost = entry[2] + ZIP_ENTRY_OVERHEAD + 2 * len(entry[0].encode())
        if cost > room and volumes[-1]:
            volumes.append([])
            room = limit
        volumes[-1].append(entry)
        room -= cost
    where = {e[0]: n for n, volume in enumerate(volumes, 1) for e in volume}
    names = [f"{stem}-evidence-{n}.zip" for n in range(1, len(volumes) + 1)]
    lines = [f"รายการไฟล์หลักฐาน {documents.title_th(data)}", data.office_name,
             f"จำนวน {len(entries)} ไฟล์ ใน {len(volumes)} ไฟล์ zip", ""]
    lines += [f"ตัวชี้วัดที่ {code}\t{name}\t{size} ไบต์\t{names[where[name] - 1]}\tsha256 {sha}"
              for name, sha, size, code in entries] or ["(ไม่มีไฟล์หลักฐาน)"]
    stamp = (data.memo_date.year, data.memo_date.month, data.memo_date.day, 0, 0, 0)
    for n, (zip_name, volume) in enumerate(zip(names, volumes), 1):
        with zipfile.ZipFile(work / zip_name, "w", zipfile.ZIP_STORED) as archive:
            if n == 1:
                _add(archive, "รายการหลักฐาน.txt", ("\n".join(lines) + "\n").encode("utf-8"), stamp)
            for name, sha, _size, _code in volume:
                _add(archive, name, stored_path(sha).read_bytes(), stamp)
    return [work / zip_name for zip_name in names]


def _add(archive: zipfile.ZipFile, name: str, data: bytes, stamp) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.create_system = 3
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_STORED
    archive.writestr(info, data)


def _safe_name(filename: str) -> str:
    name = PurePosixPath(filename.replace("\\", "/")).name.strip() or "file"
    return "".join("_" if ord(c) < 32 else c for c in name)


def _unique(name: str, used: set[str]) -> str:
    base, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{base} ({n}){dot}{ext}"
    used.add(candidate)
    return candidate


__all__ = ["build", "load", "copy_to", "package_dir", "Package", "PackageFile", "number_th"]
