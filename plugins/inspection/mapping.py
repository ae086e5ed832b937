"""Schemas of ``config/targets/inspection/<version>/``: ``mapping.yaml`` (where and how the
package is delivered) and ``workbook.yaml`` (the region's column layout of the workbook).

Both are data because both are [assumed] facts an office must be able to correct without a
release; both are validated on load with ``file › key: message`` errors (``core.config``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from tidtam.core.config import Strict, load

# Every message's encoded attachments must leave room for the headers and the body.
MESSAGE_OVERHEAD = 16_384


def _email(value: str) -> str:
    value = value.strip()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or any(c in value for c in " <>,;\"'"):
        raise ValueError(f'ที่อยู่อีเมลไม่ถูกต้อง: "{value}"')
    return value


Email = Annotated[str, AfterValidator(_email)]  # an address, trimmed, or a Thai refusal


class ArchiveLookup(Strict):
    """The unit's own archive mailbox: every message is BCC'd to it in the same SMTP
    transaction, so finding a Message-ID there (IMAP SEARCH HEADER) proves delivery, and not
    finding it once ``settle_seconds`` have passed since the attempt proves it was not sent."""

    address: Email
    imap_host: str
    imap_port: int = 993
    imap_tls: bool = True  # IMAP over TLS (port 993); false = plain IMAP (the local stand-in)
    settle_seconds: float = Field(default=300, ge=0)


class InspectionMapping(Strict):
    recipient: Email  # the regional office's address for inspection reports
    region_office: str
    sender: Email  # the From: address, the unit's own
    attachment_max_bytes: int = Field(ge=200_000)  # per message, attachments as sent (base64)
    smtp_host: str
    smtp_port: int
    smtp_tls: bool = False  # STARTTLS before anything else is said
    smtp_auth: bool = False  # log in with credentials from keyring/env/prompt (never config)
    smtp_timeout: float = Field(default=60, gt=0)
    archive: ArchiveLookup | None = None  # no archive: an unsure send waits for a person's decision


# --- workbook.yaml -------------------------------------------------------------------------

FIELDS_TH = {
    "policy": "นโยบาย",
    "point": "ประเด็นการตรวจราชการ",
    "indicator_code": "ตัวชี้วัดที่",
    "indicator_name": "ตัวชี้วัด",
    "target": "ค่าเป้าหมาย",
    "unit": "หน่วยนับ",
    "result": "ผลการดำเนินงาน",
    "achieved": "บรรลุค่าเป้าหมาย",
    "result_text": "ผลการดำเนินการ",
    "problems": "ปัญหาอุปสรรค",
    "suggestions": "ข้อเสนอแนะ",
    "good_practice": "แนวปฏิบัติที่ดี",
    "owner": "ผู้รับผิดชอบ",
    "evidence": "ไฟล์หลักฐาน",
    "source": "ประเภทการตรวจราชการ",
}
Field_ = Literal[tuple(FIELDS_TH)]  # type: ignore[valid-type]


class WorkbookColumn(Strict):
    field: Field_
    header: str
    width: int = Field(default=16, ge=4, le=120)


class WorkbookLayout(Strict):
    sheet: str = Field(min_length=1, max_length=31)  # Excel's limit on sheet names
    columns: list[WorkbookColumn] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self):
        seen: set[str] = set()
        for column in self.columns:
            if column.field in seen:
                raise ValueError(f'คอลัมน์ "{column.field}" ซ้ำ')
            seen.add(column.field)
        if any(c in self.sheet for c in "[]:*?/\\"):
            raise ValueError(f'ชื่อแผ่นงานมีอักขระที่ Excel ไม่รับ: "{self.sheet}"')
        return self


def workbook_layout(folder: Path) -> WorkbookLayout:
    """``workbook.yaml`` of the pinned target version (``TargetConfig.folder``)."""
    return load(WorkbookLayout, folder / "workbook.yaml")
