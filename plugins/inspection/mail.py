"""E-mail for the inspection package: split it into messages, build each message, send it over
SMTP, and look a message up in the unit's archive mailbox over IMAP.

One message part is one ledger row (record ``package:2570R1#part-2``, action ``deliver``); its
payload is everything the message says (addresses, subject, body, attachments by sha256), so
the approval covers the exact messages. The Message-ID comes from the row's idempotency key and
the package hash: a resend of the same part carries the same Message-ID, a corrected package
gets new ones.

``send`` reports the one thing exactly-once delivery needs to know about a failure: whether the
server can have accepted the message. ``NotSent`` — it cannot (no connection, or the server
refused before or at the end of DATA); ``MaybeSent`` — the message body went out and the
server's final answer never came (a timeout or a dropped connection), so it may have landed.
"""
from __future__ import annotations

import contextlib
import email.policy
import imaplib
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path

from tidtam.core.contract import Payload
from tidtam.core.ledger import idempotency_key
from tidtam.core.thai import to_thai_digits

from .documents import addressee
from .mapping import MESSAGE_OVERHEAD, InspectionMapping
from .package import TARGET, Package, encoded_size

ACTION = "deliver"
ATTACHMENT_HEADERS = 512  # MIME headers of one attachment, generously


class NotSent(RuntimeError):
    """The server cannot have accepted the message: sending it again is safe."""


class MaybeSent(RuntimeError):
    """The message may have been accepted (no final answer): never resent without a lookup."""


class LookupFailed(RuntimeError):
    """The archive mailbox could not be asked: nothing is known."""


def record_key(period_id: str, part: int) -> str:
    return f"package:{period_id}#part-{part}"


def message_id(office_code: str, period_id: str, part: int, package_hash: str, domain: str) -> str:
    key = idempotency_key(office_code, TARGET, period_id, record_key(period_id, part), ACTION)
    return f"<tidtam.{key[:32]}.{package_hash[:16]}@{domain}>"


def split(package: Package, limit: int) -> list[list[dict]]:
    """Files in delivery order, packed into as few messages as the size limit allows (the report,
    slides, workbook and manifest first; each evidence volume was built to fit one message)."""
    room = limit - MESSAGE_OVERHEAD
    parts: list[list[dict]] = [[]]
    used = 0
    order = {"manifest": 0, "report": 1, "slides": 2, "workbook": 3, "evidence": 4}
    for f in sorted(package.files, key=lambda f: (order[f.kind], f.name)):
        cost = encoded_size(f.size) + ATTACHMENT_HEADERS
        if parts[-1] and used + cost > room:
            parts.append([])
            used = 0
        parts[-1].append({"name": f.name, "sha256": f.sha256, "size": f.size})
        used += cost
    return parts


def plan(package: Package, mapping: InspectionMapping, office_code: str) -> list[Payload]:
    """One ``Payload`` per message, in order."""
    manifest = package.manifest
    period_id = manifest["period"]
    groups = split(package, mapping.attachment_max_bytes)
    total = len(groups)
    domain = mapping.sender.rpartition("@")[2]
    out = []
    for number, files in enumerate(groups, 1):
        part_th = to_thai_digits(f"ส่วนที่ {number}/{total}")
        subject = f"{manifest['title']} {manifest['office']['name']} ({part_th})"
        listing = "\n".join(f"  {k}. {f['name']} ({_size_th(f['size'])})" for k, f in enumerate(files, 1))
        body = (
            f"เรียน {addressee(mapping.region_office)}\n\n"
            f"{manifest['office']['name']} ขอส่ง{manifest['title']} "
            f"{part_th} ประกอบด้วยไฟล์แนบ {to_thai_digits(len(files))} ไฟล์ ดังนี้\n{listing}\n\n"
            f"ชุดเอกสารนี้มีทั้งหมด {to_thai_digits(total)} ฉบับ ไฟล์ manifest.json ในฉบับที่ ๑ "
            f"ระบุค่า sha256 ของทุกไฟล์ รหัสชุดเอกสาร (sha256 ของ manifest.json): {package.package_hash}\n\n"
            f"จึงเรียนมาเพื่อโปรดทราบ\n{manifest['office']['name']}\n")
        data = {
            "package": package.package_hash,
            "period": period_id,
            "office": office_code,
            "part": number,
            "parts": total,
            "from": mapping.sender,
            "to": mapping.recipient,
            "archive": mapping.archive.address if mapping.archive else None,
            "subject": subject,
            "body": body,
            "message_id": message_id(office_code, period_id, number, package.package_hash, domain),
            "attachments": files,
        }
        out.append(Payload(record_key(period_id, number), ACTION, data, title=subject))
    return out


def _size_th(size: int) -> str:
    return to_thai_digits(f"{size / 1000:,.0f} KB" if size < 1_000_000 else f"{size / 1e6:,.1f} MB")


def build_message(data: dict, folder: Path, now: datetime | None = None) -> EmailMessage:
    """The message of one part; raises ``NotSent`` if a file no longer matches its sha256."""
    import hashlib
    import mimetypes

    message = EmailMessage()
    message["From"] = data["from"]
    message["To"] = data["to"]
    message["Subject"] = data["subject"]
    message["Message-ID"] = data["message_id"]
    message["Date"] = format_datetime(now or datetime.now(timezone.utc))
    message["X-Tidtam-Package"] = data["package"]
    message["X-Tidtam-Part"] = f"{data['part']}/{data['parts']}"
    message.set_content(data["body"], charset="utf-8")
    for f in data["attachments"]:
        content = (folder / f["name"]).read_bytes() if (folder / f["name"]).is_file() else b""
        if hashlib.sha256(content).hexdigest() != f["sha256"]:
            raise NotSent(f"ไฟล์ {f['name']} ในชุดเอกสารไม่ตรงกับที่อนุมัติ (ถูกแก้ไขหรือสร้างใหม่) — ไม่ได้ส่ง")
        kind = mimetypes.guess_type(f["name"])[0] or "application/octet-stream"
        maintype, _, subtype = kind.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=f["name"])
    return message


@dataclass
class Sent:
    reply: str  # the server's answer to the end of DATA, e.g. "2.0.0 Ok: queued as 4F2A"


def send(message: EmailMessage, data: dict, mapping: InspectionMapping, credentials=None) -> Sent:
    """One SMTP transaction: To plus the archive's BCC in the envelope, one 250 for both. A
    failure before DATA (refused address, no connection) is ``NotSent``: no doubt is left."""
    recipients = [data["to"]] + ([data["archive"]] if data.get("archive") else [])
    try:
        smtp = smtplib.SMTP(mapping.smtp_host, mapping.smtp_port, timeout=mapping.smtp_timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise NotSent(f"เชื่อมต่อเซิร์ฟเวอร์อีเมล {mapping.smtp_host}:{mapping.smtp_port} ไม่ได้: {_why(exc)}") from None
    try:
        try:
            smtp.ehlo()
            if mapping.smtp_tls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if mapping.smtp_auth:
                if credentials is None:
                    raise NotSent("ต้องเข้าสู่ระบบเซิร์ฟเวอร์อีเมล (smtp_auth) แต่ไม่มีชื่อผู้ใช้/รหัสผ่าน")
                smtp.login(credentials.username, credentials.password.reveal())
            code, answer = smtp.mail(data["from"])
            if code != 250:
                raise NotSent(f"เซิร์ฟเวอร์ไม่รับผู้ส่ง {data['from']}: {code} {_text(answer)}")
            for address in recipients:
                code, answer = smtp.rcpt(address)
                if code not in (250, 251):
                    raise NotSent(f"เซิร์ฟเวอร์ไม่รับผู้รับ {address}: {code} {_text(answer)}")
        except (OSError, smtplib.SMTPException) as exc:  # nothing of the message was sent yet
            raise NotSent(f"ส่งไม่สำเร็จก่อนเริ่มส่งเนื้อหา: {_why(exc)}") from None
        try:
            code, answer = smtp.data(message.as_bytes(policy=email.policy.SMTP))  # CRLF line ends
        except smtplib.SMTPDataError as exc:  # a reply, and not 250: the server refused it
            raise NotSent(f"เซิร์ฟเวอร์ปฏิเสธจดหมาย: {exc.smtp_code} {_text(exc.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as exc:  # the body went (or began to go) out, no answer
            raise MaybeSent(f"ไม่ได้รับคำตอบจากเซิร์ฟเวอร์หลังส่งเนื้อหา: {_why(exc)}") from None
        if code != 250:  # smtplib returns the final answer without raising: any other is a refusal
            raise NotSent(f"เซิร์ฟเวอร์ปฏิเสธจดหมาย: {code} {_text(answer)}")
        return Sent(f"{code} {_text(answer)}")
    finally:  # whatever happened: QUIT (it may fail quietly), then close
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()
        smtp.close()


def _text(answer) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def in_archive(mapping: InspectionMapping, message_id_: str, credentials) -> bool:
    """Whether the archive mailbox holds a message with this Message-ID (IMAP SEARCH HEADER)."""
    archive = mapping.archive
    try:
        if archive.imap_tls:
            client = imaplib.IMAP4_SSL(archive.imap_host, archive.imap_port, timeout=mapping.smtp_timeout,
                                       ssl_context=ssl.create_default_context())
        else:
            client = imaplib.IMAP4(archive.imap_host, archive.imap_port, timeout=mapping.smtp_timeout)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise LookupFailed(f"เชื่อมต่อกล่องจดหมายสำเนา {archive.imap_host}:{archive.imap_port} ไม่ได้: {_why(exc)}") from None
    try:
        client.login(credentials.username, credentials.password.reveal())
        status, _ = client.select("INBOX", readonly=True)
        if status != "OK":
            raise LookupFailed("เปิดกล่องจดหมายสำเนา (INBOX) ไม่ได้")
        status, found = client.search(None, "HEADER", "Message-ID", f'"{message_id_}"')
        if status != "OK":
            raise LookupFailed(f"ค้นหาในกล่องจดหมายสำเนาไม่ได้: {found}")
        return bool(found and found[0].split())
    except (OSError, imaplib.IMAP4.error, socket.timeout) as exc:
        raise LookupFailed(f"ค้นหาในกล่องจดหมายสำเนาไม่ได้: {_why(exc)}") from None
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
