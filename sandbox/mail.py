"""A local mail server standing in for the region's and the unit's mail servers (tests, demo).

* SMTP (aiosmtpd): takes every message for any address and keeps it in one mailbox per
  recipient, BCC included, exactly as a real server would deliver one transaction. It stores a
  message *before* it answers 250, as real servers queue before they answer, so a client killed
  between the end of DATA and the answer leaves a delivered message and no confirmation.
* IMAP (a small subset: CAPABILITY, LOGIN, SELECT/EXAMINE INBOX, SEARCH / UID SEARCH with
  HEADER, NOOP, LOGOUT): the lookup a real archive mailbox offers. Login is the mailbox's
  address with the stand-in password (``TIDTAM_SANDBOX_PASSWORD``, demo default in site.py).
* An HTTP admin read-back for tests and the demo only (``/__admin/state``, ``/__admin/knobs``,
  ``/__admin/reset``), the same paths as the web stand-ins, so ``server.Admin`` reads it.

Knobs, hard to please on demand: ``reply_delay_ms`` (the server thinks before its 250),
``fail_rate`` (451 at the end of DATA, nothing stored), ``drop_rate`` (stored, then the
connection drops without an answer), ``max_message_bytes`` (552 above it), ``seed``, and
``hold_at_event`` (reply number N, and every later one, waits until the knob moves past it: a
test kills its client exactly there however loaded the machine is).

    python -m tidtam.sandbox.mail --smtp-port 8025 --imap-port 8143 --admin-port 8703
    with run_in_thread(reply_delay_ms=100) as mail: mail.smtp_port; mail.admin.state()["messages"]
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import os
import random
import signal
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

import click
from aiosmtpd.smtp import SMTP

from .server import READY, Admin, bind_socket, wait_until_answers
from .site import demo_credentials

KNOBS = {"reply_delay_ms": 0, "fail_rate": 0.0, "drop_rate": 0.0, "max_message_bytes": 50_000_000, "seed": None,
         "hold_at_event": None}
HOLD_POLL = 0.01  # seconds between looks at hold_at_event, which the admin thread sets


@dataclass
class MailStore:
    knobs: dict = field(default_factory=lambda: dict(KNOBS))
    messages: list[dict] = field(default_factory=list)
    raw: dict[int, bytes] = field(default_factory=dict)
    events: int = 0  # SMTP replies sent: where a test picks its kill points
    connections: int = 0
    rng: random.Random = field(default_factory=random.Random)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def event(self) -> int:
        with self.lock:
            self.events += 1
            return self.events

    def held(self, event: int) -> bool:
        hold = self.knobs["hold_at_event"]
        return hold is not None and event >= int(hold)

    def dice(self, rate: float) -> bool:
        with self.lock:
            return rate > 0 and self.rng.random() < rate

    def add(self, mail_from: str, rcpt_tos: list[str], data: bytes) -> dict:
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        attachments = []
        for part in parsed.iter_attachments():
            content = part.get_payload(decode=True) or b""
            attachments.append({"filename": part.get_filename(), "size": len(content),
                                "sha256": hashlib.sha256(content).hexdigest()})
        with self.lock:
            seq = len(self.messages) + 1
            entry = {"seq": seq, "at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                     "mail_from": mail_from, "rcpt_tos": [a.lower() for a in rcpt_tos],
                     "message_id": str(parsed.get("Message-ID", "")).strip(), "subject": str(parsed.get("Subject", "")),
                     "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "attachments": attachments}
            self.messages.append(entry)
            self.raw[seq] = data
            return entry

    def mailbox(self, address: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if address.lower() in m["rcpt_tos"]]

    def state(self) -> dict:
        with self.lock:
            boxes: dict[str, list[int]] = {}
            for m in self.messages:
                for address in m["rcpt_tos"]:
                    boxes.setdefault(address, []).append(m["seq"])
            return {"app": "mail", "knobs": dict(self.knobs), "events": self.events, "connections": self.connections,
                    "messages": [dict(m) for m in self.messages], "mailboxes": boxes}

    def set_knobs(self, changes: dict) -> dict:
        unknown = sorted(set(changes) - set(KNOBS))
        if unknown:
            raise ValueError(f"unknown knob(s): {', '.join(unknown)}")
        for name in ("fail_rate", "drop_rate"):
            if name in changes and not 0 <= float(changes[name]) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        with self.lock:
            self.knobs.update(changes)
            if "seed" in changes:
                self.rng.seed(changes["seed"])
            return dict(self.knobs)

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.raw.clear()
            self.events = self.connections = 0


# --- SMTP ----------------------------------------------------------------------------------


class CountingSMTP(SMTP):
    """aiosmtpd's server, counting every reply (kill points) and able to drop a connection."""

    def __init__(self, handler, store: MailStore, **kwargs):
        super().__init__(handler, **kwargs)
        self.store = store

    def connection_made(self, transport):
        with self.store.lock:
            self.store.connections += 1
        super().connection_made(transport)

    async def push(self, status: str):
        event = self.store.event()
        while self.store.held(event):  # a condition set from another thread: looked at, not awaited
            await asyncio.sleep(HOLD_POLL)
        if getattr(self, "_drop", False):  # the answer never leaves: the client sees the line die
            self._drop = False
            self.transport.close()
            return
        await super().push(status)


class Handler:
    def __init__(self, store: MailStore):
        self.store = store

    async def handle_DATA(self, server, session, envelope):
        knobs = self.store.knobs
        if len(envelope.content) > int(knobs["max_message_bytes"]):
            return "552 5.3.4 Message too big for the stand-in"
        if self.store.dice(float(knobs["fail_rate"])):
            return "451 4.3.0 Temporary failure (stand-in fail_rate)"
        entry = self.store.add(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        if knobs["reply_delay_ms"]:
            await asyncio.sleep(float(knobs["reply_delay_ms"]) / 1000)  # the server's own work, simulated
        if self.store.dice(float(knobs["drop_rate"])):
            server._drop = True
        return f"250 2.0.0 Ok: queued as SB{entry['seq']:05d}"


# --- IMAP (a subset) -----------------------------------------------------------------------


def _tokens(line: str) -> list[str]:
    """IMAP arguments: atoms and quoted strings (with \\" and \\\\ escapes)."""
    out, i = [], 0
    while i < len(line):
        if line[i] == " ":
            i += 1
        elif line[i] == '"':
            i, value = i + 1, []
            while i < len(line) and line[i] != '"':
                if line[i] == "\\" and i + 1 < len(line):
                    i += 1
                value.append(line[i])
                i += 1
            out.append("".join(value))
            i += 1
        else:
            end = line.find(" ", i)
            end = len(line) if end < 0 else end
            out.append(line[i:end])
            i = end
    return out


class ImapSession:
    def __init__(self, store: MailStore, reader, writer):
        self.store, self.reader, self.writer = store, reader, writer
        self.user: str | None = None
        self.selected: list[dict] | None = None

    async def send(self, line: str) -> None:
        self.writer.write(line.encode("utf-8") + b"\r\n")
        await self.writer.drain()

    async def run(self) -> None:
        await self.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Tidtam mail stand-in ready")
        try:
            while line := await self.reader.readline():
                text = line.decode("utf-8", "replace").rstrip("\r\n")
                tag, _, rest = text.partition(" ")
                if not await self.command(tag, rest):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.writer.close()

    async def command(self, tag: str, rest: str) -> bool:
        args = _tokens(rest)
        name = args[0].upper() if args else ""
        if name == "UID" and len(args) > 1:
            name, args, uid = args[1].upper(), args[1:], True
        else:
            uid = False
        if name == "CAPABILITY":
            await self.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
        elif name == "NOOP":
            pass
        elif name == "LOGOUT":
            await self.send("* BYE logging out")
            await self.send(f"{tag} OK LOGOUT completed")
            return False
        elif name == "LOGIN":
            if len(args) != 3 or args[2] != demo_credentials()[1] or "@" not in args[1]:
                await self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
                return True
            self.user = args[1].lower()
        elif self.user is None:
            await self.send(f"{tag} BAD log in first")
            return True
        elif name in ("SELECT", "EXAMINE"):
            if len(args) != 2 or args[1].upper() != "INBOX":
                await self.send(f"{tag} NO no such mailbox")
                return True
            self.selected = self.store.mailbox(self.user)
            await self.send("* FLAGS (\\Seen)")
            await self.send(f"* {len(self.selected)} EXISTS")
            await self.send("* 0 RECENT")
            await self.send("* OK [UIDVALIDITY 1] UIDs valid")
            await self.send(f"{tag} OK [READ-ONLY] {name} completed")
            return True
        elif name == "SEARCH":
            if self.selected is None:
                await self.send(f"{tag} BAD select a mailbox first")
                return True
            found = self.search(args[1:], uid)
            if found is None:
                await self.send(f"{tag} BAD only HEADER <field> <string> is supported")
                return True
            await self.send("* SEARCH" + "".join(f" {n}" for n in found))
        else:
            await self.send(f"{tag} BAD unsupported command")
            return True
        await self.send(f"{tag} OK {name} completed")
        return True

    def search(self, criteria: list[str], uid: bool) -> list[int] | None:
        if criteria[:1] and criteria[0].upper() == "CHARSET":
            criteria = criteria[2:]
        if len(criteria) != 3 or criteria[0].upper() != "HEADER":
            return None
        field_name, needle = criteria[1].lower(), criteria[2].lower()
        self.selected = self.store.mailbox(self.user)  # what arrived since SELECT counts too
        found = []
        for number, message in enumerate(self.selected, 1):
            parsed = email.message_from_bytes(self.store.raw[message["seq"]], policy=email.policy.default)
            if any(needle in str(value).lower() for key, value in parsed.items() if key.lower() == field_name):
                found.append(message["seq"] if uid else number)
        return found


# --- admin (HTTP) --------------------------------------------------------------------------


def admin_app(store: MailStore):
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def state(_request: Request):
        return JSONResponse(store.state())

    async def knobs(request: Request):
        if request.method == "POST":
            try:
                return JSONResponse(store.set_knobs(await request.json()))
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(dict(store.knobs))

    async def reset(_request: Request):
        store.reset()
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/__admin/state", state), Route("/__admin/knobs", knobs, methods=["GET", "POST"]),
                             Route("/__admin/reset", reset, methods=["POST"])])


# --- running it ----------------------------------------------------------------------------


class MailHandle:
    def __init__(self, store, host, smtp_port, imap_port, admin_url, stop):
        self.store, self.host, self.smtp_port, self.imap_port = store, host, smtp_port, imap_port
        self.url = admin_url
        self.admin = Admin(admin_url)
        self._stop = stop

    def stop(self) -> None:
        self._stop()

    def __enter__(self) -> "MailHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def run_in_thread(host: str = "127.0.0.1", smtp_port: int = 0, imap_port: int = 0, admin_port: int = 0,
                  **knobs) -> MailHandle:
    """SMTP, IMAP and the admin read-back on one event loop in a daemon thread; port 0 = any."""
    import uvicorn

    store = MailStore()
    store.set_knobs({k: v for k, v in knobs.items() if v is not None})
    socks = [bind_socket(host, port) for port in (smtp_port, imap_port, admin_port)]
    loop = asyncio.new_event_loop()
    config = uvicorn.Config(admin_app(store), log_level="warning", access_log=False, lifespan="off")
    web = uvicorn.Server(config)
    started = threading.Event()
    servers: list = []

    async def main():
        handler = Handler(store)
        servers.append(await loop.create_server(
            lambda: CountingSMTP(handler, store, hostname="mail.stand-in", ident="Tidtam mail stand-in",
                                 data_size_limit=None, enable_SMTPUTF8=True),
            sock=socks[0]))
        servers.append(await asyncio.start_server(lambda r, w: ImapSession(store, r, w).run(), sock=socks[1]))
        started.set()
        await web.serve(sockets=[socks[2]])

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True, name="sandbox-mail")
    thread.start()
    started.wait(10)
    ports = [s.getsockname()[1] for s in socks]
    url = f"http://{host}:{ports[2]}"

    def stop() -> None:
        web.should_exit = True
        thread.join(timeout=10)
        for server in servers:
            loop.call_soon_threadsafe(server.close) if loop.is_running() else server.close()
        for sock in socks:
            sock.close()

    try:
        wait_until_answers(url)
    except TimeoutError:
        stop()
        raise
    return MailHandle(store, host, ports[0], ports[1], url, stop)


@click.command("mail")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--smtp-port", type=int, default=8025, show_default=True)
@click.option("--imap-port", type=int, default=8143, show_default=True)
@click.option("--admin-port", type=int, default=8703, show_default=True)
@click.option("--reply-delay-ms", type=int, default=0, show_default=True, help="Delay before the answer to DATA.")
@click.option("--fail-rate", type=float, default=0.0, show_default=True, help="Share of messages answered 451 (not stored).")
@click.option("--drop-rate", type=float, default=0.0, show_default=True, help="Share of messages stored, then the line drops.")
@click.option("--max-message-bytes", type=int, default=KNOBS["max_message_bytes"], show_default=True)
@click.option("--seed", type=int, default=None)
@click.option("--exit-with-pid", type=int, default=None, hidden=True)
def main(host, smtp_port, imap_port, admin_port, exit_with_pid, **knobs):
    """Local SMTP + IMAP stand-in (tests and demo): never a real mail server."""
    handle = run_in_thread(host, smtp_port, imap_port, admin_port, **knobs)
    print(f"{READY} mail {handle.url} smtp={handle.host}:{handle.smtp_port} imap={handle.host}:{handle.imap_port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(timeout=1.0):
            if exit_with_pid and not _alive(exit_with_pid):
                break
    except KeyboardInterrupt:
        pass
    handle.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    main()
