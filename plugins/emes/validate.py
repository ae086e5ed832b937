"""E-MES's own rules, checked before any browser starts. Each problem names the point (its
record key) and the field, in Thai.

These mirror what the site refuses (and the stand-in enforces) beyond what forms.yaml states
(core checks the level among its options, the narrative's length): at most N http(s) links,
a work's video link of http(s) form (never fetched), evidence of an accepted type whose content
really is that type, within the size limit; and, ours: a point without its owner's result.
"""
from __future__ import annotations

import re

from tidtam.core.contract import Payload, Problem
from tidtam.core.evidence import stored_path

from .mapping import EmesMapping
from .plan import CONFIRM, EVIDENCE, RESULT, size_text

_URL = re.compile(r"https?://[^\s/$.?#][^\s]*")


def validate(payload: Payload, mapping: EmesMapping) -> list[Problem]:
    check = {RESULT: _result, EVIDENCE: _evidence, CONFIRM: _confirm}.get(payload.action)
    problems = check(payload, mapping) if check else []
    problems += [Problem(payload.record_key, "-", note, "warning") for note in payload.data.get("_notes", [])]
    return problems


def _result(payload: Payload, mapping: EmesMapping) -> list[Problem]:
    data, key, code = payload.data, payload.record_key, payload.data["code"]
    problems: list[Problem] = []
    add = lambda field, message: problems.append(Problem(key, f"ประเด็น {code} › {field}", message))  # noqa: E731
    for reason in data.get("_missing", []):
        add("ผลของผู้รับผิดชอบ", reason)
    links = data["_links"]
    bad = [link for link in links if not _URL.fullmatch(link)]
    if bad:
        add("ลิงก์", "ต้องขึ้นต้นด้วย http:// หรือ https:// : " + ", ".join(bad))
    links = [link for link in links if link not in {w["video"] for w in data["_works"]}]
    if len(links) > mapping.links_max:
        add("ลิงก์หลักฐานเพิ่มเติม", f"มี {len(links)} ลิงก์ ระบบรับได้ไม่เกิน {mapping.links_max}")
    return problems


def _evidence(payload: Payload, mapping: EmesMapping) -> list[Problem]:
    data, key, code = payload.data, payload.record_key, payload.data["code"]
    problems: list[Problem] = []
    field = f"ประเด็น {code} › ไฟล์ {data['filename']}"
    add = lambda message: problems.append(Problem(key, field, message))  # noqa: E731
    extension = data["filename"].rsplit(".", 1)[-1].lower() if "." in data["filename"] else ""
    signature = mapping.evidence_types.get(extension)
    allowed = ", ".join(sorted(mapping.evidence_types))
    if signature is None:
        add(f"ระบบรับเฉพาะไฟล์ชนิด {allowed} (ไฟล์นี้เป็น \"{extension or 'ไม่มีนามสกุล'}\") — แปลงเป็น PDF ก่อน")
    if data["size"] > mapping.evidence_max_bytes:
        add(f"ขนาด {size_text(data['size'])} เกินที่ระบบรับ ({size_text(mapping.evidence_max_bytes)})")
    path = stored_path(data["sha256"])
    if not path.is_file():
        add("ไม่พบไฟล์ในคลังหลักฐานของโปรแกรม — นำเข้าแบบรายงานพร้อมไฟล์อีกครั้ง")
    elif path.stat().st_size != data["size"]:
        add("ไฟล์ในคลังหลักฐานมีขนาดไม่ตรงกับที่บันทึกไว้ — นำเข้าใหม่")
    elif signature is not None:
        with path.open("rb") as handle:
            head = handle.read(len(bytes.fromhex(signature)))
        if head != bytes.fromhex(signature):
            add(f"เนื้อหาไฟล์ไม่ใช่ไฟล์ .{extension} จริง (ระบบตรวจเนื้อหาและจะปฏิเสธ)")
    return problems


def _confirm(payload: Payload, mapping: EmesMapping) -> list[Problem]:
    return [Problem(payload.record_key, "ความพร้อมก่อนยืนยัน", reason) for reason in payload.data.get("_not_ready", [])]
