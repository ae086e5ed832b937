"""The inspection package by e-mail, as a remote of core's one engine (core/push/run.py).

``send`` is one SMTP transaction per message part; the server's 250 to the end of DATA confirms
it (``SubmitResult.confirmed``). ``find`` is the lookup: the unit's archive mailbox, BCC'd on
every message, searched by Message-ID. A dropped connection cannot deliver later, so an unsure
part may be sent again once the archive has had ``settle_seconds`` to show it and does not;
without an archive, a person decides (``--mark-delivered`` / ``--allow-resend``).
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from tidtam.core.contract import LookupUnavailable, Remote, RemoteError, RemoteRecord, RemoteRefused, SubmitResult

from . import mail
from .package import TARGET, package_dir


class MailRemote(Remote):
    mode = "email"
    ACTIONS = {mail.ACTION: ("find", "show", "send")}

    def __init__(self, credentials, settings):
        self.credentials, self.mapping = credentials, settings.config.mapping

    async def find(self, payload) -> RemoteRecord | None:
        if self.mapping.archive is None:
            raise LookupUnavailable("ไม่ทราบว่าฉบับนี้ถึงผู้รับหรือไม่ และไม่ได้ตั้งกล่องจดหมายสำเนา (archive) ไว้ตรวจ "
                                    "— ตรวจในกล่องจดหมายที่ส่งแล้ว")
        login = self.credentials(f"{TARGET}_archive")
        try:
            found = await asyncio.to_thread(mail.in_archive, self.mapping, payload.data["message_id"], login)
        except mail.LookupFailed as exc:
            raise RemoteError(str(exc)) from None
        return RemoteRecord(payload.data["message_id"], {"found_in_archive": True}, matches=True) if found else None

    async def show(self, payload, screenshot_path) -> list:
        return []  # the message is shown whole by the page's section (preview_section)

    async def send(self, payload) -> SubmitResult:
        data = payload.data
        folder = package_dir(data["office"], data["period"])
        login = self.credentials(TARGET) if self.mapping.smtp_auth else None
        try:
            sent = await asyncio.to_thread(lambda: mail.send(mail.build_message(data, folder), data, self.mapping, login))
        except mail.NotSent as exc:
            raise RemoteRefused(str(exc)) from None
        except mail.MaybeSent as exc:
            raise RemoteError(str(exc)) from None
        return SubmitResult(sent.reply[:200], {"reply": sent.reply}, confirmed=True)

    def settle_seconds(self, action_timeout: float) -> float:
        # A killed client's SMTP connection closes and the server drops the message it was given:
        # nothing lands later. The archive only needs time to show what did land.
        return self.mapping.archive.settle_seconds if self.mapping.archive else 0.0


@asynccontextmanager
async def open_mail(credentials, settings):
    yield MailRemote(credentials, settings)
