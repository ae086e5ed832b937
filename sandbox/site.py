"""What both stand-ins share: login, sessions with idle expiry, CSRF, misbehaviour knobs,
the write log and the admin read-back.

A stand-in module builds a `Site`, then hands its own routes to `Site.asgi_app`.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import wraps
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import yaml
from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import thai
from .knobs import KnobError, Knobs

TEMPLATES = Path(__file__).parent / "templates"
DATA = Path(__file__).parent / "data"
ADMIN_PREFIX = "/__admin"
DEFAULT_USER = "demo"
DEFAULT_PASSWORD = "demo-1234"  # demo stand-in only; override with TIDTAM_SANDBOX_PASSWORD

MSG_EXPIRED = "หมดเวลาการใช้งาน กรุณาเข้าสู่ระบบใหม่"
MSG_LOGIN_FIRST = "กรุณาเข้าสู่ระบบก่อนใช้งาน"
MSG_BAD_LOGIN = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"
MSG_CSRF = "ไม่สามารถยืนยันความถูกต้องของแบบฟอร์มได้ (CSRF token ไม่ถูกต้อง) กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง"
MSG_SERVER_ERROR = "เกิดข้อผิดพลาดภายในระบบ (500) กรุณาลองใหม่อีกครั้งภายหลัง"


def demo_credentials() -> tuple[str, str]:
    return (os.environ.get("TIDTAM_SANDBOX_USER", DEFAULT_USER),
            os.environ.get("TIDTAM_SANDBOX_PASSWORD", DEFAULT_PASSWORD))


def load_yaml(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass
class Session:
    sid: str
    csrf: str
    last_seen: float
    user: str | None = None
    requests: int = 0

    @property
    def label(self) -> str:
        """A name for the write log that does not reveal the cookie."""
        return "s-" + hashlib.sha256(self.sid.encode()).hexdigest()[:10]


@dataclass
class Traffic:
    total: int = 0
    by_route: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    injected: Counter = field(default_factory=Counter)
    in_flight: int = 0       # requests arrived and not yet answered in full
    peak_in_flight: int = 0  # the most at once: how hard a client pressed the site
    # The same by client: its X-Stand-In-Client header (a test naming each page of workers that
    # share one login) or else its session cookie. The most clients with a request in flight at
    # once shows whether two workers' requests overlapped (one page's own requests are one client).
    by_session: Counter = field(default_factory=Counter)
    peak_sessions: int = 0

    def arrived(self, session: str) -> None:
        self.in_flight += 1
        self.by_session[session] += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        self.peak_sessions = max(self.peak_sessions, len(+self.by_session))

    def answered(self, session: str) -> None:
        self.in_flight -= 1
        self.by_session[session] -= 1

    def as_dict(self) -> dict:
        return {"total": self.total, "by_route": dict(self.by_route), "in_flight": self.in_flight,
                "peak_in_flight": self.peak_in_flight,
                "peak_sessions_in_flight": self.peak_sessions, "sessions_seen": len(self.by_session),
                "by_status": {str(k): v for k, v in self.by_status.items()},
                "injected": {k: self.injected.get(k, 0) for k in ("fail", "hang", "expire", "drop")}}


class Site:
    """One stand-in's state: data file, knobs, sessions, what is stored and every write."""

    knobs_class = Knobs  # a profile with knobs of its own subclasses both

    def __init__(self, name: str, data_path: Path, store_factory: Callable[["Site"], Any],
                 data: dict | None = None, **knobs):
        self.name = name
        self.data_path = Path(data_path)
        self.data = load_yaml(self.data_path) if data is None else data
        self.knobs = self.knobs_class()
        self.knobs.update(knobs)
        self.rng = random.Random(self.knobs.seed)
        self.clock_offset = 0.0
        self.jinja = self._jinja()
        self._store_factory = store_factory
        self.reset()

    # ----- state -------------------------------------------------------------------------
    def reset(self) -> None:
        self.sessions: dict[str, Session] = {}
        self.writes: list[dict] = []
        self.traffic = Traffic()
        self.store = self._store_factory(self)

    def now(self) -> float:
        """Wall clock plus the offset tests add through /__admin/clock (no sleeping needed)."""
        return time.time() + self.clock_offset

    def record_write(self, request: Request, action: str, target: dict, data: Any = None) -> dict:
        session: Session | None = getattr(request.state, "session", None)
        at = self.now()
        write = {"seq": len(self.writes) + 1, "at": _iso(at), "at_epoch": at,
                 "session": session.label if session else None,
                 "user": session.user if session else None,
                 "action": action, "target": target, "data": data}
        self.writes.append(write)
        return write

    def state(self) -> dict:
        return {"app": self.name, "knobs": self.knobs.as_dict(), "clock_offset": self.clock_offset,
                "store": self.store.snapshot(), "writes": self.writes,
                "requests": self.traffic.as_dict(),
                "sessions": {"active": sum(1 for s in self.sessions.values() if s.user)}}

    # ----- sessions ----------------------------------------------------------------------
    @property
    def cookie_name(self) -> str:
        return self.data["site"].get("cookie", f"{self.name.upper()}_SID")

    def new_session(self, user: str | None = None) -> Session:
        session = Session(sid=secrets.token_urlsafe(24), csrf=secrets.token_urlsafe(24),
                          last_seen=self.now(), user=user)
        self.sessions[session.sid] = session
        return session

    def lookup_session(self, request: Request) -> tuple[Session | None, str | None]:
        """The request's live session (by its cookie), or None and why: 'none' or 'expired'."""
        return self.session_by_id(request.cookies.get(self.cookie_name, ""), arrived_at(request, self))

    def session_by_id(self, sid: str, arrived: float) -> tuple[Session | None, str | None]:
        """A live session by its id, or None and why. Idle time is measured at the request's
        arrival, before injected latency or hangs."""
        session = self.sessions.get(sid)
        if session is None:
            return None, "none"
        if arrived - session.last_seen > self.knobs.idle_timeout:
            del self.sessions[session.sid]
            return None, "expired"
        session.last_seen = max(session.last_seen, arrived)
        return session, None

    def logged_in_session(self, request: Request) -> tuple[Session | None, str | None]:
        session, problem = self.lookup_session(request)
        if session is None or session.user is None:
            return None, problem or "none"
        return self.count_request(session)

    def count_request(self, session: Session) -> tuple[Session | None, str | None]:
        """One more request of a logged-in session; the expire_every-th finds it expired."""
        session.requests += 1
        if self.knobs.expire_every and session.requests >= self.knobs.expire_every:
            del self.sessions[session.sid]
            self.traffic.injected["expire"] += 1
            return None, "expired"
        return session, None

    def check_login(self, username: str, password: str) -> bool:
        user, secret = demo_credentials()
        same = lambda a, b: hmac.compare_digest(a.encode(), b.encode())  # noqa: E731 - Thai-safe
        return same(username, user) and same(password, secret)

    # ----- responses ---------------------------------------------------------------------
    def render(self, request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        session = getattr(request.state, "session", None)
        html = self.jinja.get_template(template).render(
            site=self, data=self.data, request=request, session=session,
            csrf_token=session.csrf if session else "", **context)
        return HTMLResponse(html, status_code=status)

    def message_page(self, request: Request, title: str, message: str, status: int) -> HTMLResponse:
        return self.render(request, "message.html", status=status, title=title, message=message)

    def to_login(self, request: Request, problem: str, api: bool) -> Response:
        text = MSG_EXPIRED if problem == "expired" else MSG_LOGIN_FIRST
        if api:
            return JSONResponse({"error": f"session_{problem}", "message": text,
                                 "login_url": "/login"}, status_code=401)
        target = "/login?expired=1" if problem == "expired" else "/login"
        if problem != "expired" and request.method == "GET":
            target += "?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(target, status_code=303)

    # ----- app ---------------------------------------------------------------------------
    def login_routes(self) -> list[Route]:
        """The sign-in pages; a profile that signs in elsewhere (Keycloak) serves none of these."""
        return [Route("/login", login_page, methods=["GET"]),
                Route("/login", login_submit, methods=["POST"]),
                Route("/logout", logout, methods=["GET", "POST"])]

    def asgi_app(self, routes: list[Route], admin_routes: list[Route] = ()) -> "MisbehaviourMiddleware":
        common = self.login_routes()
        admin = [Route(f"{ADMIN_PREFIX}/state", admin_state, methods=["GET"]),
                 Route(f"{ADMIN_PREFIX}/knobs", admin_knobs, methods=["GET", "POST"]),
                 Route(f"{ADMIN_PREFIX}/reset", admin_reset, methods=["POST"]),
                 Route(f"{ADMIN_PREFIX}/clock", admin_clock, methods=["POST"]),
                 Route(f"{ADMIN_PREFIX}/expire-sessions", admin_expire_sessions, methods=["POST"])]
        app = Starlette(routes=common + list(routes) + admin + list(admin_routes))
        app.state.site = self
        return MisbehaviourMiddleware(app, site=self)  # outermost: it gets the server's own `send`

    def _jinja(self) -> Environment:
        env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
        env.filters["money"] = thai.format_money
        env.filters["thai_datetime"] = lambda epoch: thai.format_date(
            datetime.fromtimestamp(epoch), with_time=True) if epoch else ""
        env.globals["thai"] = thai
        return env


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds")


def site_of(request: Request) -> Site:
    return request.app.state.site


def arrived_at(request: Request, site: Site) -> float:
    """When the request arrived (set by the middleware), so injected delays never count as idle."""
    return request.scope.get("state", {}).get("arrived", site.now())


# ----- guards for the stand-ins' own endpoints ---------------------------------------------
def logged_in(api: bool = False):
    """Require a live logged-in session and, on POST, its CSRF token.

    An expired session answers before the body is looked at, so a half-filled form is lost."""
    def decorate(endpoint):
        @wraps(endpoint)
        async def guarded(request: Request) -> Response:
            site = site_of(request)
            session, problem = site.logged_in_session(request)
            if session is None:
                return site.to_login(request, problem, api)
            request.state.session = session
            if request.method == "POST" and not await _csrf_ok(request, session):
                if api:
                    return JSONResponse({"error": "csrf", "message": MSG_CSRF}, status_code=403)
                return site.message_page(request, "ไม่สามารถดำเนินการได้", MSG_CSRF, 403)
            return await endpoint(request)
        return guarded
    return decorate


async def _csrf_ok(request: Request, session: Session) -> bool:
    token = request.headers.get("x-csrf-token")
    if token is None and "form" in request.headers.get("content-type", ""):
        token = (await request.form()).get("csrf_token")
    return isinstance(token, str) and hmac.compare_digest(token.encode(), session.csrf.encode())


# ----- login -------------------------------------------------------------------------------
async def login_page(request: Request) -> Response:
    site = site_of(request)
    session, _ = site.lookup_session(request)
    if session and session.user:
        return RedirectResponse("/", status_code=303)
    notice = MSG_EXPIRED if request.query_params.get("expired") else None
    return _login_form(request, session, notice=notice)


def _login_form(request: Request, session: Session | None, notice: str | None = None,
                error: str | None = None, username: str = "", status: int = 200) -> Response:
    site = site_of(request)
    session = session or site.new_session()
    request.state.session = session
    response = site.render(request, "login.html", status=status, notice=notice, error=error,
                           username=username, next=request.query_params.get("next", ""))
    response.set_cookie(site.cookie_name, session.sid, httponly=True, samesite="lax")
    return response


async def login_submit(request: Request) -> Response:
    site = site_of(request)
    form = await request.form()
    session, problem = site.lookup_session(request)
    username = str(form.get("username", ""))
    if session is None or not hmac.compare_digest(str(form.get("csrf_token", "")).encode(), session.csrf.encode()):
        message = MSG_EXPIRED if problem == "expired" else MSG_CSRF
        return _login_form(request, None, error=message, username=username, status=403)
    if not site.check_login(username, str(form.get("password", ""))):
        return _login_form(request, session, error=MSG_BAD_LOGIN, username=username, status=401)
    del site.sessions[session.sid]  # a fresh id after login: no session fixation
    fresh = site.new_session(user=username)
    next_url = str(form.get("next", ""))
    response = RedirectResponse(next_url if next_url.startswith("/") else "/", status_code=303)
    response.set_cookie(site.cookie_name, fresh.sid, httponly=True, samesite="lax")
    return response


async def logout(request: Request) -> Response:
    site = site_of(request)
    site.sessions.pop(request.cookies.get(site.cookie_name, ""), None)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(site.cookie_name)
    return response


# ----- admin (tests and benchmarks only; plugins never call these) --------------------------
async def admin_state(request: Request) -> Response:
    return JSONResponse(site_of(request).state())


async def admin_knobs(request: Request) -> Response:
    site = site_of(request)
    if request.method == "POST":
        try:
            changes = await request.json()
            site.knobs.update(changes)
        except (KnobError, ValueError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        if "seed" in changes:
            site.rng.seed(site.knobs.seed)
    return JSONResponse(site.knobs.as_dict())


async def admin_reset(request: Request) -> Response:
    site = site_of(request)
    site.reset()
    return JSONResponse({"ok": True})


async def admin_clock(request: Request) -> Response:
    """Move the stand-in's clock forward, so idle expiry can be tested without sleeping."""
    site = site_of(request)
    body = await request.json()
    site.clock_offset += float(body.get("advance_seconds", 0))
    return JSONResponse({"clock_offset": site.clock_offset})


async def admin_expire_sessions(request: Request) -> Response:
    site = site_of(request)
    count = len(site.sessions)
    site.sessions.clear()
    return JSONResponse({"expired": count})


# ----- misbehaviour ------------------------------------------------------------------------
def _header(scope, name: bytes) -> str:
    return next((value.decode("latin-1") for key, value in scope.get("headers", ()) if key == name), "")


def _cookie(scope, name: str) -> str:
    """The value of cookie ``name`` in an ASGI request ("" without one)."""
    from http.cookies import SimpleCookie

    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            morsel = SimpleCookie(value.decode("latin-1")).get(name)
            return morsel.value if morsel else ""
    return ""


class MisbehaviourMiddleware:
    """Latency, HTTP 500s, hangs and dropped lines on every site request (never on /__admin).

    The body is read in full first, so a request that hangs is still applied after the hang
    even if the client has given up: the write lands, the client never hears of it. A dropped
    request is applied in full, then the connection closes with not one byte of an answer."""

    def __init__(self, app, site: Site):
        self.app = app
        self.site = site

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            return await self.app(scope, receive, send)
        site = self.site
        scope.setdefault("state", {})["arrived"] = site.now()
        traffic = site.traffic
        traffic.total += 1
        traffic.by_route[f"{scope['method']} {scope['path']}"] += 1
        session = _header(scope, b"x-stand-in-client") or _cookie(scope, site.cookie_name)
        traffic.arrived(session)
        try:
            await self._answer(scope, receive, send)
        finally:
            traffic.answered(session)

    async def _answer(self, scope, receive, send):
        site = self.site
        receive = await _buffered(receive)
        knobs = site.knobs
        if knobs.latency_ms:
            await asyncio.sleep(knobs.latency_ms / 1000)
        hang = site.rng.random() < knobs.hang_rate  # drawn for every request: seeded runs repeat
        if hang and f"{scope['method']} {scope['path']}".startswith(knobs.hang_only):
            site.traffic.injected["hang"] += 1
            await asyncio.sleep(knobs.hang_seconds)
        fail = site.rng.random() < knobs.fail_rate
        # Drawn only when asked for, so runs seeded before this knob existed replay unchanged.
        drop = knobs.drop_rate > 0 and site.rng.random() < knobs.drop_rate
        line, send = send, _counting(send, site)
        if fail and f"{scope['method']} {scope['path']}".startswith(knobs.fail_only):
            site.traffic.injected["fail"] += 1
            if knobs.fail_phase == "after":
                await self.app(scope, receive, _discard)
            return await _server_error(scope, receive, send, site)
        if drop and f"{scope['method']} {scope['path']}".startswith(knobs.drop_only):
            site.traffic.injected["drop"] += 1
            await self.app(scope, receive, _discard)
            return await _hang_up(line, receive)
        await self.app(scope, receive, send)


async def _buffered(receive):
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    replayed = False

    async def replay():
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}
        return await receive()
    return replay


def _counting(send, site: Site):
    async def counted(message):
        if message["type"] == "http.response.start":
            site.traffic.by_status[message["status"]] += 1
        await send(message)
    return counted


async def _discard(message):
    return None


async def _hang_up(send, receive) -> None:
    """Close the connection with not one byte of an answer, as a line that drops does. No ASGI
    message can (an app that returns without answering gets the server's own 500), so the socket
    under uvicorn's connection is closed: ``send`` is its RequestResponseCycle's, which holds it."""
    send.__self__.transport.abort()
    while (await receive())["type"] != "http.disconnect":  # then uvicorn answers no one
        pass


async def _server_error(scope, receive, send, site: Site):
    if scope["path"].startswith("/api/"):
        response = JSONResponse({"error": "server_error", "message": MSG_SERVER_ERROR}, status_code=500)
    else:
        html = site.jinja.get_template("error500.html").render(site=site, message=MSG_SERVER_ERROR)
        response = HTMLResponse(html, status_code=500)
    await response(scope, receive, send)
