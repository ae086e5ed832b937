"""A Keycloak-like OpenID Connect sign-in for a stand-in (issue 17).

What the real eMENSCR links to: authorization code with PKCE, the code returned in the URL
fragment, an SSO session cookie, access tokens that live minutes and a refresh token. Keycloak's
own paths, element ids and OAuth error codes are kept, so a client that signs in here signs in the
same way there. Hard to please where Keycloak is: codes are single use (even a refused exchange
spends one) and live a minute, S256 PKCE is required, a stale login form is refused, a refresh
needs a live sign-in session, and the API checks every token's signature, expiry and session.

The sign-in session is the site's ordinary `Session` (so idle_timeout, expire_every, the admin
expire-sessions and the write log's session label all keep their meaning); tokens are signed
JWTs that name it by a public id, never by its cookie.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .knobs import SpaKnobs
from .site import DATA, MSG_EXPIRED, MSG_LOGIN_FIRST, Session, Site, arrived_at, load_yaml, site_of

KEYCLOAK_DATA = DATA / "keycloak.yaml"
SSO_COOKIE = "KEYCLOAK_SESSION"
AUTH_COOKIE = "AUTH_SESSION_ID"
VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 §4.1
CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")       # base64url of a SHA-256, unpadded
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
MSG_TOKEN_EXPIRED = "โทเค็นการเข้าใช้งานหมดอายุ กรุณาต่ออายุหรือเข้าสู่ระบบใหม่"


@dataclass
class Pending:
    """An authorization request waiting at the sign-in page."""

    tab_id: str
    browser: str        # the AUTH_SESSION_ID cookie it belongs to
    params: dict        # the authorization request as it came
    created: float
    session_code: str   # changes with every page drawn, so a stale form is refused


@dataclass
class Code:
    sid: str
    params: dict
    expires: float


class Realm:
    """One realm with one public client: pending sign-ins, codes, token signing, counters."""

    def __init__(self, site: Site, config: dict):
        self.site = site
        self.config = config
        self.base = f"/auth/realms/{config['realm']}"
        self.oidc = f"{self.base}/protocol/openid-connect"
        self.secret = secrets.token_bytes(32)
        self.reset()

    def reset(self) -> None:
        self.pending: dict[str, Pending] = {}
        self.codes: dict[str, Code] = {}
        self.public_ids: dict[str, str] = {}  # token's session_state -> session id
        self.counts: Counter = Counter()

    def routes(self) -> list[Route]:
        return [Route(f"{self.oidc}/auth", authorize, methods=["GET"]),
                Route(f"{self.base}/login-actions/authenticate", authenticate, methods=["POST"]),
                Route(f"{self.oidc}/token", token_endpoint, methods=["POST"]),
                Route(f"{self.oidc}/logout", logout, methods=["GET", "POST"]),
                Route(f"{self.base}/.well-known/openid-configuration", discovery, methods=["GET"])]

    def summary(self) -> dict:
        """What the read-back shows of sign-in: counts only, never a code or a token."""
        return {"counts": dict(sorted(self.counts.items())), "pending_logins": len(self.pending)}

    # ----- the sign-in page -------------------------------------------------------------------
    def text(self, params: dict) -> tuple[str, dict]:
        """(language, labels): kc_locale or ui_locales of the request, else the knob."""
        labels = self.config["labels"]
        asked = params.get("kc_locale") or (params.get("ui_locales") or "").split(" ")[0]
        lang = asked if asked in labels else self.site.knobs.login_language
        return lang, labels[lang]

    def login_page(self, request: Request, pending: Pending, username: str = "", invalid: bool = False,
                   alert: str | None = None) -> Response:
        pending.session_code = secrets.token_urlsafe(16)
        query = urlencode({"session_code": pending.session_code, "execution": "auth-username-password-form",
                           "client_id": pending.params["client_id"], "tab_id": pending.tab_id})
        response = self.page(request, pending.params, action=f"{self.base}/login-actions/authenticate?{query}",
                             username=username, invalid=invalid, alert=alert)
        response.set_cookie(AUTH_COOKIE, pending.browser, httponly=True, samesite="lax", path=self.base + "/")
        return response

    def page(self, request: Request, params: dict, status: int = 200, **context) -> Response:
        lang, text = self.text(params)
        context.setdefault("action", None)
        return self.site.render(request, "keycloak/login.html", status=status, lang=lang, text=text,
                                realm=self.config, **{"username": "", "invalid": False, "alert": None, **context})

    def error_page(self, request: Request, params: dict, message: str, status: int = 400) -> Response:
        return self.page(request, params, status=status, alert=message)

    # ----- requests and redirects -------------------------------------------------------------
    def allowed_redirect(self, request: Request, uri: str | None) -> bool:
        """Keycloak's "valid redirect URIs": this origin, under the app's path."""
        if not uri:
            return False
        parts = urlsplit(uri)
        return (parts.scheme in ("http", "https") and parts.netloc == request.url.netloc
                and parts.path.startswith(self.config["redirect_path"]) and not parts.fragment)

    def request_problem(self, params: dict) -> str | None:
        """Why an authorization request is refused (sent back to the app as an OAuth error)."""
        if params.get("response_type") != "code":
            return "Invalid parameter: response_type"
        if params.get("response_mode", "fragment") not in ("fragment", "query"):
            return "Invalid parameter: response_mode"
        if params.get("code_challenge_method") != "S256":
            return "Missing parameter: code_challenge_method"
        if not CHALLENGE.fullmatch(params.get("code_challenge", "")):
            return "Invalid parameter: code_challenge"
        return None

    def issuer(self, request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}{self.base}"

    def forget_old_logins(self) -> None:
        """Sign-in pages past the login timeout can never be used: drop them."""
        oldest = self.site.now() - self.config["login_ttl"]
        self.pending = {tab: p for tab, p in self.pending.items() if p.created >= oldest}

    def public_id(self, session: Session) -> str:
        public = hashlib.sha256(session.sid.encode()).hexdigest()[:32]
        self.public_ids[public] = session.sid
        return public

    def send_code(self, request: Request, session: Session, params: dict) -> Response:
        code = secrets.token_urlsafe(32)
        self.codes[code] = Code(session.sid, params, self.site.now() + self.config["code_ttl"])
        self.counts["codes_issued"] += 1
        return redirect_back(params, {"code": code, "state": params.get("state"),
                                      "session_state": self.public_id(session), "iss": self.issuer(request)})

    # ----- tokens -------------------------------------------------------------------------------
    def sign(self, claims: dict) -> str:
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "sandbox"}).encode())
        body = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
        mac = hmac.new(self.secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64(mac)}"

    def claims_of(self, token: str) -> dict | None:
        """The claims of a token this realm signed, or None."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        mac = hmac.new(self.secret, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(_b64(mac), parts[2]):
                return None
            return json.loads(_unb64(parts[1]))
        except ValueError:
            return None

    def issue(self, request: Request, session: Session, nonce: str | None) -> dict:
        knobs: SpaKnobs = self.site.knobs
        now = self.site.now()
        state = self.public_id(session)
        common = {"iat": int(now), "iss": self.issuer(request), "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, session.user)),
                  "azp": self.config["client_id"], "session_state": state, "sid": state}
        access = {**common, "exp": int(now + knobs.token_ttl), "jti": str(uuid.uuid4()), "typ": "Bearer",
                  "aud": "account", "scope": "openid profile email", "preferred_username": session.user}
        refresh = {**common, "exp": int(now + knobs.refresh_ttl), "jti": str(uuid.uuid4()), "typ": "Refresh",
                   "aud": common["iss"]}
        id_token = {**common, "exp": access["exp"], "typ": "ID", "aud": self.config["client_id"],
                    "nonce": nonce, "preferred_username": session.user}
        return {"access_token": self.sign(access), "expires_in": int(knobs.token_ttl),
                "refresh_expires_in": int(knobs.refresh_ttl), "refresh_token": self.sign(refresh),
                "token_type": "Bearer", "id_token": self.sign(id_token), "not-before-policy": 0,
                "session_state": state, "scope": "openid profile email"}

    def live_session(self, public: str, arrived: float) -> Session | None:
        session, _ = self.site.session_by_id(self.public_ids.get(public, ""), arrived)
        return session if session and session.user else None

    def exchange_code(self, request: Request, form) -> Response:
        code = self.codes.pop(str(form.get("code", "")), None)  # single use, even when refused below
        if code is None:
            return self.refuse("invalid_grant", "Code not valid")
        if self.site.now() > code.expires:
            return self.refuse("invalid_grant", "Code is expired")
        if form.get("redirect_uri") != code.params.get("redirect_uri"):
            return self.refuse("invalid_grant", "Incorrect redirect_uri")
        verifier = str(form.get("code_verifier", ""))
        if not verifier:
            return self.refuse("invalid_grant", "PKCE code verifier not specified")
        if not VERIFIER.fullmatch(verifier):
            return self.refuse("invalid_grant", "PKCE invalid code verifier")
        if _b64(hashlib.sha256(verifier.encode()).digest()) != code.params["code_challenge"]:
            return self.refuse("invalid_grant", "PKCE verification failed")
        session, _ = self.site.session_by_id(code.sid, arrived_at(request, self.site))
        if session is None:
            return self.refuse("invalid_grant", "Session not active")
        self.counts["tokens.authorization_code"] += 1
        return JSONResponse(self.issue(request, session, code.params.get("nonce")), headers=NO_STORE)

    def refresh(self, request: Request, form) -> Response:
        claims = self.claims_of(str(form.get("refresh_token", "")))
        if not claims or claims.get("typ") != "Refresh" or claims.get("azp") != self.config["client_id"]:
            return self.refuse("invalid_grant", "Invalid refresh token")
        arrived = arrived_at(request, self.site)
        if claims["exp"] <= arrived:
            return self.refuse("invalid_grant", "Token is not active")
        session = self.live_session(claims["sid"], arrived)
        if session is None:
            return self.refuse("invalid_grant", "Session not active")
        self.counts["tokens.refresh_token"] += 1
        return JSONResponse(self.issue(request, session, None), headers=NO_STORE)

    def refuse(self, error: str, description: str, status: int = 400) -> Response:
        self.counts[f"refused.{description}"] += 1
        return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=NO_STORE)

    # ----- the API's side -----------------------------------------------------------------------
    def bearer_session(self, request: Request) -> tuple[Session | None, str]:
        """The sign-in session a request's bearer token names, or None and why not."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, "missing"
        claims = self.claims_of(token.strip())
        if not claims or claims.get("typ") != "Bearer":
            return None, "invalid"
        arrived = arrived_at(request, self.site)
        if claims["exp"] <= arrived:
            return None, "expired"
        session = self.live_session(claims["sid"], arrived)
        if session is None:
            return None, "session"
        session, _ = self.site.count_request(session)  # expire_every ends the sign-in session
        return (session, "") if session else (None, "session")


BEARER_REFUSALS = {  # problem -> (OAuth error, description, Thai message)
    "missing": ("unauthorized", "Bearer token required", MSG_LOGIN_FIRST),
    "invalid": ("invalid_token", "Invalid token", MSG_LOGIN_FIRST),
    "expired": ("invalid_token", "Token is not active", MSG_TOKEN_EXPIRED),
    "session": ("invalid_token", "Session not active", MSG_EXPIRED),
}


def bearer_required(endpoint):
    """An API endpoint that answers only a live bearer token; 401 before the body is read."""
    @wraps(endpoint)
    async def guarded(request: Request) -> Response:
        realm: Realm = site_of(request).realm
        session, problem = realm.bearer_session(request)
        if session is None:
            realm.counts[f"api_refused.{problem}"] += 1
            error, description, message = BEARER_REFUSALS[problem]
            challenge = f'Bearer realm="{realm.config["realm"]}"'
            if problem != "missing":
                challenge += f', error="{error}", error_description="{description}"'
            return JSONResponse({"error": error, "error_description": description, "message": message},
                                status_code=401, headers={"WWW-Authenticate": challenge})
        request.state.session = session
        return await endpoint(request)
    return guarded


class KeycloakSite(Site):
    """A stand-in that signs in through the realm instead of its own /login."""

    knobs_class = SpaKnobs
    cookie_name = SSO_COOKIE

    def __init__(self, *args, keycloak_data: Path = KEYCLOAK_DATA, **kwargs):
        self.realm = Realm(self, load_yaml(keycloak_data))  # before Site.__init__, which resets it
        super().__init__(*args, **kwargs)

    def reset(self) -> None:
        super().reset()
        self.realm.reset()

    def login_routes(self) -> list[Route]:
        return self.realm.routes()

    def state(self) -> dict:
        return {**super().state(), "sign_in": self.realm.summary()}


# ----- endpoints ------------------------------------------------------------------------------
def realm_of(request: Request) -> Realm:
    return site_of(request).realm


async def authorize(request: Request) -> Response:
    """GET …/auth: the sign-in page, or straight back to the app when the SSO cookie is live."""
    realm, params = realm_of(request), dict(request.query_params)
    if params.get("client_id") != realm.config["client_id"]:
        return realm.error_page(request, params, "Client not found.")
    if not realm.allowed_redirect(request, params.get("redirect_uri")):
        return realm.error_page(request, params, "Invalid parameter: redirect_uri")
    if problem := realm.request_problem(params):
        return redirect_back(params, {"error": "invalid_request", "error_description": problem,
                                      "state": params.get("state")})
    session, _ = realm.site.lookup_session(request)
    if session and session.user and params.get("prompt") != "login":
        return realm.send_code(request, session, params)
    if params.get("prompt") == "none":
        return redirect_back(params, {"error": "login_required", "state": params.get("state")})
    browser = request.cookies.get(AUTH_COOKIE) or secrets.token_urlsafe(16)
    pending = Pending(secrets.token_urlsafe(8), browser, params, realm.site.now(), "")
    realm.forget_old_logins()
    realm.pending[pending.tab_id] = pending
    return realm.login_page(request, pending)


async def authenticate(request: Request) -> Response:
    """POST of the sign-in form (form#kc-form-login)."""
    realm, query = realm_of(request), request.query_params
    pending = realm.pending.get(query.get("tab_id", ""))
    form = await request.form()
    if (pending is None or pending.browser != request.cookies.get(AUTH_COOKIE)
            or realm.site.now() - pending.created > realm.config["login_ttl"]):
        realm.counts["logins_timed_out"] += 1
        return realm.error_page(request, pending.params if pending else {}, realm.text({})[1]["timed_out"])
    if query.get("session_code") != pending.session_code:  # the page was drawn again since
        return realm.login_page(request, pending, alert=realm.text(pending.params)[1]["page_expired"])
    username = str(form.get("username", ""))
    if not realm.site.check_login(username, str(form.get("password", ""))):
        realm.counts["logins_failed"] += 1
        return realm.login_page(request, pending, username=username, invalid=True)
    del realm.pending[pending.tab_id]
    session = realm.site.new_session(user=username)
    realm.counts["logins"] += 1
    response = realm.send_code(request, session, pending.params)
    response.set_cookie(SSO_COOKIE, session.sid, httponly=True, samesite="lax", path=realm.base + "/")
    response.delete_cookie(AUTH_COOKIE, path=realm.base + "/")
    return response


async def token_endpoint(request: Request) -> Response:
    realm, form = realm_of(request), await request.form()
    if form.get("client_id") != realm.config["client_id"]:
        return realm.refuse("invalid_client", "Invalid client or Invalid client credentials", 401)
    grant = form.get("grant_type")
    if grant == "authorization_code":
        return realm.exchange_code(request, form)
    if grant == "refresh_token":
        return realm.refresh(request, form)
    return realm.refuse("unsupported_grant_type", "Unsupported grant_type")


async def logout(request: Request) -> Response:
    """Ends the sign-in session; back to the app if post_logout_redirect_uri is allowed."""
    realm, params = realm_of(request), dict(request.query_params)
    realm.site.sessions.pop(request.cookies.get(SSO_COOKIE, ""), None)
    target = params.get("post_logout_redirect_uri")
    if realm.allowed_redirect(request, target):
        response: Response = RedirectResponse(target, status_code=302)
    else:
        response = realm.page(request, params, alert=realm.text(params)[1]["logged_out"])
    response.delete_cookie(SSO_COOKIE, path=realm.base + "/")
    return response


async def discovery(request: Request) -> Response:
    realm = realm_of(request)
    issuer = realm.issuer(request)
    oidc = issuer.removesuffix(realm.base) + realm.oidc
    return JSONResponse({
        "issuer": issuer, "authorization_endpoint": f"{oidc}/auth", "token_endpoint": f"{oidc}/token",
        "end_session_endpoint": f"{oidc}/logout", "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"], "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": ["openid", "profile", "email"]})


def redirect_back(params: dict, answer: dict) -> Response:
    """To the app's redirect_uri with the answer in the fragment (or the query)."""
    encoded = urlencode({k: v for k, v in answer.items() if v is not None})
    uri = params["redirect_uri"]
    if params.get("response_mode", "fragment") == "fragment":
        return RedirectResponse(f"{uri}#{encoded}", status_code=302)
    return RedirectResponse(f"{uri}{'&' if '?' in uri else '?'}{encoded}", status_code=302)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
